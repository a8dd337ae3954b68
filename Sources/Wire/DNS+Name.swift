extension DNS.Name {
    /// Calls `body` with the offset and length of each label, left to right, following
    /// compression pointers. `message` must be the bytes this name was decoded from: the
    /// decoder checked every pointer and length, so the walk stays inside them.
    public func forEachLabel(in message: RawSpan, _ body: (_ offset: Int, _ length: Int) -> Void) {
        var position = Int(offset)
        var remaining = Int(labelCount)
        while remaining > 0 {
            let octet = message.byte(at: position)
            if octet & 0xC0 == 0xC0 {
                position = Int(message.uint16(at: position) & 0x3FFF)
                continue
            }
            body(position + 1, Int(octet))
            remaining -= 1
            position += 1 + Int(octet)
        }
    }

    /// The name in presentation form, lowercased, without the final dot ("." for the root);
    /// bytes outside letters, digits, '-' and '_' are written `\DDD` (RFC 4343 §2.1). For
    /// logs and diagnostics, not the packet path.
    public func text(in message: RawSpan) -> String {
        guard labelCount > 0 else { return "." }
        var text = ""
        forEachLabel(in: message) { start, length in
            if !text.isEmpty { text += "." }
            for index in start..<start + length {
                let octet = message.byte(at: index)
                let lower = (0x41...0x5A).contains(octet) ? octet | 0x20 : octet
                if (0x61...0x7A).contains(lower) || (0x30...0x39).contains(lower) || lower == 0x2D || lower == 0x5F {
                    text.unicodeScalars.append(Unicode.Scalar(lower))
                } else {
                    let digits = String(lower)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
        }
        return text
    }
}

extension DNS.Message {
    /// Calls `body` with each address of the A and AAAA records of class IN in the answer
    /// section, in order. `message` must be the bytes this message was decoded from.
    public func forEachAnswerAddress(in message: RawSpan, _ body: (IPAddress) -> Void) {
        guard addressAnswerCount > 0 else { return }
        var position = DNS.skipName(in: message, at: Int(questionName.offset)) + 4
        var index: UInt16 = 0
        while index < answerCount {
            let nameEnd = DNS.skipName(in: message, at: position)
            let type = message.uint16(at: nameEnd)
            let recordClass = message.uint16(at: nameEnd + 2)
            let length = Int(message.uint16(at: nameEnd + 8))
            let rdata = nameEnd + 10
            if recordClass == DNS.classIN, type == DNS.RRType.a, length == 4 {
                body(.v4(IPv4Address(rawValue: message.uint32(at: rdata))))
            } else if recordClass == DNS.classIN, type == DNS.RRType.aaaa, length == 16 {
                let high = UInt64(message.uint32(at: rdata)) << 32 | UInt64(message.uint32(at: rdata + 4))
                let low = UInt64(message.uint32(at: rdata + 8)) << 32 | UInt64(message.uint32(at: rdata + 12))
                body(.v6(IPv6Address(high: high, low: low)))
            }
            position = rdata + length
            index += 1
        }
    }
}

extension DNS {
    /// Where the name at `position` ends in the byte stream (after its root or first pointer),
    /// in a message that decoded.
    static func skipName(in message: RawSpan, at position: Int) -> Int {
        var position = position
        while true {
            let octet = message.byte(at: position)
            if octet == 0 { return position + 1 }
            if octet & 0xC0 == 0xC0 { return position + 2 }
            position += 1 + Int(octet)
        }
    }
}
