// A small strict JSON validity scan (RFC 8259) for the fuzz targets that check our output:
// one value, nothing after it. Depth is capped so the scan itself cannot overflow the stack.

/// True when `bytes` is exactly one JSON object.
func isOneJSONObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var scanner = JSONScanner(bytes: bytes)
    scanner.skipSpace()
    guard scanner.peek == UInt8(ascii: "{"), scanner.value(depth: 0) else { return false }
    scanner.skipSpace()
    return scanner.index == bytes.count
}

struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) -> Bool {
        guard depth < 64 else { return false }
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), keyed: true, depth: depth)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), keyed: false, depth: depth)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    mutating func container(close: UInt8, keyed: Bool, depth: Int) -> Bool {
        index += 1
        skipSpace()
        if expect(close) { return true }
        while true {
            if keyed {
                skipSpace()
                guard string() else { return false }
                skipSpace()
                guard expect(UInt8(ascii: ":")) else { return false }
            }
            guard value(depth: depth + 1) else { return false }
            skipSpace()
            if expect(close) { return true }
            guard expect(UInt8(ascii: ",")) else { return false }
        }
    }

    mutating func string() -> Bool {
        guard expect(UInt8(ascii: "\"")) else { return false }
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return false }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let hex = peek, hex.isHexDigit else { return false }
                        index += 1
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                    return false
                }
            case 0..<0x20: return false
            default: continue
            }
        }
        return false
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - index >= expected.count,
              bytes[index..<(index + expected.count)].elementsEqual(expected) else { return false }
        index += expected.count
        return true
    }

    mutating func number() -> Bool {
        _ = expect(UInt8(ascii: "-"))
        guard let first = peek, first.isDigit else { return false }
        index += 1
        if first != UInt8(ascii: "0") { while peek?.isDigit == true { index += 1 } }
        if expect(UInt8(ascii: ".")) {
            guard peek?.isDigit == true else { return false }
            while peek?.isDigit == true { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard peek?.isDigit == true else { return false }
            while peek?.isDigit == true { index += 1 }
        }
        return true
    }
}

extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    var isHexDigit: Bool {
        isDigit || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
