/// The IPv6 extension header chain (RFC 8200 §4), walked strictly: order and repetition
/// (§4.1), each header's layout, policy by name only once the whole chain is known to be sound.
extension IPv6 {
    /// Next header values that name an extension header (IANA "IPv6 Extension Header Types").
    public enum NextHeader {
        public static let hopByHop = IPProtocol(rawValue: 0)
        public static let routing = IPProtocol(rawValue: 43)
        public static let fragment = IPProtocol(rawValue: 44)
        public static let noNextHeader = IPProtocol(rawValue: 59)
        public static let destinationOptions = IPProtocol(rawValue: 60)
    }

    /// A decoded routing header (RFC 8200 §4.4).
    ///
    /// Type 2 (RFC 6275 §6.4) is decoded whole: its home address is the final destination and its
    /// reserved field is cleared by the rebuild. Another type, when the rules accept it, must have
    /// no segments left (the final destination is then the packet's destination, RFC 8200 §8.1);
    /// its type-specific data is passed on as received, from `dataOffset` of the original packet.
    public struct RoutingHeader: Equatable, Sendable {
        // The 16-byte-aligned address first: the value stays 48 bytes, not 64.
        /// Type 2 only: the home address, which is the final destination.
        public var homeAddress: IPv6Address?
        public var nextHeader: IPProtocol
        public var routingType: UInt8
        public var segmentsLeft: UInt8
        public var length: Int
        /// Where bytes 4..<length of the header sit in the original packet (types other than 2).
        public var dataOffset: Int

        init(nextHeader: IPProtocol, length: Int, routingType: UInt8, segmentsLeft: UInt8, homeAddress: IPv6Address?, dataOffset: Int) {
            self.homeAddress = homeAddress
            self.nextHeader = nextHeader
            self.routingType = routingType
            self.segmentsLeft = segmentsLeft
            self.length = length
            self.dataOffset = dataOffset
        }

        func emit(into out: inout MutableRawSpan, at offset: Int, original: RawSpan) {
            out.store(nextHeader.rawValue, at: offset)
            out.store(UInt8(truncatingIfNeeded: length / 8 - 1), at: offset + 1)
            out.store(routingType, at: offset + 2)
            out.store(segmentsLeft, at: offset + 3)
            if let homeAddress {
                out.store(UInt32(0), at: offset + 4)
                out.store(homeAddress, at: offset + 8)
            } else {
                Datagram.copy(original.extracting(dataOffset..<dataOffset + length - 4), into: &out, at: offset + 4)
            }
        }
    }

    /// A decoded fragment header (RFC 8200 §4.5). Its two reserved fields are not kept: the
    /// rebuild writes them as zero.
    public struct FragmentHeader: Equatable, Sendable {
        public var nextHeader: IPProtocol
        /// In 8-byte units.
        public var fragmentOffset: UInt16
        public var moreFragments: Bool
        public var identification: UInt32

        public init(nextHeader: IPProtocol, fragmentOffset: UInt16 = 0, moreFragments: Bool = false, identification: UInt32) {
            self.nextHeader = nextHeader
            self.fragmentOffset = fragmentOffset & 0x1FFF
            self.moreFragments = moreFragments
            self.identification = identification
        }

        /// Offset 0 and no more fragments: a whole packet with a fragment header (RFC 6946).
        public var isAtomic: Bool { fragmentOffset == 0 && !moreFragments }

        func emit(into out: inout MutableRawSpan, at offset: Int) {
            out.store(nextHeader.rawValue, at: offset)
            out.store(UInt8(0), at: offset + 1)
            out.store(fragmentOffset << 3 | (moreFragments ? 1 : 0), at: offset + 2)
            out.store(identification, at: offset + 4)
        }
    }

    /// The extension headers of one packet, in the only order RFC 8200 §4.1 allows (which is also
    /// the order `emit` writes them): hop-by-hop, destination options (for the routing header's
    /// destinations), routing, fragment, destination options (for the final destination).
    /// Stored inline: decoding allocates nothing.
    public struct ExtensionHeaders: Equatable, Sendable {
        public var hopByHop: OptionsHeader?
        public var destinationOptions: OptionsHeader?
        public var routing: RoutingHeader?
        public var fragment: FragmentHeader?
        public var finalDestinationOptions: OptionsHeader?
        /// The protocol after the last extension header: TCP, UDP, ICMPv6, or no next header (59).
        /// For a fragment that is not the first, the fragment header's next header.
        public var upperLayer: IPProtocol
        /// Bytes of all extension headers together.
        public var length: Int

        /// No extension headers: the fixed header's next header is the upper layer.
        public init(upperLayer: IPProtocol) {
            self.upperLayer = upperLayer
            length = 0
        }

        /// A fragment that is not atomic (RFC 6946): more fragments, or an offset.
        public var isFragment: Bool { fragment.map { !$0.isAtomic } ?? false }
        /// A fragment at offset 0 with more to come.
        public var isFirstFragment: Bool { fragment.map { $0.moreFragments && $0.fragmentOffset == 0 } ?? false }

        /// The destination the upper-layer pseudo-header uses (RFC 8200 §8.1): with a routing
        /// header that has segments left, the last address in it; otherwise the packet's own.
        public func finalDestination(_ destination: IPv6Address) -> IPv6Address {
            if let routing, routing.segmentsLeft > 0, let home = routing.homeAddress { return home }
            return destination
        }

        /// Writes the headers into `out[offset..<offset + length]`, copying the options areas and
        /// the data of an accepted routing header of a type other than 2 from `original`.
        public func emit(into out: inout MutableRawSpan, at offset: Int, original: RawSpan) {
            var index = offset
            if let hopByHop { hopByHop.emit(into: &out, at: index, original: original); index += hopByHop.length }
            if let destinationOptions {
                destinationOptions.emit(into: &out, at: index, original: original)
                index += destinationOptions.length
            }
            if let routing { routing.emit(into: &out, at: index, original: original); index += routing.length }
            if let fragment { fragment.emit(into: &out, at: index); index += 8 }
            if let finalDestinationOptions { finalDestinationOptions.emit(into: &out, at: index, original: original) }
        }
    }
}

extension IPv6.ExtensionHeaders {
    /// Walks the chain of `bytes` (a whole packet that `IPv6.View` validated) from the fixed
    /// header's next header, judging each header's structure and its place in the order; refuses
    /// by name (`allowances`, fragments) only after the whole chain was found sound, so a
    /// malformed header is reported as such even where it would be refused anyway. Adds to
    /// `normalizations` the reserved fields the rebuild clears.
    @inline(__always)
    init(parsing bytes: RawSpan, options allowances: DecodeOptions, normalizations: inout Normalizations) throws(DecodeError) {
        // The typical packet has no extension headers: nothing to walk, nothing to refuse.
        let first = IPProtocol(rawValue: bytes.byte(at: IPv6.Offset.nextHeader))
        if first == .tcp || first == .udp || first == .icmpv6 {
            self.init(upperLayer: first)
            return
        }
        try self.init(walking: bytes, options: allowances, normalizations: &normalizations)
    }

    /// The walk behind `init(parsing:options:normalizations:)` for a packet whose fixed header
    /// names something other than TCP, UDP or ICMPv6.
    @inline(never)
    private init(walking bytes: RawSpan, options allowances: DecodeOptions, normalizations: inout Normalizations) throws(DecodeError) {
        var walk = ChainWalk(bytes: bytes)
        self.init(upperLayer: IPv6.NextHeader.noNextHeader)
        chain: while true {
            let next = IPProtocol(rawValue: bytes.byte(at: walk.nextOffset))
            switch next {
            case IPv6.NextHeader.hopByHop:
                try walk.enter(.hopByHop, layer: .ipv6HopByHop)
                let header = try walk.optionsHeader(layer: .ipv6HopByHop)
                if !allowances.allowedIPv6Headers.hopByHop { walk.refuse(.ipv6HopByHop, .header, .ipv6HopByHop) }
                hopByHop = header
            case IPv6.NextHeader.destinationOptions:
                let rank: ChainWalk.Rank = walk.rank < .destinationOptions ? .destinationOptions : .finalDestinationOptions
                try walk.enter(rank, layer: .ipv6DestinationOptions)
                let header = try walk.optionsHeader(layer: .ipv6DestinationOptions)
                if !allowances.allowedIPv6Headers.destinationOptions {
                    walk.refuse(.ipv6DestinationOptions, .header, .ipv6DestinationOptions)
                }
                if rank == .destinationOptions { destinationOptions = header } else { finalDestinationOptions = header }
            case IPv6.NextHeader.routing:
                try walk.enter(.routing, layer: .ipv6Routing)
                routing = try walk.routingHeader(allowed: allowances.allowedIPv6Headers.routingTypes, normalizations: &normalizations)
            case IPv6.NextHeader.fragment:
                try walk.enter(.fragment, layer: .ipv6Fragment)
                let header = try walk.fragmentHeader(allowed: allowances.allowFragments, normalizations: &normalizations)
                fragment = header
                if header.fragmentOffset != 0 {
                    // A later fragment holds no headers to walk, only part of the upper layer.
                    upperLayer = header.nextHeader
                    break chain
                }
            case IPv6.NextHeader.noNextHeader:
                // RFC 8200 §4.7: nothing follows; bytes that do would ride through unread.
                guard walk.index == bytes.byteCount else { throw .make(walk.layer, .nextHeader, at: walk.nextOffset, .trailingBytes) }
                upperLayer = next
                break chain
            case .tcp, .udp, .icmpv6:
                upperLayer = next
                break chain
            default:
                // AH, ESP, mobility, HIP, shim6, experimental values, or any other protocol.
                throw .make(walk.layer, .nextHeader, at: walk.nextOffset, .unknownProtocol)
            }
        }
        length = walk.index - IPv6.headerLength
        if let refusal = walk.refusal { throw refusal }
    }
}

/// The state of one walk over an extension header chain.
struct ChainWalk: ~Escapable {
    /// RFC 8200 §4.1's order, each rank at most once; a header's rank must exceed the last one's.
    enum Rank: Int, Comparable {
        case fixedHeader, hopByHop, destinationOptions, routing, fragment, finalDestinationOptions
        static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    let bytes: RawSpan
    /// Where the current header starts.
    var index = IPv6.headerLength
    /// The offset of the next header field that names the header at `index`.
    var nextOffset = IPv6.Offset.nextHeader
    /// The layer that next header field belongs to.
    var layer = DecodeError.Layer.ipv6
    var rank = Rank.fixedHeader
    /// Set once a first fragment's header was walked: a header cut short after it is an
    /// incomplete chain (RFC 7112 §5), not a truncated packet.
    var inFirstFragment = false
    /// The first refusal by name, thrown once the chain is known to be sound.
    var refusal: DecodeError?

    @_lifetime(copy bytes)
    init(bytes: RawSpan) {
        self.bytes = bytes
    }

    /// Checks that a header of `rank` may come here (RFC 8200 §4.1: hop-by-hop only right after
    /// the fixed header, the others in order and at most once, two destination options headers
    /// never back to back) and that its fixed part is present.
    mutating func enter(_ rank: Rank, layer: DecodeError.Layer) throws(DecodeError) {
        let backToBack = self.rank == .destinationOptions && rank == .finalDestinationOptions
        let misplaced = rank == .hopByHop ? self.rank != .fixedHeader : rank <= self.rank
        guard !misplaced, !backToBack else { throw .make(layer, .nextHeader, at: nextOffset, .badExtensionOrder) }
        self.rank = rank
        // Every extension header is at least 8 bytes (RFC 8200 §4.3–§4.6).
        guard index + 8 <= bytes.byteCount else { throw cut(layer, .header, at: index) }
    }

    /// The length of the header at `index` in bytes, checked to be inside the packet.
    func headerLength(layer: DecodeError.Layer) throws(DecodeError) -> Int {
        let length = (Int(bytes.byte(at: index + 1)) + 1) * 8
        guard index + length <= bytes.byteCount else { throw cut(layer, .length, at: index + 1) }
        return length
    }

    /// Moves past the header at `index`, whose next header field is its first byte.
    mutating func advance(by length: Int, layer: DecodeError.Layer) {
        nextOffset = index
        self.layer = layer
        index += length
    }

    /// Records the first refusal by name.
    mutating func refuse(_ layer: DecodeError.Layer, _ field: DecodeError.Field, _ reason: DecodeError.Reason, at offset: Int? = nil) {
        if refusal == nil { refusal = .make(layer, field, at: offset ?? nextOffset, reason) }
    }

    /// Parses the hop-by-hop or destination options header at `index` and moves past it.
    mutating func optionsHeader(layer: DecodeError.Layer) throws(DecodeError) -> IPv6.OptionsHeader {
        let length = try headerLength(layer: layer)
        let header = try IPv6.OptionsHeader(parsing: bytes, at: index, layer: layer)
        advance(by: length, layer: layer)
        return header
    }

    /// Parses the routing header at `index` (RFC 8200 §4.4) and moves past it. Type 0 is
    /// refused whatever the rules say (RFC 5095 §3); type 2 is checked whole (RFC 6275 §6.4); a
    /// type the rules accept must have no segments left, or its final destination is unknown.
    mutating func routingHeader(allowed: IPOptionTypes, normalizations: inout Normalizations) throws(DecodeError) -> IPv6.RoutingHeader {
        let length = try headerLength(layer: .ipv6Routing)
        let start = index
        let type = bytes.byte(at: start + 2), segmentsLeft = bytes.byte(at: start + 3)
        var header = IPv6.RoutingHeader(
            nextHeader: IPProtocol(rawValue: bytes.byte(at: start)), length: length, routingType: type,
            segmentsLeft: segmentsLeft, homeAddress: nil, dataOffset: start + 4)
        switch type {
        case 0:
            refuse(.ipv6Routing, .routingType, .ipv6RoutingType0, at: start + 2)
        case 2:
            // RFC 6275 §6.4: Hdr Ext Len 2, Segments Left 1, one unicast home address.
            guard length == 24 else { throw .make(.ipv6Routing, .length, at: start + 1, .badRoutingHeader) }
            guard segmentsLeft == 1 else { throw .make(.ipv6Routing, .segmentsLeft, at: start + 3, .badRoutingHeader) }
            let home = bytes.ipv6Address(at: start + 8)
            guard home.isUnicast else { throw .make(.ipv6Routing, .destinationAddress, at: start + 8, .badRoutingHeader) }
            if bytes.uint32(at: start + 4) != 0 { normalizations.insert(.ipv6RoutingReserved) }
            header.homeAddress = home
            if !allowed.contains(type) { refuse(.ipv6Routing, .routingType, .ipv6Routing, at: start + 2) }
        default:
            if !allowed.contains(type) {
                refuse(.ipv6Routing, .routingType, .ipv6Routing, at: start + 2)
            } else if segmentsLeft != 0 {
                // RFC 8200 §8.1: the pseudo-header needs the final destination, which only a type
                // Portcullis decodes can tell.
                throw .make(.ipv6Routing, .segmentsLeft, at: start + 3, .badRoutingHeader)
            }
        }
        advance(by: length, layer: .ipv6Routing)
        return header
    }

    /// Parses the fragment header at `index` (RFC 8200 §4.5) and moves past it. A fragment that
    /// is not atomic must have a length that is a multiple of 8 unless it is the last, and end
    /// within 65535 bytes; it is refused as `fragment` unless the rules accept fragments. An
    /// atomic fragment (offset 0, no more fragments) is a whole packet (RFC 6946 §4).
    mutating func fragmentHeader(allowed: Bool, normalizations: inout Normalizations) throws(DecodeError) -> IPv6.FragmentHeader {
        let start = index
        let field = bytes.uint16(at: start + 2)
        let header = IPv6.FragmentHeader(
            nextHeader: IPProtocol(rawValue: bytes.byte(at: start)), fragmentOffset: field >> 3,
            moreFragments: field & 1 != 0, identification: bytes.uint32(at: start + 4))
        // RFC 8200 §4.5: both reserved fields are zero when sent and ignored on receipt.
        if bytes.byte(at: start + 1) != 0 || field & 0b110 != 0 { normalizations.insert(.ipv6FragmentReserved) }
        advance(by: 8, layer: .ipv6Fragment)
        guard !header.isAtomic else { return header }
        let fragmentLength = bytes.byteCount - index
        if header.moreFragments && fragmentLength % 8 != 0 {
            throw .make(.ipv6Fragment, .payloadLength, at: IPv6.Offset.payloadLength, .badFragmentLength)
        }
        guard Int(header.fragmentOffset) * 8 + fragmentLength <= 65535 else {
            throw .make(.ipv6Fragment, .fragmentOffset, at: start + 2, .badFragmentLength)
        }
        if !allowed { refuse(.ipv6Fragment, .fragmentOffset, .fragment, at: start + 2) }
        inFirstFragment = header.fragmentOffset == 0
        return header
    }

    /// `truncated`, or `incomplete-header-chain` after a first fragment's header (RFC 7112 §5).
    func cut(_ layer: DecodeError.Layer, _ field: DecodeError.Field, at offset: Int) -> DecodeError {
        inFirstFragment ? .make(layer, field, at: offset, .incompleteHeaderChain) : .make(layer, field, at: offset, .truncated)
    }
}
