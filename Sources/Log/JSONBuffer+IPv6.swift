import Wire

extension JSONBuffer {
    /// An address of either family as a JSON string: the dotted quad, or IPv6 in the RFC 5952
    /// form (`IPv6Address.description`'s text), written byte by byte (no String).
    package mutating func field(_ key: StaticString, _ address: IPAddress) {
        switch address {
        case .v4(let v4):
            field(key, v4)
        case .v6(let v6):
            self.key(key)
            appendByte(UInt8(ascii: "\""))
            ipv6(v6)
            appendByte(UInt8(ascii: "\""))
        }
    }

    /// RFC 5952 §4: lower-case hex without leading zeros (§4.1, §4.3); the longest run of two
    /// or more zero groups, the first of equal runs, as `::` (§4.2); an IPv4-mapped address
    /// with its dotted quad (§5).
    package mutating func ipv6(_ address: IPv6Address) {
        if address.isIPv4Mapped {
            append("::ffff:")
            let value = UInt32(truncatingIfNeeded: address.rawValue)
            integer(value >> 24)
            for shift: UInt32 in stride(from: 16, through: 0, by: -8) {
                appendByte(UInt8(ascii: "."))
                integer((value >> shift) & 0xFF)
            }
            return
        }
        let run = Self.longestZeroRun(address)
        var index = 0
        while index < 8 {
            if index == run.start {
                append("::")
                index += run.length
                continue
            }
            if index > 0 && index != run.start + run.length { appendByte(UInt8(ascii: ":")) }
            hexGroup(address.group(index))
            index += 1
        }
    }

    /// The first longest run of zero groups; `start` is -1 when no run has two groups.
    static func longestZeroRun(_ address: IPv6Address) -> (start: Int, length: Int) {
        var best = (start: -1, length: 0)
        var runStart = -1
        for index in 0..<8 {
            guard address.group(index) == 0 else {
                runStart = -1
                continue
            }
            if runStart < 0 { runStart = index }
            if index - runStart + 1 > best.length { best = (runStart, index - runStart + 1) }
        }
        return best.length < 2 ? (-1, 0) : best
    }

    private mutating func hexGroup(_ group: UInt16) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: group >> UInt16(shift)) & 0xF
            if nibble == 0 && !started && shift > 0 { continue }
            started = true
            appendByte(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }
}
