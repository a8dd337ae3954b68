extension SCTP {
    /// An SCTP chunk type (RFC 9260 §3.2, IANA "Chunk Types"). Open: the upper two bits of an
    /// unknown type say what a receiver does with it.
    public struct ChunkType: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let data = Self(rawValue: 0)
        public static let initiation = Self(rawValue: 1)
        public static let initiationAck = Self(rawValue: 2)
        public static let sack = Self(rawValue: 3)
        public static let heartbeat = Self(rawValue: 4)
        public static let heartbeatAck = Self(rawValue: 5)
        public static let abort = Self(rawValue: 6)
        public static let shutdown = Self(rawValue: 7)
        public static let shutdownAck = Self(rawValue: 8)
        public static let error = Self(rawValue: 9)
        public static let cookieEcho = Self(rawValue: 10)
        public static let cookieAck = Self(rawValue: 11)
        public static let ecne = Self(rawValue: 12)
        public static let cwr = Self(rawValue: 13)
        public static let shutdownComplete = Self(rawValue: 14)
        /// RFC 4895.
        public static let auth = Self(rawValue: 15)
        /// RFC 8260.
        public static let iData = Self(rawValue: 0x40)
        /// RFC 5061.
        public static let asconfAck = Self(rawValue: 0x80)
        /// RFC 6525.
        public static let reconfig = Self(rawValue: 0x82)
        /// RFC 4820.
        public static let pad = Self(rawValue: 0x84)
        /// RFC 3758.
        public static let forwardTSN = Self(rawValue: 0xC0)
        /// RFC 5061.
        public static let asconf = Self(rawValue: 0xC1)
        /// RFC 8260.
        public static let iForwardTSN = Self(rawValue: 0xC2)

        /// The smallest chunk length (header included, padding not) each known type allows;
        /// nil for a type Portcullis does not know. DATA and I-DATA carry at least one byte
        /// of user data (RFC 9260 §3.3.1: an empty one is aborted with "No User Data";
        /// RFC 8260 §2.1); INIT and INIT ACK their 16 fixed bytes (§3.3.2, §3.3.3); SACK its
        /// 12 (§3.3.4); HEARTBEAT and its ACK a heartbeat info parameter (§3.3.5, §3.3.6);
        /// SHUTDOWN its cumulative TSN (§3.3.8); ECNE and CWR a TSN (RFC 9260
        /// Appendix A); AUTH its key and HMAC identifiers (RFC 4895 §4.1); ASCONF and its
        /// ACK a serial number (RFC 5061 §5.1); FORWARD TSN and I-FORWARD TSN a TSN
        /// (RFC 3758 §3.2, RFC 8260 §2.3). The rest, the 4-byte header.
        public var minimumLength: Int? {
            switch self {
            case .data: 17
            case .iData: 21
            case .initiation, .initiationAck: 20
            case .sack: 16
            case .heartbeat, .heartbeatAck, .shutdown, .ecne, .cwr, .auth, .asconf, .asconfAck, .forwardTSN, .iForwardTSN: 8
            case .abort, .shutdownAck, .error, .cookieEcho, .cookieAck, .shutdownComplete, .reconfig, .pad: 4
            default: nil
            }
        }

        /// INIT, INIT ACK and SHUTDOWN COMPLETE are never bundled with another chunk (§6.10).
        public var mustBeAlone: Bool { self == .initiation || self == .initiationAck || self == .shutdownComplete }
    }

    /// The chunk header: type (1), flags (1), length (2, without padding).
    static let chunkHeaderLength = 4

    /// Walks every chunk from byte 12 to the end (RFC 9260 §3.2): each at least its type's
    /// minimum length, its padding zero, the last ending exactly at the end of the packet (no
    /// trailing bytes); an unknown type whose upper bits are 00 or 01 (the receiver discards
    /// the packet) refused, one whose upper bits are 10 or 11 (the receiver skips it) passed;
    /// INIT, INIT ACK and SHUTDOWN COMPLETE alone. Chunk flags are not judged: RFC 9260 has
    /// receivers ignore the ones a type does not define. In a first fragment the walk stops
    /// at the first chunk the bytes do not hold whole.
    static func walkChunks(_ bytes: RawSpan, at base: Int, firstFragment: Bool) throws(DecodeError) {
        var index = Offset.chunks
        let count = bytes.byteCount
        while index < count {
            guard index + chunkHeaderLength <= count else {
                if firstFragment { return }
                throw .make(.sctp, .chunk, at: base + index, .truncated)
            }
            let type = ChunkType(rawValue: bytes.byte(at: index))
            let length = Int(bytes.uint16(at: index + 2))
            guard let minimum = type.minimumLength ?? (type.rawValue >> 6 >= 2 ? chunkHeaderLength : nil) else {
                throw .make(.sctp, .chunk, at: base + index, .unknownSCTPChunk)
            }
            guard length >= minimum else { throw .make(.sctp, .chunk, at: base + index + 2, .badSCTPChunk) }
            let padded = (length + 3) & ~3
            guard index + padded <= count else {
                if firstFragment { return }
                throw .make(.sctp, .chunk, at: base + index + 2, .truncated)
            }
            for offset in index + length..<index + padded where bytes.byte(at: offset) != 0 {
                throw .make(.sctp, .chunk, at: base + offset, .badSCTPChunk)
            }
            if type.mustBeAlone && (index != Offset.chunks || padded != count - index) {
                throw .make(.sctp, .chunk, at: base + index, .badSCTPChunk)
            }
            if type == .initiation || type == .initiationAck { try checkInitiation(bytes, at: index, base: base) }
            index += padded
        }
    }

    /// INIT and INIT ACK (RFC 9260 §3.3.2, §3.3.3): the initiate tag is not 0, and neither
    /// is the number of outbound or inbound streams (a receiver aborts on each).
    private static func checkInitiation(_ bytes: RawSpan, at index: Int, base: Int) throws(DecodeError) {
        guard bytes.uint32(at: index + 4) != 0 else { throw .make(.sctp, .verificationTag, at: base + index + 4, .badVerificationTag) }
        guard bytes.uint16(at: index + 12) != 0, bytes.uint16(at: index + 14) != 0 else {
            throw .make(.sctp, .chunk, at: base + index + 12, .badSCTPChunk)
        }
    }
}

extension SCTP.ChunkType: CustomStringConvertible {
    /// "DATA", "INIT", ... as RFC 9260 names them, or the number.
    public var description: String {
        switch self {
        case .data: "DATA"
        case .initiation: "INIT"
        case .initiationAck: "INIT ACK"
        case .sack: "SACK"
        case .heartbeat: "HEARTBEAT"
        case .heartbeatAck: "HEARTBEAT ACK"
        case .abort: "ABORT"
        case .shutdown: "SHUTDOWN"
        case .shutdownAck: "SHUTDOWN ACK"
        case .error: "ERROR"
        case .cookieEcho: "COOKIE ECHO"
        case .cookieAck: "COOKIE ACK"
        case .shutdownComplete: "SHUTDOWN COMPLETE"
        default: String(rawValue)
        }
    }
}
