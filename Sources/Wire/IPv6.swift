/// IPv6 (RFC 8200): offsets, a checked view, the decoded fixed header, and its pretty-printing.
/// The extension headers are in `IPv6+Extensions.swift` and `IPv6+Options.swift`.
public enum IPv6 {
    /// Byte offsets of the fixed header fields (RFC 8200 §3).
    public enum Offset {
        public static let versionClassFlow = 0   // version (4 bits) | traffic class (8 bits) | flow label (20 bits)
        public static let payloadLength = 4      // bytes after the fixed header, extension headers included
        public static let nextHeader = 6         // first extension header or upper-layer protocol
        public static let hopLimit = 7
        public static let source = 8             // 16 bytes
        public static let destination = 24       // 16 bytes
        public static let payload = 40           // extension headers, then the upper-layer packet
    }

    /// The fixed header's size (RFC 8200 §3).
    public static let headerLength = 40
    /// The minimum link MTU (RFC 8200 §5).
    public static let minimumMTU = 1280

    /// Borrowed bytes of one whole IPv6 packet.
    ///
    /// Once `init(validating:)` returns, the buffer holds exactly one packet: a version-6 fixed
    /// header of 40 bytes and a payload length equal to the bytes after it, so no accessor can go
    /// out of bounds. The extension headers are walked by `IPv6.ExtensionHeaders`.
    public struct View: ~Escapable {
        public let bytes: RawSpan

        /// Runs every structural check of the fixed header once.
        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan) throws(DecodeError) {
            guard bytes.byteCount >= IPv6.headerLength else { throw .make(.ipv6, .header, at: 0, .truncated) }
            guard bytes.byte(at: Offset.versionClassFlow) >> 4 == 6 else {
                throw .make(.ipv6, .version, at: Offset.versionClassFlow, .badVersion)
            }
            try Self.checkPayloadLength(bytes)
            self.bytes = bytes
        }

        /// Strict: the payload length must equal the bytes after the fixed header (RFC 8200 §3).
        /// Length 0 with bytes after the header is a jumbogram (RFC 2675 §2), refused: no GSO or
        /// BIG TCP packet is judged above 65535 bytes, as for IPv4.
        @inline(__always)
        private static func checkPayloadLength(_ bytes: RawSpan) throws(DecodeError) {
            let length = Int(bytes.uint16(at: Offset.payloadLength))
            let present = bytes.byteCount - IPv6.headerLength
            if length == 0 && present > 0 { throw .make(.ipv6, .payloadLength, at: Offset.payloadLength, .jumbogram) }
            guard length <= present else { throw .make(.ipv6, .payloadLength, at: Offset.payloadLength, .truncated) }
            guard length == present else { throw .make(.ipv6, .payloadLength, at: Offset.payloadLength, .trailingBytes) }
        }

        public var version: UInt8 { bytes.byte(at: Offset.versionClassFlow) >> 4 }
        public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: bytes.uint32(at: Offset.versionClassFlow) >> 20) }
        public var flowLabel: UInt32 { bytes.uint32(at: Offset.versionClassFlow) & 0xF_FFFF }
        public var payloadLength: UInt16 { bytes.uint16(at: Offset.payloadLength) }
        public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.byte(at: Offset.nextHeader)) }
        public var hopLimit: UInt8 { bytes.byte(at: Offset.hopLimit) }
        public var source: IPv6Address { bytes.ipv6Address(at: Offset.source) }
        public var destination: IPv6Address { bytes.ipv6Address(at: Offset.destination) }

        /// The bytes after the fixed header: extension headers and the upper-layer packet.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(IPv6.headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded fields of an IPv6 fixed header.
    ///
    /// `init(parsing:)` guarantees a hop limit above 0, a source that is not multicast, a
    /// destination that is not unspecified, and no IPv4-mapped address. Nothing in the fixed
    /// header is normalized: traffic class and flow label are kept as received.
    public struct Header: Equatable, Sendable {
        /// DSCP and ECN together (RFC 8200 §7), as received.
        public var trafficClass: UInt8
        /// 20 bits (RFC 8200 §6), as received.
        public var flowLabel: UInt32
        /// As received; `IPv6Datagram.emit` writes the length it actually encodes.
        public var payloadLength: UInt16
        public var nextHeader: IPProtocol
        public var hopLimit: UInt8
        public var source: IPv6Address
        public var destination: IPv6Address

        /// Builds a header from fields.
        public init(
            trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, payloadLength: UInt16, nextHeader: IPProtocol,
            hopLimit: UInt8 = 64, source: IPv6Address, destination: IPv6Address
        ) {
            self.trafficClass = trafficClass
            self.flowLabel = flowLabel & 0xF_FFFF
            self.payloadLength = payloadLength
            self.nextHeader = nextHeader
            self.hopLimit = hopLimit
            self.source = source
            self.destination = destination
        }

        /// Runs the semantic checks of the fixed header, in field order: hop limit, source,
        /// destination.
        @inline(__always)
        public init(parsing view: borrowing View) throws(DecodeError) {
            // RFC 8200 §3: a packet received with hop limit 0 must not be forwarded; no sender
            // puts one on the wire (as TTL 0 for IPv4, RFC 1122 §3.2.1.7).
            guard view.hopLimit != 0 else { throw .make(.ipv6, .hopLimit, at: Offset.hopLimit, .hopLimitZero) }
            let source = view.source, destination = view.destination
            // RFC 4291 §2.7: multicast addresses must not be used as source addresses.
            guard !source.isMulticast else { throw .make(.ipv6, .sourceAddress, at: Offset.source, .multicastSource) }
            // RFC 4291 §2.5.5.2 and RFC 5156 §2.2: IPv4-mapped addresses are an API convention, never
            // on the wire; a filter comparing IPv4 rules would otherwise meet IPv4 addresses in disguise.
            guard !source.isIPv4Mapped else { throw .make(.ipv6, .sourceAddress, at: Offset.source, .ipv4MappedAddress) }
            // RFC 4291 §2.5.2: the unspecified address must not be a destination.
            guard !destination.isUnspecified else {
                throw .make(.ipv6, .destinationAddress, at: Offset.destination, .unspecifiedDestination)
            }
            guard !destination.isIPv4Mapped else {
                throw .make(.ipv6, .destinationAddress, at: Offset.destination, .ipv4MappedAddress)
            }
            self.init(
                trafficClass: view.trafficClass, flowLabel: view.flowLabel, payloadLength: view.payloadLength,
                nextHeader: view.nextHeader, hopLimit: view.hopLimit, source: source, destination: destination)
        }

        /// Always 40.
        public var encodedLength: Int { IPv6.headerLength }

        /// Writes the 40-byte fixed header into `out[0..<40]` with the stored payload length.
        /// `out.byteCount` must be at least 40.
        public func emit(into out: inout MutableRawSpan) {
            precondition(out.byteCount >= IPv6.headerLength, "output shorter than the IPv6 header")
            out.store(UInt32(6) << 28 | UInt32(trafficClass) << 20 | flowLabel & 0xF_FFFF, at: Offset.versionClassFlow)
            out.store(payloadLength, at: Offset.payloadLength)
            out.store(nextHeader.rawValue, at: Offset.nextHeader)
            out.store(hopLimit, at: Offset.hopLimit)
            out.store(source, at: Offset.source)
            out.store(destination, at: Offset.destination)
        }
    }
}

extension RawSpan {
    /// The 16 bytes at `offset` as an address.
    @inline(__always)
    func ipv6Address(at offset: Int) -> IPv6Address {
        IPv6Address(
            high: UInt64(bigEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            low: UInt64(bigEndian: unsafeLoadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
    }
}

extension MutableRawSpan {
    @inline(__always)
    mutating func store(_ address: IPv6Address, at offset: Int) {
        storeBytes(of: address.high.bigEndian, toByteOffset: offset, as: UInt64.self)
        storeBytes(of: address.low.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
    }
}

extension IPv6.Header: CustomStringConvertible {
    /// One line in the style of tcpdump: "IPv6 fd00::1 > fd00::2 next 6 hlim 64 plen 20".
    public var description: String {
        var text = "IPv6 \(source) > \(destination) next \(nextHeader.rawValue) hlim \(hopLimit) plen \(payloadLength)"
        if trafficClass != 0 { text += " class \(trafficClass)" }
        if flowLabel != 0 { text += " flow \(flowLabel)" }
        return text
    }
}
