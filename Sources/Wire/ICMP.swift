/// ICMP for IPv4 (RFC 792): offsets, a checked view, the decoded header, and its pretty-printing.
public enum ICMP {
    /// Byte offsets of the header fields from the start of the ICMP message (RFC 792).
    public enum Offset {
        public static let type = 0
        public static let code = 1
        public static let checksum = 2       // RFC 1071 over the whole message, no pseudo-header
        public static let restOfHeader = 4   // echo: identifier (2) | sequence (2); redirect: gateway; …
    }

    /// Every ICMP message starts with these 8 bytes.
    public static let headerLength = 8

    /// The ICMP type. Open, so an unaccepted type is still carried and logged by number.
    public struct MessageType: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let echoReply = Self(rawValue: 0)
        public static let destinationUnreachable = Self(rawValue: 3)
        /// Deprecated by RFC 6633; known by name but refused.
        public static let sourceQuench = Self(rawValue: 4)
        public static let redirect = Self(rawValue: 5)
        public static let echoRequest = Self(rawValue: 8)
        /// Router discovery (RFC 1256; Mobile IP agent advertisement, RFC 5944 §2.1).
        public static let routerAdvertisement = Self(rawValue: 9)
        public static let routerSolicitation = Self(rawValue: 10)
        public static let timeExceeded = Self(rawValue: 11)
        public static let parameterProblem = Self(rawValue: 12)
        public static let timestamp = Self(rawValue: 13)
        public static let timestampReply = Self(rawValue: 14)
        /// PROBE (RFC 8335).
        public static let extendedEchoRequest = Self(rawValue: 42)
        public static let extendedEchoReply = Self(rawValue: 43)

        /// The types this version accepts, with their highest legal code.
        public static let accepted: [(type: MessageType, maximumCode: UInt8)] = [
            (.echoReply, 0),                // RFC 792
            (.destinationUnreachable, 15),  // RFC 792 0–5, RFC 1122 6–12, RFC 1812 13–15
            (.redirect, 3),                 // RFC 792
            (.echoRequest, 0),              // RFC 792
            (.routerAdvertisement, 16),     // RFC 1256 0, RFC 5944 §2.1 16 (only 0 and 16)
            (.routerSolicitation, 0),       // RFC 1256
            (.timeExceeded, 1),             // RFC 792
            (.parameterProblem, 2),         // RFC 792 0, RFC 1108 1, RFC 1812 2
            (.timestamp, 0),                // RFC 792
            (.timestampReply, 0),           // RFC 792
            (.extendedEchoRequest, 0),      // RFC 8335 §2
            (.extendedEchoReply, 4),        // RFC 8335 §3
        ]

        /// The highest legal code for an accepted type, or nil when the type is not accepted.
        /// A switch rather than a table look-up, so the hot path touches no array.
        public var maximumCode: UInt8? {
            switch self {
            case .echoReply, .echoRequest, .timestamp, .timestampReply, .routerSolicitation, .extendedEchoRequest: 0
            case .routerAdvertisement: 16
            case .extendedEchoReply: 4
            case .destinationUnreachable: 15
            case .redirect: 3
            case .timeExceeded: 1
            case .parameterProblem: 2
            default: nil
            }
        }

        /// Error messages, which quote the datagram that caused them (RFC 792).
        public var isError: Bool {
            switch self {
            case .destinationUnreachable, .sourceQuench, .redirect, .timeExceeded, .parameterProblem: true
            default: false
            }
        }

        /// The hyphenated keyword used in rules and logs, or nil for unnamed types.
        public var name: String? {
            switch self {
            case .echoReply: "echo-reply"
            case .destinationUnreachable: "destination-unreachable"
            case .sourceQuench: "source-quench"
            case .redirect: "redirect"
            case .echoRequest: "echo-request"
            case .routerAdvertisement: "router-advertisement"
            case .routerSolicitation: "router-solicitation"
            case .extendedEchoRequest: "extended-echo-request"
            case .extendedEchoReply: "extended-echo-reply"
            case .timeExceeded: "time-exceeded"
            case .parameterProblem: "parameter-problem"
            case .timestamp: "timestamp"
            case .timestampReply: "timestamp-reply"
            default: nil
            }
        }

        /// The type a rule keyword names, or nil.
        public init?(name: Substring) {
            let all: [MessageType] = [
                .echoReply, .destinationUnreachable, .sourceQuench, .redirect, .echoRequest,
                .timeExceeded, .parameterProblem, .timestamp, .timestampReply, .routerAdvertisement,
                .routerSolicitation, .extendedEchoRequest, .extendedEchoReply,
            ]
            guard let found = all.first(where: { $0.name.map { Substring($0) == name } ?? false }) else {
                return nil
            }
            self = found
        }
    }

    /// Borrowed bytes of one ICMP message.
    ///
    /// Once `init(validating:at:)` returns, the 8-byte header is present, so no accessor can go
    /// out of bounds. The rest of the message is payload.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the message starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Checks that the 8-byte header is present.
        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= ICMP.headerLength else {
                throw .make(.icmp, .header, at: datagramOffset, .truncated)
            }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var type: MessageType { MessageType(rawValue: bytes.byte(at: Offset.type)) }
        public var code: UInt8 { bytes.byte(at: Offset.code) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }
        public var restOfHeader: UInt32 { bytes.uint32(at: Offset.restOfHeader) }

        /// The bytes after the 8-byte header.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(ICMP.headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded fields of an ICMP header.
    ///
    /// `init(parsing:verifyingChecksum:normalizations:)` guarantees an accepted type, a code
    /// defined for it, a decodable quoted IPv4 header for error messages, and (unless told to
    /// skip) a correct checksum.
    public struct Header: Equatable, Sendable {
        public var type: MessageType
        public var code: UInt8
        /// As received. `emit(into:)` writes it unchanged; `Datagram.emit` recomputes it.
        public var checksum: UInt16
        /// Bytes 4–7, whose meaning depends on the type (identifier and sequence for echo,
        /// gateway for redirect, pointer for parameter problem, unused otherwise). Kept as received.
        public var restOfHeader: UInt32

        /// Builds a header from fields.
        public init(type: MessageType, code: UInt8 = 0, checksum: UInt16 = 0, restOfHeader: UInt32 = 0) {
            self.type = type
            self.code = code
            self.checksum = checksum
            self.restOfHeader = restOfHeader
        }

        /// As `init(parsing:verifyingChecksum:normalizations:)`, discarding what the rebuild would change.
        public init(parsing view: borrowing View, verifyingChecksum: Bool = true) throws(DecodeError) {
            var ignored = Normalizations()
            try self.init(parsing: view, verifyingChecksum: verifyingChecksum, normalizations: &ignored)
        }

        /// Decodes the fields and checks, in order: checksum (skipped when `verifyingChecksum`
        /// is false), type, code, and for an error message the IPv4 header it quotes.
        @inline(__always)
        public init(parsing view: borrowing View, verifyingChecksum: Bool, normalizations: inout Normalizations) throws(DecodeError) {
            if verifyingChecksum {
                guard Checksum.isValid(view.bytes) else {
                    throw .make(.icmp, .checksum, at: view.datagramOffset + Offset.checksum, .badChecksum)
                }
                // 0xFFFF verifies too; emit computes 0x0000 unless every other byte is zero.
                let bytes = view.bytes
                if view.checksum == 0xFFFF
                    && !(TCP.Header.isZero(bytes, from: 0, to: Offset.checksum)
                         && TCP.Header.isZero(bytes, from: Offset.restOfHeader, to: bytes.byteCount)) {
                    normalizations.insert(.transportChecksum)
                }
            }
            guard let maximumCode = view.type.maximumCode else {
                throw .make(.icmp, .type, at: view.datagramOffset + Offset.type, .unknownICMPType)
            }
            guard view.code <= maximumCode else {
                throw .make(.icmp, .code, at: view.datagramOffset + Offset.code, .badICMPCode)
            }
            if view.type.isError {
                try Self.checkEmbeddedHeader(view.payload, at: view.datagramOffset + ICMP.headerLength)
            }
            try Self.checkMessageBody(view)
            self.init(type: view.type, code: view.code, checksum: view.checksum, restOfHeader: view.restOfHeader)
        }

        /// An error message quotes the offending datagram's IPv4 header and at least its first
        /// 8 bytes (RFC 792, RFC 1812 §4.3.2.3). That header must decode: version 4, IHL >= 5,
        /// the header and 8 bytes present, a total length not below the header, and a correct
        /// header checksum. Its options and the quoted transport bytes are not judged.
        private static func checkEmbeddedHeader(_ quoted: RawSpan, at offset: Int) throws(DecodeError) {
            guard quoted.byteCount >= IPv4.minimumHeaderLength + 8 else {
                throw .make(.icmp, .embeddedHeader, at: offset, .truncated)
            }
            let versionAndIHL = quoted.byte(at: IPv4.Offset.versionAndIHL)
            guard versionAndIHL >> 4 == 4 else { throw .make(.icmp, .embeddedHeader, at: offset, .badVersion) }
            let headerLength = Int(versionAndIHL & 0x0F) * 4
            guard headerLength >= IPv4.minimumHeaderLength else {
                throw .make(.icmp, .embeddedHeader, at: offset, .badHeaderLength)
            }
            guard quoted.byteCount >= headerLength + 8 else { throw .make(.icmp, .embeddedHeader, at: offset, .truncated) }
            guard Int(quoted.uint16(at: IPv4.Offset.totalLength)) >= headerLength else {
                throw .make(.icmp, .embeddedHeader, at: offset + IPv4.Offset.totalLength, .badTotalLength)
            }
            guard Checksum.isValid(quoted.extracting(0..<headerLength)) else {
                throw .make(.icmp, .embeddedHeader, at: offset + IPv4.Offset.headerChecksum, .badChecksum)
            }
        }

        /// Echo identifier (high half of `restOfHeader`).
        public var identifier: UInt16 { UInt16(truncatingIfNeeded: restOfHeader >> 16) }
        /// Echo sequence number (low half of `restOfHeader`).
        public var sequenceNumber: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

        /// Always 8.
        public var encodedLength: Int { ICMP.headerLength }

        /// Writes the 8-byte header into `out[0..<8]` with the stored checksum; the checksum
        /// covers the payload, so `Datagram.emit` recomputes it after copying the payload.
        public func emit(into out: inout MutableRawSpan) {
            out.store(type.rawValue, at: Offset.type)
            out.store(code, at: Offset.code)
            out.store(checksum, at: Offset.checksum)
            out.store(restOfHeader, at: Offset.restOfHeader)
        }
    }
}

extension ICMP.MessageType: CustomStringConvertible {
    /// The keyword, or the decimal number.
    public var description: String { name ?? String(rawValue) }
}

extension ICMP.Header: CustomStringConvertible {
    /// One line: "ICMP echo-request code 0 id 7 seq 1".
    public var description: String {
        var text = "ICMP \(type) code \(code)"
        if type == .echoRequest || type == .echoReply {
            text += " id \(identifier) seq \(sequenceNumber)"
        }
        return text
    }
}
