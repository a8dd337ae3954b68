/// Hop-by-hop and destination options headers (RFC 8200 §4.2, §4.3, §4.6), parsed option by
/// option.
extension IPv6 {
    /// Option types Portcullis knows (RFC 8200 §4.2; IANA "Destination Options and Hop-by-Hop
    /// Options"). Every other type is refused, whatever its two action bits ask for.
    public enum OptionType {
        /// One byte of padding.
        public static let pad1: UInt8 = 0x00
        /// Two or more bytes of padding: type, length, that many zero bytes.
        public static let padN: UInt8 = 0x01
        /// Tunnel encapsulation limit (RFC 2473 §5.1), destination options, length 1.
        public static let tunnelEncapsulationLimit: UInt8 = 0x04
        /// Router alert (RFC 2711 §2.1), hop-by-hop, length 2.
        public static let routerAlert: UInt8 = 0x05
        /// Jumbo payload (RFC 2675 §2), hop-by-hop: always refused.
        public static let jumboPayload: UInt8 = 0xC2
        /// Home address (RFC 6275 §6.3), destination options, length 16.
        public static let homeAddress: UInt8 = 0xC9
    }

    /// The longest run of padding a header may carry (RFC 4942 §2.1.9.5: padding exists to
    /// align to 8 bytes, so more than 7 bytes of it can only carry something else; Linux's
    /// `ip6_parse_tlv` uses the same limit).
    public static let maximumPadding = 7

    /// A decoded hop-by-hop or destination options header.
    ///
    /// `init(parsing:at:layer:)` guarantees every option well formed and known for its header,
    /// each at most once, every padding option all zero and no run of padding over 7 bytes, and
    /// at least one option that is not padding. So the options area holds nothing unparsed and
    /// its canonical form is the received one: the header keeps a small summary (the values of
    /// the options Portcullis acts on) and where the header sits in the packet, and `emit`
    /// copies the options area from the original bytes. A compact value (15 bytes) keeps the
    /// decoded packet small, which is most of what decoding IPv6 costs beside IPv4.
    public struct OptionsHeader: Equatable, Sendable {
        public var nextHeader: IPProtocol
        /// (Hdr Ext Len + 1) × 8: at most 2048.
        private var storedLength: UInt16
        /// Where the header starts in the packet it was parsed from: inside the chain, which
        /// ends within 40 + 4 × 2048 + 8 bytes, so it fits 16 bits.
        private var storedOffset: UInt16
        /// The router alert value (RFC 2711 §2.1: 0 is MLD), when present.
        public var routerAlert: UInt16?
        /// The tunnel encapsulation limit (RFC 2473 §5.1), when present.
        public var tunnelEncapsulationLimit: UInt8?
        /// Where the home address option's address (RFC 6275 §6.3) sits in the packet, when
        /// present; `homeAddress(in:)` reads it.
        private var storedHomeAddressOffset: UInt16?

        /// The header's length in bytes, (Hdr Ext Len + 1) × 8.
        public var length: Int { Int(storedLength) }
        /// Where the header starts in the packet it was parsed from.
        public var offset: Int { Int(storedOffset) }
        /// The options area (after next header and length), padding included, as received.
        @_lifetime(copy original)
        public func options(in original: RawSpan) -> RawSpan {
            original.extracting(offset + 2..<offset + length)
        }
        /// The home address (RFC 6275 §6.3), when present, read from the packet it was parsed from.
        public func homeAddress(in original: RawSpan) -> IPv6Address? {
            storedHomeAddressOffset.map { original.ipv6Address(at: Int($0)) }
        }

        /// Parses the header at `start` of `bytes` (whose length field the walk has checked to be
        /// inside the bytes). `layer` says which header it is: hop-by-hop allows router alert,
        /// destination options allow tunnel encapsulation limit and home address.
        init(parsing bytes: RawSpan, at start: Int, layer: DecodeError.Layer) throws(DecodeError) {
            nextHeader = IPProtocol(rawValue: bytes.byte(at: start))
            let length = (Int(bytes.byte(at: start + 1)) + 1) * 8
            // Unreachable given the chain's limits (see `storedOffset`); kept so no input can
            // overflow the 16-bit fields.
            guard let storedLength = UInt16(exactly: length), let storedOffset = UInt16(exactly: start),
                  UInt16(exactly: start + length) != nil else {
                throw .make(layer, .length, at: start + 1, .badIPv6Option)
            }
            self.storedLength = storedLength
            self.storedOffset = storedOffset
            try walk(bytes, from: start + 2, to: start + length, layer: layer)
        }

        /// Walks the options once, judging each (RFC 8200 §4.2): Pad1 is one byte; every other
        /// type has a length byte and must end inside the header.
        private mutating func walk(_ bytes: RawSpan, from begin: Int, to end: Int, layer: DecodeError.Layer) throws(DecodeError) {
            var index = begin
            var padding = 0
            var sawOption = false
            while index < end {
                let type = bytes.byte(at: index)
                if type == OptionType.pad1 {
                    padding += 1
                    guard padding <= IPv6.maximumPadding else { throw .make(layer, .options, at: index, .badIPv6Padding) }
                    index += 1
                    continue
                }
                guard index + 1 < end else { throw .make(layer, .options, at: index, .badIPv6Option) }
                let length = Int(bytes.byte(at: index + 1))
                guard index + 2 + length <= end else { throw .make(layer, .options, at: index, .badIPv6Option) }
                if type == OptionType.padN {
                    padding += 2 + length
                    // RFC 4942 §2.1.9.5: PadN data is zero, and a run stays within 7 bytes.
                    guard padding <= IPv6.maximumPadding, TCP.Header.isZero(bytes, from: index + 2, to: index + 2 + length) else {
                        throw .make(layer, .options, at: index, .badIPv6Padding)
                    }
                } else {
                    padding = 0
                    sawOption = true
                    try judge(bytes, type: type, at: index, length: length, layer: layer)
                }
                index += 2 + length
            }
            // RFC 4942 §2.1.9.5: a header of padding alone carries nothing but room for a covert channel.
            guard sawOption else { throw .make(layer, .options, at: begin, .badIPv6Padding) }
        }

        /// Judges one option that is not padding, by type and header.
        private mutating func judge(_ bytes: RawSpan, type: UInt8, at index: Int, length: Int, layer: DecodeError.Layer) throws(DecodeError) {
            let hopByHop = layer == .ipv6HopByHop
            switch type {
            case OptionType.routerAlert where hopByHop:
                // RFC 2711 §2.1: length 2; every value is accepted (the rules judge the packet).
                guard length == 2, routerAlert == nil else { throw .make(layer, .options, at: index, .badIPv6Option) }
                routerAlert = bytes.uint16(at: index + 2)
            case OptionType.jumboPayload where hopByHop:
                // RFC 2675: only with payload length 0, which the fixed header already refused.
                throw .make(layer, .options, at: index, .jumbogram)
            case OptionType.tunnelEncapsulationLimit where !hopByHop:
                guard length == 1, tunnelEncapsulationLimit == nil else { throw .make(layer, .options, at: index, .badIPv6Option) }
                tunnelEncapsulationLimit = bytes.byte(at: index + 2)
            case OptionType.homeAddress where !hopByHop:
                // RFC 6275 §6.3: length 16, a unicast address (Linux's ipv6_dest_hao checks the same).
                guard length == 16, storedHomeAddressOffset == nil else { throw .make(layer, .options, at: index, .badIPv6Option) }
                guard bytes.ipv6Address(at: index + 2).isUnicast else { throw .make(layer, .options, at: index + 2, .badIPv6Option) }
                // Inside the header, whose end was checked to fit 16 bits.
                storedHomeAddressOffset = UInt16(truncatingIfNeeded: index + 2)
            default:
                throw .make(layer, .options, at: index, .ipv6OptionUnknown)
            }
        }

        /// Writes the header into `out[at..<at + length]`: next header, length, and the options
        /// area copied from `original`, the packet it was parsed from (its padding is zero, as
        /// parsing checked).
        func emit(into out: inout MutableRawSpan, at position: Int, original: RawSpan) {
            out.store(nextHeader.rawValue, at: position)
            out.store(UInt8(truncatingIfNeeded: length / 8 - 1), at: position + 1)
            Datagram.copy(options(in: original), into: &out, at: position + 2)
        }
    }
}

extension IPv6Address {
    /// Not multicast, not unspecified, not IPv4-mapped: fit to be an address that is routed to.
    var isUnicast: Bool { !isMulticast && !isUnspecified && !isIPv4Mapped }
}
