import Engine
import Rules
import Wire

extension JSONLinesWriter {
    /// What rules match on beyond addresses and ports, and the flow's Community ID:
    /// `tcp` {`tcp_flags`, one `true` per set flag}, `ttl`, `ct_state`, `mark` (when not 0)
    /// and `community_id`. Names follow Suricata's EVE where EVE has them (`tcp.tcp_flags`
    /// as two hex digits, `syn` … `cwr` written only when set, ECE as `ecn`, as EVE writes
    /// it). Writes nothing that allocates: the hash and its text live on the stack.
    static func flowFields(_ event: VerdictEvent, into buffer: inout JSONBuffer) {
        if let flags = event.summary?.tcpFlags { tcpObject(flags, into: &buffer) }
        if let ttl = event.summary?.ttl { buffer.field("ttl", ttl) }
        if let state = event.metadata.connectionState { buffer.field("ct_state", state.logName) }
        if event.metadata.mark != 0 { buffer.field("mark", event.metadata.mark) }
        if let summary = event.summary, let ports = CommunityID.ports(of: summary) {
            var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &text) { out in
                let value = UnsafeMutableRawBufferPointer(rebasing: out[0..<CommunityID.encodedLength])
                CommunityID.encode(
                    source: summary.source, destination: summary.destination, proto: summary.proto.rawValue,
                    ports: ports, into: value)
                buffer.key("community_id")
                buffer.appendByte(UInt8(ascii: "\""))
                buffer.appendBytes(UnsafeRawBufferPointer(value))
                buffer.appendByte(UInt8(ascii: "\""))
            }
        }
    }

    /// TCP flag bits (RFC 9293 §3.1, RFC 3168 §6.1) and their EVE names, lowest bit first.
    private static let tcpFlagNames: [(UInt8, StaticString)] = [
        (0x01, "fin"), (0x02, "syn"), (0x04, "rst"), (0x08, "psh"),
        (0x10, "ack"), (0x20, "urg"), (0x40, "ecn"), (0x80, "cwr"),
    ]

    private static func tcpObject(_ flags: UInt8, into buffer: inout JSONBuffer) {
        buffer.beginObject("tcp")
        buffer.key("tcp_flags")
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { hex in
            buffer.appendByte(UInt8(ascii: "\""))
            buffer.appendByte(hex[Int(flags >> 4)])
            buffer.appendByte(hex[Int(flags & 0xF)])
            buffer.appendByte(UInt8(ascii: "\""))
        }
        for (bit, name) in tcpFlagNames where flags & bit != 0 {
            buffer.field(name, true)
        }
        buffer.endObject()
    }
}

extension ConnectionState {
    /// The state's name in the log (`ct_state`), as `state` rules spell it.
    var logName: StaticString {
        switch self {
        case .new: "new"
        case .established: "established"
        case .related: "related"
        case .invalid: "invalid"
        }
    }
}
