/// IGMP v1, v2 and v3 (RFC 1112, RFC 2236, RFC 3376): offsets, a checked view, the decoded
/// header, and its pretty-printing.
public enum IGMP {
    /// Byte offsets of the fields every IGMP message shares (RFC 3376 §4.1, §4.2).
    public enum Offset {
        public static let type = 0
        public static let maxResponse = 1    // max resp code (queries); unused in reports
        public static let checksum = 2       // RFC 1071 over the whole message, no pseudo-header
        public static let group = 4          // group address; v3 report: reserved (2) | record count (2)
        public static let queryFlags = 8     // v3 query: Resv (4) | S (1) | QRV (3)
        public static let querySourceCount = 10
        public static let querySources = 12
    }

    /// The 8 bytes every message starts with; a v1/v2 message is exactly this.
    public static let headerLength = 8

    /// The IGMP message types (RFC 3376 §4, RFC 2236 §2, RFC 1112 appendix I). Open.
    public struct MessageType: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// v1, v2 or v3 by length and max resp code (RFC 3376 §7.1).
        public static let membershipQuery = Self(rawValue: 0x11)
        public static let v1Report = Self(rawValue: 0x12)
        public static let v2Report = Self(rawValue: 0x16)
        public static let v2Leave = Self(rawValue: 0x17)
        public static let v3Report = Self(rawValue: 0x22)
    }

    /// Borrowed bytes of one IGMP message.
    ///
    /// Once `init(validating:at:)` returns, the message has exactly the length its type and
    /// counts declare: 8 bytes for v1/v2, 12 + 4 × sources for a v3 query, and for a v3 report
    /// 8 bytes then every group record (8 + 4 × sources + 4 × aux words) ending at the end.
    /// So no accessor can go out of bounds, and nothing follows the last declared byte.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the message starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Runs every structural check once, by type (the type decides the layout).
        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= IGMP.headerLength else {
                throw .make(.igmp, .header, at: datagramOffset, .truncated)
            }
            switch MessageType(rawValue: bytes.byte(at: Offset.type)) {
            case .membershipQuery: try Self.checkQueryLength(bytes, at: datagramOffset)
            case .v1Report, .v2Report, .v2Leave: try Self.checkExactLength(bytes, IGMP.headerLength, at: datagramOffset)
            case .v3Report: try Self.walkGroupRecords(bytes, at: datagramOffset)
            default: throw .make(.igmp, .type, at: datagramOffset + Offset.type, .unknownIGMPType)
            }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        /// RFC 3376 §7.1: 8 bytes is a v1 (max resp 0) or v2 query; 12 or more a v3 query, with
        /// exactly its sources. 9–11 bytes is none of them. Bytes after the sources, which §4.1.10
        /// has receivers ignore, are refused: what no one reads must not ride through.
        private static func checkQueryLength(_ bytes: RawSpan, at base: Int) throws(DecodeError) {
            if bytes.byteCount == IGMP.headerLength { return }
            guard bytes.byteCount >= Offset.querySources else { throw .make(.igmp, .length, at: base + IGMP.headerLength, .truncated) }
            let sources = Int(bytes.uint16(at: Offset.querySourceCount))
            try checkExactLength(bytes, Offset.querySources + 4 * sources, at: base, field: .sourceCount, fieldOffset: Offset.querySourceCount)
        }

        /// The message must be exactly `length` bytes: fewer is `truncated`, more `trailing-bytes`.
        private static func checkExactLength(
            _ bytes: RawSpan, _ length: Int, at base: Int, field: DecodeError.Field = .length, fieldOffset: Int = IGMP.headerLength
        ) throws(DecodeError) {
            guard bytes.byteCount >= length else { throw .make(.igmp, field, at: base + fieldOffset, .truncated) }
            guard bytes.byteCount == length else { throw .make(.igmp, .length, at: base + length, .trailingBytes) }
        }

        /// RFC 3376 §4.2: after 8 bytes (type, reserved, checksum, reserved, record count), each
        /// group record is type (1), aux data words (1), source count (2), group (4), the sources,
        /// the aux data; records end exactly at the end of the message. Record types 1–6 (§4.2.12).
        private static func walkGroupRecords(_ bytes: RawSpan, at base: Int) throws(DecodeError) {
            let records = Int(bytes.uint16(at: 6))
            var index = IGMP.headerLength
            for _ in 0..<records {
                guard index + 8 <= bytes.byteCount else { throw .make(.igmp, .groupRecord, at: base + index, .truncated) }
                let type = bytes.byte(at: index)
                guard type >= 1 && type <= 6 else { throw .make(.igmp, .groupRecord, at: base + index, .badGroupRecord) }
                let length = 8 + 4 * Int(bytes.uint16(at: index + 2)) + 4 * Int(bytes.byte(at: index + 1))
                guard index + length <= bytes.byteCount else { throw .make(.igmp, .groupRecord, at: base + index, .truncated) }
                index += length
            }
            guard index == bytes.byteCount else { throw .make(.igmp, .length, at: base + index, .trailingBytes) }
        }

        public var type: MessageType { MessageType(rawValue: bytes.byte(at: Offset.type)) }
        public var maxResponse: UInt8 { bytes.byte(at: Offset.maxResponse) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }
        /// Bytes 4–7: the group address, or a v3 report's reserved word and record count.
        public var word: UInt32 { bytes.uint32(at: Offset.group) }
    }

    /// The decoded fixed 8 bytes of an IGMP message; sources and group records are payload,
    /// checked by the view and copied as received.
    ///
    /// `init(parsing:verifyingChecksum:)` guarantees a correct checksum (unless told to skip)
    /// and the semantic checks of RFC 2236 §2 and RFC 3376 §4.1 below.
    public struct Header: Equatable, Sendable {
        public var type: MessageType
        public var maxResponse: UInt8
        /// As received; `Datagram.emit` recomputes it.
        public var checksum: UInt16
        /// Bytes 4–7 as received (group address, or a v3 report's reserved word and count).
        public var word: UInt32

        public init(type: MessageType, maxResponse: UInt8 = 0, checksum: UInt16 = 0, word: UInt32 = 0) {
            self.type = type
            self.maxResponse = maxResponse
            self.checksum = checksum
            self.word = word
        }

        /// Checks the checksum (RFC 2236 §2.3, RFC 3376 §4.1.2) and that a group-specific
        /// message names a multicast group: v1/v2 reports and leaves (RFC 2236 §2.4, §3), and a
        /// query's group is 0 or multicast (§4.1.3). Max resp codes, a v3 query's S, QRV and
        /// QQIC, the reserved fields, and addresses are deliberately accepted and kept.
        public init(parsing view: borrowing View, verifyingChecksum: Bool) throws(DecodeError) {
            if verifyingChecksum {
                guard Checksum.isValid(view.bytes) else {
                    throw .make(.igmp, .checksum, at: view.datagramOffset + Offset.checksum, .badChecksum)
                }
            }
            let group = view.word
            let multicast = group >> 28 == 0xE
            switch view.type {
            case .membershipQuery: guard group == 0 || multicast else { throw Self.badGroup(view.datagramOffset) }
            case .v3Report: break
            default: guard multicast else { throw Self.badGroup(view.datagramOffset) }
            }
            self.init(type: view.type, maxResponse: view.maxResponse, checksum: view.checksum, word: group)
        }

        @inline(never)
        static func badGroup(_ base: Int) -> DecodeError {
            .make(.igmp, .groupAddress, at: base + Offset.group, .badGroupAddress)
        }

        /// Always 8: the rest of the message is payload.
        public var encodedLength: Int { IGMP.headerLength }

        /// Writes the 8 bytes with the stored checksum; `Datagram.emit` recomputes it after
        /// copying the payload.
        public func emit(into out: inout MutableRawSpan) {
            out.store(type.rawValue, at: Offset.type)
            out.store(maxResponse, at: Offset.maxResponse)
            out.store(checksum, at: Offset.checksum)
            out.store(word, at: Offset.group)
        }
    }
}

extension IGMP.MessageType: CustomStringConvertible {
    /// "membership-query", "v1-report", "v2-report", "leave-group", "v3-report", or the number.
    public var description: String {
        switch self {
        case .membershipQuery: "membership-query"
        case .v1Report: "v1-report"
        case .v2Report: "v2-report"
        case .v2Leave: "leave-group"
        case .v3Report: "v3-report"
        default: String(rawValue)
        }
    }
}
