import Engine
import Wire

extension JSONLinesWriter {
    /// The `inner` object of a tunnelled packet (GRE, IP-in-IP, IPv6-in-IPv4): the addresses,
    /// ports, protocol and ICMP type and code of the packet the tunnel carries, with the same
    /// keys as the outer ones (docs/logs.md). Written without building a String.
    static func innerFields(_ inner: InnerPacket, into buffer: inout JSONBuffer) {
        buffer.beginObject("inner")
        buffer.field("src_ip", inner.source)
        if let port = inner.sourcePort { buffer.field("src_port", port) }
        buffer.field("dest_ip", inner.destination)
        if let port = inner.destinationPort { buffer.field("dest_port", port) }
        switch inner.proto {
        case .tcp: buffer.field("proto", "TCP" as StaticString)
        case .udp: buffer.field("proto", "UDP" as StaticString)
        case .icmp: buffer.field("proto", "ICMP" as StaticString)
        case .icmpv6: buffer.field("proto", "IPv6-ICMP" as StaticString)
        case .igmp: buffer.field("proto", "IGMP" as StaticString)
        case .esp: buffer.field("proto", "ESP" as StaticString)
        case .gre: buffer.field("proto", "GRE" as StaticString)
        default: buffer.field("proto", inner.proto.rawValue)
        }
        if let type = inner.icmpType { buffer.field("icmp_type", type) }
        if let code = inner.icmpCode { buffer.field("icmp_code", code) }
        buffer.field("ttl", inner.hopLimit)
        buffer.endObject()
    }
}

extension JSONBuffer {
    /// An address of either family as a JSON string: a dotted quad, or the RFC 5952 text of an
    /// IPv6 address (lower-case hex, no leading zeros, the first longest run of two or more
    /// zero groups as `::`), written digit by digit (no String).
    package mutating func field(_ key: StaticString, _ address: IPAddress) {
        switch address {
        case .v4(let address): field(key, address)
        case .v6(let address):
            self.key(key)
            appendByte(UInt8(ascii: "\""))
            ipv6Text(address)
            appendByte(UInt8(ascii: "\""))
        }
    }

    private mutating func ipv6Text(_ address: IPv6Address) {
        // RFC 5952 §4.2.2, §4.2.3: the first longest run of at least two zero groups.
        var bestStart = -1, bestLength = 1, runStart = -1
        for index in 0..<8 {
            if address.group(index) == 0 {
                if runStart < 0 { runStart = index }
                if index - runStart + 1 > bestLength { (bestStart, bestLength) = (runStart, index - runStart + 1) }
            } else {
                runStart = -1
            }
        }
        var index = 0
        while index < 8 {
            if index == bestStart {
                append("::")
                index += bestLength
                continue
            }
            if index > 0 && index != bestStart + bestLength { appendByte(UInt8(ascii: ":")) }
            hexGroup(address.group(index))
            index += 1
        }
    }

    private mutating func hexGroup(_ group: UInt16) {
        var started = false
        for shift: UInt16 in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: group >> shift & 0xF)
            if digit == 0 && !started && shift != 0 { continue }
            started = true
            appendByte(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }
}
