/// DNS over UDP (RFC 1035 §4): offsets, the decoded message summary and the strict decoder.
///
/// A message is decoded completely or refused: header, question, every record of every section
/// with its RDATA (RFC 1035 §3.3, RFC 3596, RFC 2782, RFC 6672, RFC 8659, RFC 9460; other
/// types opaque within RDLENGTH, RFC 3597) and the OPT pseudo-record (RFC 6891). The checks
/// follow RFC 9267, the list of what DNS parsers get wrong. A message that decodes is passed
/// as received: nothing in it is rewritten. Decoding allocates nothing; `Message` keeps
/// offsets into the message, so names are read again from the bytes when judged.
public enum DNS {
    /// Byte offsets of the header fields from the start of the message (RFC 1035 §4.1.1).
    public enum Offset {
        public static let id = 0
        public static let flags = 2               // QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE
        public static let questionCount = 4
        public static let answerCount = 6
        public static let authorityCount = 8
        public static let additionalCount = 10
        public static let question = 12
    }

    /// The fixed header size.
    public static let headerLength = 12

    /// Opcodes (RFC 1035 §4.1.1, RFC 1996, RFC 2136, RFC 8490).
    public enum Opcode {
        public static let query: UInt8 = 0
        public static let notify: UInt8 = 4
        public static let update: UInt8 = 5
    }

    /// The record types the decoder parses (IANA DNS parameters), and the meta types it places.
    public enum RRType {
        public static let a: UInt16 = 1
        public static let ns: UInt16 = 2
        public static let cname: UInt16 = 5
        public static let soa: UInt16 = 6
        public static let ptr: UInt16 = 12
        public static let mx: UInt16 = 15
        public static let txt: UInt16 = 16
        public static let aaaa: UInt16 = 28
        public static let srv: UInt16 = 33
        public static let dname: UInt16 = 39
        public static let opt: UInt16 = 41
        public static let svcb: UInt16 = 64
        public static let https: UInt16 = 65
        public static let tsig: UInt16 = 250
        public static let any: UInt16 = 255
        public static let caa: UInt16 = 257
    }

    /// The class of Internet records (RFC 1035 §3.2.4).
    public static let classIN: UInt16 = 1

    /// What the ruleset lets through that the decoder refuses by default: opcodes other than
    /// QUERY (e.g. NOTIFY for a secondary server, `inspect dns opcode { notify }`).
    public struct Options: Equatable, Hashable, Sendable {
        /// One bit per opcode (0-15); QUERY (bit 0) is always allowed.
        public var allowedOpcodes: UInt16

        public init(allowedOpcodes: UInt16 = 1) {
            self.allowedOpcodes = allowedOpcodes | 1
        }

        public func allows(opcode: UInt8) -> Bool { allowedOpcodes & (1 << UInt16(opcode & 15)) != 0 }
    }

    /// A domain name inside a decoded message: where it starts, how long it is uncompressed,
    /// and how many labels it has. Read it with `forEachLabel(in:)` on the same message bytes.
    public struct Name: Equatable, Hashable, Sendable {
        /// Offset of the name's first byte in the message.
        public var offset: UInt16
        /// Uncompressed wire length, length octets and the root's 0 included (1...255).
        public var wireLength: UInt8
        /// Labels before the root (0 for the root itself).
        public var labelCount: UInt8

        public init(offset: UInt16, wireLength: UInt8, labelCount: UInt8) {
            self.offset = offset
            self.wireLength = wireLength
            self.labelCount = labelCount
        }
    }

    /// The decoded summary of a message that passed every check. Plain values only.
    public struct Message: Equatable, Sendable {
        public var id: UInt16
        /// The whole second header word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE).
        public var flags: UInt16
        public var answerCount: UInt16
        public var authorityCount: UInt16
        public var additionalCount: UInt16
        /// The one question (QDCOUNT is always 1 in a message that decoded).
        public var questionName: Name
        public var questionType: UInt16
        public var questionClass: UInt16
        /// The upper 8 bits of the 12-bit RCODE, from the OPT record (RFC 6891 §6.1.3); 0 without one.
        public var extendedRCode: UInt8
        /// Whether the message carries an OPT record.
        public var hasOPT: Bool
        /// How many A and AAAA records of class IN the answer section holds.
        public var addressAnswerCount: UInt16
        /// The message's length in bytes.
        public var length: Int

        /// QR: a response (true) or a query.
        public var isResponse: Bool { flags & 0x8000 != 0 }
        public var opcode: UInt8 { UInt8(truncatingIfNeeded: flags >> 11) & 0xF }
        /// TC: the response was truncated to fit (RFC 1035 §4.1.1).
        public var isTruncated: Bool { flags & 0x0200 != 0 }
        /// The 12-bit RCODE: the header's 4 bits and the OPT record's 8 (RFC 6891 §6.1.3).
        public var rcode: UInt16 { UInt16(extendedRCode) << 4 | flags & 0xF }
    }
}

extension DNS.Message {
    /// Decodes and checks a whole message: `bytes` is the UDP payload, which starts
    /// `datagramOffset` bytes into the IP datagram (error offsets are measured from there).
    public init(parsing bytes: RawSpan, at datagramOffset: Int = 0, options: DNS.Options = DNS.Options()) throws(DecodeError) {
        let reader = DNS.Reader(bytes: bytes, base: datagramOffset)
        try reader.checkHeader(options: options)
        let flags = bytes.uint16(at: DNS.Offset.flags)
        let (questionEnd, name) = try reader.name(at: DNS.Offset.question, limit: bytes.byteCount)
        guard questionEnd + 4 <= bytes.byteCount else { throw reader.error(.type, at: questionEnd, .truncated) }
        let questionType = bytes.uint16(at: questionEnd)
        // RFC 6895 §3.1: type 0 is reserved; OPT is a pseudo-record, never a question (RFC 6891 §6.1.1).
        guard questionType != 0, questionType != DNS.RRType.opt else { throw reader.error(.type, at: questionEnd, .dnsBadType) }
        var sections = DNS.SectionState(isQuery: flags & 0x8000 == 0 && (flags >> 11) & 0xF == 0)
        var position = questionEnd + 4
        position = try reader.section(.answer, count: bytes.uint16(at: DNS.Offset.answerCount), from: position, state: &sections)
        position = try reader.section(.authority, count: bytes.uint16(at: DNS.Offset.authorityCount), from: position, state: &sections)
        position = try reader.section(.additional, count: bytes.uint16(at: DNS.Offset.additionalCount), from: position, state: &sections)
        guard position == bytes.byteCount else { throw reader.error(.header, at: position, .trailingBytes) }
        self.init(
            id: bytes.uint16(at: DNS.Offset.id), flags: flags,
            answerCount: bytes.uint16(at: DNS.Offset.answerCount), authorityCount: bytes.uint16(at: DNS.Offset.authorityCount),
            additionalCount: bytes.uint16(at: DNS.Offset.additionalCount),
            questionName: name, questionType: questionType, questionClass: bytes.uint16(at: questionEnd + 2),
            extendedRCode: sections.extendedRCode, hasOPT: sections.sawOPT,
            addressAnswerCount: sections.addressAnswers, length: bytes.byteCount)
    }
}

extension DNS {
    /// The three record sections (RFC 1035 §4.1).
    enum Section { case answer, authority, additional }

    /// What the record walk remembers across records.
    struct SectionState {
        /// A QUERY-opcode query: no answers or authority, additional only OPT and TSIG (last).
        let isQuery: Bool
        var sawOPT = false
        var sawTSIG = false
        var extendedRCode: UInt8 = 0
        var addressAnswers: UInt16 = 0
    }
}
