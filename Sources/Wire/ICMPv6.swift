/// ICMP for IPv6 (RFC 4443): offsets, a checked view, the decoded header, and its
/// pretty-printing. Neighbor discovery and MLD checks are in `ICMPv6+NeighborDiscovery.swift`.
public enum ICMPv6 {
    /// Byte offsets of the header fields from the start of the ICMPv6 message (RFC 4443 §2.1).
    public enum Offset {
        public static let type = 0
        public static let code = 1
        public static let checksum = 2       // RFC 1071 over the IPv6 pseudo-header and the message (RFC 4443 §2.3)
        public static let restOfHeader = 4   // echo: identifier | sequence; packet too big: MTU; ND: flags | reserved; …
        public static let body = 8           // quoted packet, echo data, ND target and options, MLD address, …
    }

    /// The 8 bytes every message this decoder accepts starts with.
    public static let headerLength = 8

    /// The ICMPv6 type. Open, so an unaccepted type is still carried and logged by number.
    public struct MessageType: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let destinationUnreachable = Self(rawValue: 1)   // RFC 4443 §3.1
        public static let packetTooBig = Self(rawValue: 2)             // RFC 4443 §3.2
        public static let timeExceeded = Self(rawValue: 3)             // RFC 4443 §3.3
        public static let parameterProblem = Self(rawValue: 4)         // RFC 4443 §3.4
        public static let echoRequest = Self(rawValue: 128)            // RFC 4443 §4.1
        public static let echoReply = Self(rawValue: 129)              // RFC 4443 §4.2
        public static let multicastListenerQuery = Self(rawValue: 130) // RFC 2710 §3, RFC 3810 §5.1
        public static let multicastListenerReport = Self(rawValue: 131) // RFC 2710 §3 (MLDv1)
        public static let multicastListenerDone = Self(rawValue: 132)  // RFC 2710 §3 (MLDv1)
        public static let routerSolicitation = Self(rawValue: 133)     // RFC 4861 §4.1
        public static let routerAdvertisement = Self(rawValue: 134)    // RFC 4861 §4.2
        public static let neighborSolicitation = Self(rawValue: 135)   // RFC 4861 §4.3
        public static let neighborAdvertisement = Self(rawValue: 136)  // RFC 4861 §4.4
        public static let redirect = Self(rawValue: 137)               // RFC 4861 §4.5
        public static let multicastListenerReportV2 = Self(rawValue: 143) // RFC 3810 §5.2

        /// The highest legal code for an accepted type (IANA "ICMPv6 Parameters"), or nil when
        /// the type is not accepted.
        public var maximumCode: UInt8? {
            switch self {
            case .destinationUnreachable: 8  // RFC 4443 0–6, RFC 6550 7, RFC 8883 8
            case .timeExceeded: 1
            case .parameterProblem: 10       // RFC 4443 0–2, RFC 7112 3, RFC 8754 4, RFC 8883 5–10
            case .packetTooBig, .echoRequest, .echoReply, .multicastListenerQuery, .multicastListenerReport,
                 .multicastListenerDone, .routerSolicitation, .routerAdvertisement, .neighborSolicitation,
                 .neighborAdvertisement, .redirect, .multicastListenerReportV2: 0
            default: nil
            }
        }

        /// Error messages (types 0–127, RFC 4443 §2.1), which quote the packet that caused them.
        public var isError: Bool { rawValue < 128 }

        /// Neighbor discovery (RFC 4861 §4).
        public var isNeighborDiscovery: Bool { (133...137).contains(rawValue) }

        /// Multicast listener discovery (RFC 2710, RFC 3810).
        public var isMulticastListener: Bool { (130...132).contains(rawValue) || self == .multicastListenerReportV2 }

        /// The hyphenated keyword used in rules and logs, or nil for unnamed types.
        public var name: String? {
            switch self {
            case .destinationUnreachable: "destination-unreachable"
            case .packetTooBig: "packet-too-big"
            case .timeExceeded: "time-exceeded"
            case .parameterProblem: "parameter-problem"
            case .echoRequest: "echo-request"
            case .echoReply: "echo-reply"
            case .multicastListenerQuery: "mld-query"
            case .multicastListenerReport: "mld-report"
            case .multicastListenerDone: "mld-done"
            case .routerSolicitation: "router-solicitation"
            case .routerAdvertisement: "router-advertisement"
            case .neighborSolicitation: "neighbor-solicitation"
            case .neighborAdvertisement: "neighbor-advertisement"
            case .redirect: "redirect"
            case .multicastListenerReportV2: "mld2-report"
            default: nil
            }
        }

        /// The bits of bytes 4–7 that are unused or reserved for this type: zero when sent,
        /// ignored when received, so the rebuild clears them.
        var reservedBits: UInt32 {
            switch self {
            // RFC 4443 §3.1, §3.3: unused; RFC 4861 §4.1, §4.3, §4.5: reserved.
            case .destinationUnreachable, .timeExceeded, .routerSolicitation, .neighborSolicitation, .redirect: 0xFFFF_FFFF
            // RFC 4861 §4.4: R, S, O, then 29 reserved bits.
            case .neighborAdvertisement: 0x1FFF_FFFF
            // RFC 2710 §3.4 and RFC 3810 §5.1: maximum response delay/code, then reserved.
            case .multicastListenerQuery, .multicastListenerReport, .multicastListenerDone: 0x0000_FFFF
            // RFC 3810 §5.2: reserved, then the number of records.
            case .multicastListenerReportV2: 0xFFFF_0000
            default: 0
            }
        }
    }

    /// What the IPv6 layers tell the ICMPv6 checks.
    public struct Context: Sendable {
        /// The sum of the IPv6 pseudo-header over the final destination; nil skips the checksum
        /// (kernel CSUMNOTREADY, or a first fragment).
        public var pseudoHeaderSum: UInt64?
        public var hopLimit: UInt8
        public var source: IPv6Address
        public var destination: IPv6Address
        /// The whole IPv6 packet's length, for the 1280-byte limit on errors.
        public var packetLength: Int
        /// The packet has a fragment header (atomic or not).
        public var hasFragmentHeader: Bool
        /// The value of a hop-by-hop router alert option, when there is one.
        public var routerAlert: UInt16?

        public init(
            pseudoHeaderSum: UInt64?, hopLimit: UInt8, source: IPv6Address, destination: IPv6Address,
            packetLength: Int, hasFragmentHeader: Bool = false, routerAlert: UInt16? = nil
        ) {
            self.pseudoHeaderSum = pseudoHeaderSum
            self.hopLimit = hopLimit
            self.source = source
            self.destination = destination
            self.packetLength = packetLength
            self.hasFragmentHeader = hasFragmentHeader
            self.routerAlert = routerAlert
        }
    }

    /// Borrowed bytes of one ICMPv6 message.
    ///
    /// Once `init(validating:at:)` returns, the 8-byte header is present, so no accessor can go
    /// out of bounds. Longer minimums per type are checked by `Header(parsing:context:)`.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the message starts in the IPv6 packet; error offsets are measured from there.
        public let datagramOffset: Int

        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= ICMPv6.headerLength else { throw .make(.icmpv6, .header, at: datagramOffset, .truncated) }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var type: MessageType { MessageType(rawValue: bytes.byte(at: Offset.type)) }
        public var code: UInt8 { bytes.byte(at: Offset.code) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }
        public var restOfHeader: UInt32 { bytes.uint32(at: Offset.restOfHeader) }

        /// The bytes after the 8-byte header.
        public var body: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(ICMPv6.headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded fields of an ICMPv6 header.
    ///
    /// `init(parsing:context:normalizations:)` guarantees a correct checksum (unless skipped), an
    /// accepted type, a code defined for it, the per-type checks of RFC 4443, RFC 4861 and
    /// RFC 3810, and holds bytes 4–7 with their reserved bits cleared.
    public struct Header: Equatable, Sendable {
        public var type: MessageType
        public var code: UInt8
        /// As received. `emit(into:)` writes it unchanged; `IPv6Datagram.emit` recomputes it.
        public var checksum: UInt16
        /// Bytes 4–7 (identifier and sequence, MTU, pointer, ND flags, …), reserved bits cleared.
        public var restOfHeader: UInt32

        public init(type: MessageType, code: UInt8 = 0, checksum: UInt16 = 0, restOfHeader: UInt32 = 0) {
            self.type = type
            self.code = code
            self.checksum = checksum
            self.restOfHeader = restOfHeader
        }

        /// Decodes the fields and checks, in order: checksum, type, code, then the type's own
        /// rules (errors: quoted header and size; packet too big: MTU; ND; MLD).
        public init(parsing view: borrowing View, context: Context, normalizations: inout Normalizations) throws(DecodeError) {
            let at = view.datagramOffset
            if let pseudo = context.pseudoHeaderSum {
                guard Checksum.isValid(view.bytes, adding: pseudo) else { throw .make(.icmpv6, .checksum, at: at + Offset.checksum, .badChecksum) }
                // 0xFFFF verifies too; with the pseudo-header's next header of 58 the sum is never
                // zero, so emit always computes another value for it.
                if view.checksum == 0xFFFF { normalizations.insert(.transportChecksum) }
            }
            let type = view.type
            guard let maximumCode = type.maximumCode else { throw .make(.icmpv6, .type, at: at + Offset.type, .unknownICMPType) }
            guard view.code <= maximumCode else { throw .make(.icmpv6, .code, at: at + Offset.code, .badICMPCode) }
            if type.isError { try Self.checkError(view, context: context) }
            if type.isNeighborDiscovery { try NeighborDiscovery.check(view, context: context) }
            if type.isMulticastListener { try NeighborDiscovery.checkMulticastListener(view, context: context) }
            var rest = view.restOfHeader
            if rest & type.reservedBits != 0 {
                rest &= ~type.reservedBits
                normalizations.insert(.icmpv6Reserved)
            }
            self.init(type: type, code: view.code, checksum: view.checksum, restOfHeader: rest)
        }

        /// An error message quotes as much of the offending packet as fits in the minimum MTU
        /// (RFC 4443 §2.4 (c)): at least its fixed header, which must be version 6, and the whole
        /// packet is at most 1280 bytes. A packet too big message gives an MTU of at least 1280
        /// (RFC 8200 §5: no link is smaller).
        private static func checkError(_ view: borrowing View, context: Context) throws(DecodeError) {
            let at = view.datagramOffset
            guard context.packetLength <= IPv6.minimumMTU else { throw .make(.icmpv6, .header, at: at, .icmpv6TooLong) }
            let quoted = view.body
            guard quoted.byteCount >= IPv6.headerLength else { throw .make(.icmpv6, .embeddedHeader, at: at + Offset.body, .truncated) }
            guard quoted.byte(at: 0) >> 4 == 6 else { throw .make(.icmpv6, .embeddedHeader, at: at + Offset.body, .badVersion) }
            if view.type == .packetTooBig && view.restOfHeader < UInt32(IPv6.minimumMTU) {
                throw .make(.icmpv6, .mtu, at: at + Offset.restOfHeader, .badMTU)
            }
        }

        /// Echo identifier (high half of `restOfHeader`).
        public var identifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
        /// Echo sequence number (low half of `restOfHeader`).
        public var sequenceNumber: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

        /// Always 8.
        public var encodedLength: Int { ICMPv6.headerLength }

        /// Writes the 8-byte header into `out[0..<8]` with the stored checksum; the checksum
        /// covers the body and the pseudo-header, so `IPv6Datagram.emit` recomputes it.
        public func emit(into out: inout MutableRawSpan) {
            out.store(type.rawValue, at: Offset.type)
            out.store(code, at: Offset.code)
            out.store(checksum, at: Offset.checksum)
            out.store(restOfHeader, at: Offset.restOfHeader)
        }
    }
}

extension ICMPv6.MessageType: CustomStringConvertible {
    /// The keyword, or the decimal number.
    public var description: String { name ?? String(rawValue) }
}

extension ICMPv6.Header: CustomStringConvertible {
    /// One line: "ICMPv6 echo-request code 0 id 7 seq 1".
    public var description: String {
        var text = "ICMPv6 \(type) code \(code)"
        if type == .echoRequest || type == .echoReply { text += " id \(identifier) seq \(sequenceNumber)" }
        return text
    }
}
