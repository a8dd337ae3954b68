/// The validity checks of neighbor discovery (RFC 4861 §6.1, §7.1, §8.1) and of multicast
/// listener discovery (RFC 2710, RFC 3810 §5, §7.4), run by `ICMPv6.Header(parsing:)`.
extension ICMPv6 {
    enum NeighborDiscovery {
        /// The fixed part of each message, where its options start (RFC 4861 §4.1–§4.5).
        static func minimumLength(_ type: MessageType) -> Int {
            switch type {
            case .routerSolicitation: 8
            case .routerAdvertisement: 16
            case .neighborSolicitation, .neighborAdvertisement: 24
            default: 40  // redirect
            }
        }

        /// ND option type of the source link-layer address (RFC 4861 §4.6.1).
        static let sourceLinkLayerAddress: UInt8 = 1
        /// The Solicited flag of a neighbor advertisement (RFC 4861 §4.4), in bytes 4–7.
        static let solicitedFlag: UInt32 = 0x4000_0000

        /// RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1: hop limit 255 (so the message comes from
        /// the link), code 0 (checked by the caller), the fixed part present, every option of
        /// non-zero length inside the message, and each message's own conditions. RFC 6980 §5: a
        /// message with a fragment header is refused.
        static func check(_ view: borrowing View, context: Context) throws(DecodeError) {
            let at = view.datagramOffset
            guard context.hopLimit == 255 else { throw .make(.icmpv6, .hopLimit, at: IPv6.Offset.hopLimit, .badNeighborDiscovery) }
            guard !context.hasFragmentHeader else { throw .make(.icmpv6, .type, at: at + Offset.type, .fragment) }
            let type = view.type
            let bytes = view.bytes
            let fixed = minimumLength(type)
            guard bytes.byteCount >= fixed else { throw .make(.icmpv6, .length, at: at, .badNeighborDiscovery) }
            let hasSourceLinkLayer = try walkOptions(bytes, from: fixed, at: at)
            switch type {
            case .routerSolicitation:
                // §6.1.1: from the unspecified address, no source link-layer address option.
                guard !(context.source.isUnspecified && hasSourceLinkLayer) else {
                    throw .make(.icmpv6, .ndOption, at: at + fixed, .badNeighborDiscovery)
                }
            case .routerAdvertisement, .redirect:
                // §6.1.2, §8.1: from a link-local address; a redirect's destination is not multicast.
                guard context.source.isLinkLocal else {
                    throw .make(.icmpv6, .sourceAddress, at: IPv6.Offset.source, .badNeighborDiscovery)
                }
                if type == .redirect && bytes.ipv6Address(at: 24).isMulticast {
                    throw .make(.icmpv6, .destinationAddress, at: at + 24, .badNeighborDiscovery)
                }
            case .neighborSolicitation:
                try checkTarget(bytes, at: at)
                // §7.1.1: from the unspecified address (duplicate address detection), only to a
                // solicited-node multicast address and without a source link-layer address option.
                if context.source.isUnspecified {
                    guard context.destination.isSolicitedNodeMulticast else {
                        throw .make(.icmpv6, .destinationAddress, at: IPv6.Offset.destination, .badNeighborDiscovery)
                    }
                    guard !hasSourceLinkLayer else { throw .make(.icmpv6, .ndOption, at: at + fixed, .badNeighborDiscovery) }
                }
            default:  // neighbor advertisement
                try checkTarget(bytes, at: at)
                // §7.1.2: to a multicast destination, the Solicited flag is clear.
                if context.destination.isMulticast && view.restOfHeader & solicitedFlag != 0 {
                    throw .make(.icmpv6, .flags, at: at + Offset.restOfHeader, .badNeighborDiscovery)
                }
            }
        }

        /// §7.1.1, §7.1.2: the target address (bytes 8–23) is not multicast.
        private static func checkTarget(_ bytes: RawSpan, at: Int) throws(DecodeError) {
            guard !bytes.ipv6Address(at: Offset.body).isMulticast else {
                throw .make(.icmpv6, .targetAddress, at: at + Offset.body, .badNeighborDiscovery)
            }
        }

        /// Walks the options from `start` to the end of the message (RFC 4861 §4.6): each has a
        /// length in 8-byte units that is not 0 and stays inside. Types are not judged: §4.6 has
        /// receivers ignore the ones they do not know. Returns whether a source link-layer
        /// address option was seen.
        private static func walkOptions(_ bytes: RawSpan, from start: Int, at: Int) throws(DecodeError) -> Bool {
            var index = start
            var sawSourceLinkLayer = false
            while index < bytes.byteCount {
                guard index + 2 <= bytes.byteCount else { throw .make(.icmpv6, .ndOption, at: at + index, .badNeighborDiscovery) }
                let length = Int(bytes.byte(at: index + 1)) * 8
                guard length > 0, index + length <= bytes.byteCount else {
                    throw .make(.icmpv6, .ndOption, at: at + index, .badNeighborDiscovery)
                }
                if bytes.byte(at: index) == sourceLinkLayerAddress { sawSourceLinkLayer = true }
                index += length
            }
            return sawSourceLinkLayer
        }

        /// RFC 3810 §5 and §7.4, RFC 2710 §3 and §5: hop limit 1 and a hop-by-hop router alert
        /// (so every router on the link examines it); a link-local source (or the unspecified one
        /// for a report, RFC 3590 §4); and a length that is exactly what the message declares.
        static func checkMulticastListener(_ view: borrowing View, context: Context) throws(DecodeError) {
            let at = view.datagramOffset
            guard context.hopLimit == 1 else { throw .make(.icmpv6, .hopLimit, at: IPv6.Offset.hopLimit, .badMLD) }
            guard context.routerAlert == 0 else { throw .make(.icmpv6, .type, at: at + Offset.type, .badMLD) }
            let type = view.type
            let source = context.source
            guard source.isLinkLocal || (source.isUnspecified && type != .multicastListenerQuery) else {
                throw .make(.icmpv6, .sourceAddress, at: IPv6.Offset.source, .badMLD)
            }
            guard lengthIsExact(view.bytes, type: type) else { throw .make(.icmpv6, .length, at: at, .badMLD) }
        }

        /// MLDv1 messages are 24 bytes (RFC 2710 §3); an MLDv2 query is 28 + 16 × sources
        /// (RFC 3810 §5.1); an MLDv2 report is 8 and then its records, each 20 + 16 × sources + 4 ×
        /// auxiliary words (§5.2). Additional data, which §5.1.12 has receivers ignore, is refused.
        private static func lengthIsExact(_ bytes: RawSpan, type: MessageType) -> Bool {
            let count = bytes.byteCount
            switch type {
            case .multicastListenerQuery:
                if count == 24 { return true }
                guard count >= 28 else { return false }
                return count == 28 + 16 * Int(bytes.uint16(at: 26))
            case .multicastListenerReportV2:
                var index = 8
                for _ in 0..<Int(bytes.uint16(at: 6)) {
                    guard index + 20 <= count else { return false }
                    index += 20 + 16 * Int(bytes.uint16(at: index + 2)) + 4 * Int(bytes.byte(at: index + 1))
                }
                return index == count
            default:
                return count == 24
            }
        }
    }
}
