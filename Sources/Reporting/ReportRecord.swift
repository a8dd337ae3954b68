import Log
import Wire
/// The fields of one verdict-log line that `report` filters and groups by.
///
/// Built by a validating scanner over the line's bytes (RFC 8259): a line that is not one
/// complete JSON object is damaged, whatever it contains. Unknown fields are skipped, so
/// lines from newer writers (hash chain, stats) still count.
public struct ReportRecord: Sendable, Equatable {
    public var eventType: String?
    /// Microseconds since the epoch; `nil` when missing or not RFC 3339.
    public var time: Int64?
    public var verdict: String?
    public var reason: String?
    public var ruleFile: String?
    public var ruleLine: Int?
    public var ruleLabel: String?
    /// `src_ip`, `dest_ip` of either family; `nil` when missing or not an address.
    public var source: IPAddress?
    public var destination: IPAddress?
    public var destinationPort: Int?
    /// "TCP", "UDP", "ICMP", or the protocol number as text.
    public var proto: String?
    /// `decode_error.reason`, e.g. "bad-checksum".
    public var decodeReason: String?
    /// `dns.rrname`: the question name of a DNS message `inspect dns` decoded.
    public var dnsName: String?
    /// What the other event types carry (start, stop, reload, anomaly, suppressed, ...).
    public var control = ReportControlFields()

    public init() {}

    /// Parses one line; `nil` when it is not a single well-formed JSON object.
    public init?(line: UnsafeRawBufferPointer) {
        var scanner = JSONScanner(bytes: line)
        guard scanner.scanRecord(into: &self) else { return nil }
    }

    public init?(line: String) {
        var line = line
        guard let record = line.withUTF8({ ReportRecord(line: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = record
    }
}

/// A one-pass validating JSON scanner that keeps only what `ReportRecord` needs.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// Nesting bound: deeper input is damaged rather than a stack risk.
    static let maximumDepth = 64

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    enum Parent: Equatable { case top, rule, decodeError, dns, selfTest, counters, counts(String), other }

    mutating func scanRecord(into record: inout ReportRecord) -> Bool {
        skipSpace()
        guard scanObject(.top, depth: 0, into: &record) else { return false }
        skipSpace()
        return index == bytes.count
    }

    mutating func scanObject(_ parent: Parent, depth: Int, into record: inout ReportRecord) -> Bool {
        guard depth < Self.maximumDepth, consume(UInt8(ascii: "{")) else { return false }
        skipSpace()
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipSpace()
            guard let key = scanString() else { return false }
            skipSpace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipSpace()
            guard scanMember(key, parent, depth: depth, into: &record) else { return false }
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// One member's value: kept when its key is one we report on, validated and skipped otherwise.
    private mutating func scanMember(_ key: Range<Int>, _ parent: Parent, depth: Int, into record: inout ReportRecord) -> Bool {
        switch parent {
        case .top:
            if equals(key, "event_type") { return string { record.eventType = $0 } }
            if equals(key, "verdict") { return string { record.verdict = $0 } }
            if equals(key, "reason") { return string { record.reason = $0 } }
            if equals(key, "proto") {
                if peek == UInt8(ascii: "\"") { return string { record.proto = $0 } }
                return integer { record.proto = String($0) }
            }
            if equals(key, "dest_port") { return integer { record.destinationPort = $0 } }
            if equals(key, "timestamp") {
                guard let range = scanString() else { return false }
                record.time = ReportTime.parse(UnsafeRawBufferPointer(rebasing: bytes[range]))
                return true
            }
            if equals(key, "src_ip") || equals(key, "dest_ip") {
                guard let range = scanString() else { return false }
                let address = Self.address(UnsafeRawBufferPointer(rebasing: bytes[range]))
                if equals(key, "src_ip") { record.source = address } else { record.destination = address }
                return true
            }
            if equals(key, "rule"), peek == UInt8(ascii: "{") { return scanObject(.rule, depth: depth + 1, into: &record) }
            if equals(key, "decode_error"), peek == UInt8(ascii: "{") { return scanObject(.decodeError, depth: depth + 1, into: &record) }
            if equals(key, "dns"), peek == UInt8(ascii: "{") { return scanObject(.dns, depth: depth + 1, into: &record) }
            if let handled = scanControl(key, depth: depth, into: &record) { return handled }
        case .selfTest, .counters, .counts:
            if let handled = scanNested(key, parent, into: &record) { return handled }
        case .rule:
            if equals(key, "file") { return string { record.ruleFile = $0 } }
            if equals(key, "line") { return integer { record.ruleLine = $0 } }
            if equals(key, "label") { return string { record.ruleLabel = $0 } }
        case .decodeError:
            if equals(key, "reason") { return string { record.decodeReason = $0 } }
        case .dns:
            if equals(key, "rrname") { return string { record.dnsName = $0 } }
        case .other:
            break
        }
        return skipValue(depth: depth + 1)
    }

    mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maximumDepth, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"):
            var ignored = ReportRecord()
            return scanObject(.other, depth: depth, into: &ignored)
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            if consume(UInt8(ascii: "]")) { return true }
            while true {
                skipSpace()
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if consume(UInt8(ascii: ",")) { continue }
                return consume(UInt8(ascii: "]"))
            }
        case UInt8(ascii: "\""): return scanString() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return scanNumber() != nil
        }
    }

    // MARK: values

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
        index += count
        return matches
    }

    /// The raw range of a string's contents (between the quotes), after checking its escapes.
    mutating func scanString() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard let escaped = peek else { return nil }
                if escaped == UInt8(ascii: "u") {
                    guard index + 4 < bytes.count, bytes[(index + 1)...(index + 4)].allSatisfy(Self.isHex) else { return nil }
                    index += 4
                } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                    return nil
                }
            }
            index += 1
        }
        return nil
    }

    mutating func string(_ keep: (String) -> Void) -> Bool {
        guard let range = scanString() else { return false }
        keep(Self.decode(UnsafeRawBufferPointer(rebasing: bytes[range])))
        return true
    }

    mutating func integer(_ keep: (Int) -> Void) -> Bool {
        guard let value = scanNumber() else { return false }
        if let value { keep(value) }
        return true
    }

    /// Validates a number; its value when it is an integer that fits (`.some(nil)` otherwise).
    mutating func scanNumber() -> Int?? {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        var value = 0
        var isInteger = true
        var digits = 0
        while let byte = peek, byte >= 0x30, byte <= 0x39 {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { isInteger = false } else { value = product + Int(byte - 0x30) }
            index += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard skipDigits() else { return nil }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            isInteger = false
            _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
            guard skipDigits() else { return nil }
        }
        if bytes[start] == UInt8(ascii: "-") { value = -value }
        return .some(isInteger ? value : nil)
    }

    private mutating func skipDigits() -> Bool {
        let start = index
        while let byte = peek, byte >= 0x30, byte <= 0x39 { index += 1 }
        return index > start
    }

    func equals(_ range: Range<Int>, _ key: StaticString) -> Bool {
        key.withUTF8Buffer { $0.elementsEqual(bytes[range]) }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// A string's contents with its escapes resolved (escapes are already validated).
    static func decode(_ raw: UnsafeRawBufferPointer) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            let escaped = raw[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let hex = String(decoding: raw[index..<index + 4], as: UTF8.self)
                index += 4
                // Surrogate pairs become U+FFFD: labels and paths do not need them.
                let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(scalar)).utf8)
            default: out.append(escaped)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An IPv4 dotted quad or an IPv6 address in any RFC 4291 §2.2 text form (the log
    /// writes RFC 5952's), or `nil`.
    static func address(_ raw: UnsafeRawBufferPointer) -> IPAddress? {
        if raw.contains(UInt8(ascii: ":")) {
            // The longest text form: eight groups of four digits and seven colons, or six
            // groups and a dotted quad (45 characters).
            guard raw.count <= 45 else { return nil }
            return IPv6Address(String(decoding: raw, as: UTF8.self)).map(IPAddress.v6)
        }
        return dottedQuad(raw).map { .v4(IPv4Address(rawValue: $0)) }
    }

    /// A dotted-quad address, or `nil`.
    static func dottedQuad(_ raw: UnsafeRawBufferPointer) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in raw {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                part = 0
                digits = 0
                parts += 1
            } else if byte >= 0x30, byte <= 0x39, digits < 3 {
                part = part * 10 + UInt32(byte - 0x30)
                digits += 1
                guard part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }
}
