/// Router discovery (RFC 1256) and the dispatch of the message-specific checks.
extension ICMP {
    /// Byte offsets of a router advertisement (RFC 1256 §3), from the start of the message.
    public enum RouterAdvertisementOffset {
        public static let addressCount = 4      // Num Addrs: router addresses advertised (≥ 1)
        public static let addressEntrySize = 5  // Addr Entry Size: 32-bit words per address (≥ 2)
        public static let lifetime = 6          // seconds; any value (0: the router is going away)
        public static let entries = 8           // Num Addrs × (router address, preference level, …)
    }
}

extension ICMP.Header {
    /// The checks particular to one message type, after type and code: router discovery
    /// (RFC 1256) and extended echo (RFC 8335). Every other accepted type has none.
    @inline(__always)
    static func checkMessageBody(_ view: borrowing ICMP.View) throws(DecodeError) {
        switch view.type {
        case .routerAdvertisement: try checkRouterAdvertisement(view)
        case .routerSolicitation: try checkRouterSolicitation(view)
        case .extendedEchoRequest: try checkExtendedEchoRequest(view)
        case .extendedEchoReply: try checkExtendedEchoReply(view)
        default: break
        }
    }

    /// RFC 1256 §5.2 (validity checks on receipt): code 0 (or 16, RFC 5944 §2.1: a mobility
    /// agent that routes no common traffic), Num Addrs ≥ 1, Addr Entry Size ≥ 2, and the entries
    /// inside the message. Words of an entry beyond the second are deliberately accepted (§3
    /// keeps them for future use). What follows the entries must be Mobile IP extensions
    /// (RFC 5944 §2.1) that end exactly at the end of the message: nothing hides after them.
    static func checkRouterAdvertisement(_ view: borrowing ICMP.View) throws(DecodeError) {
        typealias Offset = ICMP.RouterAdvertisementOffset
        let base = view.datagramOffset
        guard view.code == 0 || view.code == 16 else {
            throw .make(.icmp, .code, at: base + ICMP.Offset.code, .badICMPCode)
        }
        let bytes = view.bytes
        let count = Int(bytes.byte(at: Offset.addressCount))
        guard count >= 1 else { throw .make(.icmp, .addressCount, at: base + Offset.addressCount, .badRouterDiscovery) }
        let entrySize = Int(bytes.byte(at: Offset.addressEntrySize))
        guard entrySize >= 2 else {
            throw .make(.icmp, .addressEntrySize, at: base + Offset.addressEntrySize, .badRouterDiscovery)
        }
        let end = Offset.entries + count * entrySize * 4
        guard end <= bytes.byteCount else { throw .make(.icmp, .addressCount, at: base + Offset.addressCount, .truncated) }
        try walkMobilityExtensions(bytes, from: end, at: base)
    }

    /// RFC 5944 §2.1: one-byte padding (type 0), or type, length, and that many data bytes.
    /// Extension types are deliberately not judged (RFC 5944 §2.1 has receivers skip unknown
    /// ones in 0–127 and drop the message for unknown ones in 128–255: refused here too).
    private static func walkMobilityExtensions(_ bytes: RawSpan, from start: Int, at base: Int) throws(DecodeError) {
        var index = start
        while index < bytes.byteCount {
            let type = bytes.byte(at: index)
            if type == 0 {
                index += 1
                continue
            }
            guard type < 128, index + 1 < bytes.byteCount else {
                throw .make(.icmp, .extension, at: base + index, .badRouterDiscovery)
            }
            let end = index + 2 + Int(bytes.byte(at: index + 1))
            guard end <= bytes.byteCount else { throw .make(.icmp, .extension, at: base + index, .badRouterDiscovery) }
            index = end
        }
    }

    /// RFC 1256 §3, §6: code 0 (checked with the type), 4 reserved bytes (deliberately accepted
    /// and kept), and nothing after them: a receiver reads nothing more, so nothing may ride there.
    static func checkRouterSolicitation(_ view: borrowing ICMP.View) throws(DecodeError) {
        guard view.bytes.byteCount == ICMP.headerLength else {
            throw .make(.icmp, .length, at: view.datagramOffset + ICMP.headerLength, .badRouterDiscovery)
        }
    }
}
