import Engine
import Wire

extension JSONLinesWriter {
    /// The verdict line's `dns` object (EVE-style): `type` "query" or "answer", `id`, `rrname`
    /// (presentation form, as received: `.` between labels, `\.` and `\\` inside one, other
    /// bytes outside printable ASCII as `\DDD`, RFC 1035 §5.1), `rrtype` ("A", or "TYPE65280",
    /// RFC 3597 §5), and for answers `rcode` ("NXDOMAIN", or the number) and `answers` (the A
    /// and AAAA addresses, at most 8; `answers_truncated` when there were more). Written
    /// straight into the buffer, no String built.
    static func dnsFields(_ dns: DNSSummary, into buffer: inout JSONBuffer) {
        buffer.beginObject("dns")
        buffer.field("type", dns.isResponse ? "answer" as StaticString : "query")
        buffer.field("id", dns.id)
        buffer.key("rrname")
        buffer.appendByte(UInt8(ascii: "\""))
        dns.name.withBytes { writeName($0, into: &buffer) }
        buffer.appendByte(UInt8(ascii: "\""))
        buffer.key("rrtype")
        buffer.appendByte(UInt8(ascii: "\""))
        if let name = typeName(dns.questionType) {
            buffer.append(name)
        } else {
            buffer.append("TYPE")
            buffer.integer(dns.questionType)
        }
        buffer.appendByte(UInt8(ascii: "\""))
        if dns.isResponse {
            if let name = rcodeName(dns.rcode) { buffer.field("rcode", name) } else { buffer.field("rcode", dns.rcode) }
            buffer.key("answers")
            buffer.appendByte(UInt8(ascii: "["))
            for index in 0..<min(Int(dns.addressCount), DNSSummary.maximumAddresses) {
                if index > 0 { buffer.appendByte(UInt8(ascii: ",")) }
                guard let address = dns.addresses[index] else { continue }
                buffer.appendByte(UInt8(ascii: "\""))
                writeAddress(address, into: &buffer)
                buffer.appendByte(UInt8(ascii: "\""))
            }
            buffer.appendByte(UInt8(ascii: "]"))
            if Int(dns.addressCount) > DNSSummary.maximumAddresses { buffer.field("answers_truncated", true) }
        }
        buffer.endObject()
    }

    /// Wire labels as presentation text inside a JSON string; "." for the root.
    static func writeName(_ name: UnsafeRawBufferPointer, into buffer: inout JSONBuffer) {
        guard !name.isEmpty else { return buffer.appendByte(UInt8(ascii: ".")) }
        var position = 0
        while position < name.count {
            if position > 0 { buffer.appendByte(UInt8(ascii: ".")) }
            let length = Int(name[position])
            for index in position + 1..<min(position + 1 + length, name.count) {
                let byte = name[index]
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                    // `\.` and `\\` in presentation form; in JSON the backslash is doubled.
                    buffer.append("\\\\")
                    if byte == UInt8(ascii: "\"") { buffer.append("\\\"") } else { buffer.appendByte(byte) }
                case 0x21...0x7E:
                    buffer.appendByte(byte)
                default:
                    buffer.append("\\\\")
                    buffer.appendByte(UInt8(ascii: "0") + byte / 100)
                    buffer.appendByte(UInt8(ascii: "0") + byte / 10 % 10)
                    buffer.appendByte(UInt8(ascii: "0") + byte % 10)
                }
            }
            position += 1 + length
        }
    }

    /// A dotted quad, or the RFC 5952 text of an IPv6 address (`JSONBuffer.ipv6`, as `src_ip`
    /// and `dest_ip` are written).
    static func writeAddress(_ address: IPAddress, into buffer: inout JSONBuffer) {
        switch address {
        case .v4(let address):
            let value = address.rawValue
            buffer.integer(value >> 24)
            for shift: UInt32 in stride(from: 16, through: 0, by: -8) {
                buffer.appendByte(UInt8(ascii: "."))
                buffer.integer((value >> shift) & 0xFF)
            }
        case .v6(let address):
            buffer.ipv6(address)
        }
    }

    static func typeName(_ type: UInt16) -> StaticString? {
        switch type {
        case 1: "A"
        case 2: "NS"
        case 5: "CNAME"
        case 6: "SOA"
        case 12: "PTR"
        case 15: "MX"
        case 16: "TXT"
        case 28: "AAAA"
        case 33: "SRV"
        case 35: "NAPTR"
        case 39: "DNAME"
        case 43: "DS"
        case 48: "DNSKEY"
        case 52: "TLSA"
        case 64: "SVCB"
        case 65: "HTTPS"
        case 255: "ANY"
        case 257: "CAA"
        default: nil
        }
    }

    static func rcodeName(_ rcode: UInt16) -> StaticString? {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 9: "NOTAUTH"
        case 16: "BADVERS"
        case 23: "BADCOOKIE"
        default: nil
        }
    }
}
