import Testing
import TestSupport
@testable import Wire

/// The DNS decoder (RFC 1035 §4, RFC 6891, RFC 9267) with exact bytes: what it accepts, and the
/// error (layer, field, offset from the IP header, reason) of every refusal. The message sits
/// after a 20-byte IPv4 and an 8-byte UDP header, so offsets are 28 plus the message offset.
@Suite struct DNSTests {
    static let base = 28

    /// A query for example.com A with an OPT record, as dig sends it.
    static let query = ProtoBytes.hex("""
        1234 0100 0001 0000 0000 0001   # id, RD, QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1
        07 6578616d706c65 03 636f6d 00  # @12 example.com
        0001 0001                       # @25 QTYPE A, QCLASS IN
        00 0029 04d0 00 00 0000 0000    # @29 OPT: root, UDP 1232, ext-rcode 0, version 0, flags 0, RDLENGTH 0
        """)

    /// The answer: the question echoed, one A record owned by a pointer to the question name.
    static let response = ProtoBytes.hex("""
        1234 8180 0001 0001 0000 0000   # id, QR RD RA, QD 1, AN 1
        07 6578616d706c65 03 636f6d 00  # @12 example.com
        0001 0001                       # @25 A IN
        c00c 0001 0001 00000e10 0004    # @29 owner -> 12, A, IN, TTL 3600, RDLENGTH 4
        5db8d822                        # @41 93.184.216.34
        """)

    static func decode(_ bytes: [UInt8], options: DNS.Options = DNS.Options()) -> Result<DNS.Message, DecodeError> {
        do throws(DecodeError) {
            return .success(try DNS.Message(parsing: bytes.span.bytes, at: base, options: options))
        } catch {
            return .failure(error)
        }
    }

    static func error(_ bytes: [UInt8], options: DNS.Options = DNS.Options()) -> DecodeError? {
        if case .failure(let error) = decode(bytes, options: options) { return error }
        return nil
    }

    static func dns(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .dns, field: field, offset: base + offset, reason: reason)
    }

    /// A response for example.com with `records` as its answer section (counted in the header).
    static func answer(_ records: String, count: UInt8 = 1) -> [UInt8] {
        var bytes = response
        bytes[7] = count
        return Array(bytes.prefix(29)) + ProtoBytes.hex(records)
    }

    // MARK: accepted

    @Test func decodesTheQuery() throws {
        let message = try Self.decode(Self.query).get()
        #expect(message.id == 0x1234 && !message.isResponse && message.opcode == 0 && message.hasOPT)
        #expect(message.questionName == DNS.Name(offset: 12, wireLength: 13, labelCount: 2))
        #expect(message.questionType == 1 && message.questionClass == 1 && message.length == 40)
        #expect(message.questionName.text(in: Self.query.span.bytes) == "example.com")
    }

    @Test func decodesTheResponseAndItsAddress() throws {
        let message = try Self.decode(Self.response).get()
        #expect(message.isResponse && message.rcode == 0 && message.answerCount == 1 && message.addressAnswerCount == 1)
        var addresses: [IPAddress] = []
        message.forEachAnswerAddress(in: Self.response.span.bytes) { addresses.append($0) }
        #expect(addresses == [IPAddress("93.184.216.34")!])
    }

    @Test func extendedRCodeComesFromOPT() throws {
        // BADVERS (16): header RCODE 0, OPT extended RCODE 1 (RFC 6891 §6.1.3).
        var bytes = Self.query
        bytes[2] = 0x81; bytes[3] = 0x80; bytes[34] = 1
        #expect(try Self.decode(bytes).get().rcode == 16)
    }

    /// One record of each type parsed to RDLENGTH, and an unknown one kept opaque (RFC 3597).
    @Test(arguments: [
        ("c00c 001c 0001 00000e10 0010 20010db8000000000000000000000001", "AAAA"),
        ("c00c 0002 0001 00000e10 0006 036e7331 c00c", "NS ns1.example.com, compressed"),
        ("c00c 0005 0001 00000e10 0005 03777777 00", "CNAME www."),
        ("c00c 000c 0001 00000e10 0002 c00c", "PTR"),
        ("c00c 0027 0001 00000e10 0002 c00c", "DNAME"),
        ("c00c 000f 0001 00000e10 0004 000a c00c", "MX 10"),
        ("c00c 0006 0001 00000e10 001b 036e7331 c00c 00 0000000100000e100000025800093a8000000e10", "SOA"),
        ("c00c 0010 0001 00000e10 0007 03616263 00 0178", "TXT abc, empty, x"),
        ("c00c 0021 0001 00000e10 000b 0001 0005 01bb 037777 77 00", "SRV"),
        ("c00c 0101 0001 00000e10 000e 00 05 6973737565 6c65742e6f7267", "CAA issue letsencrypt"),
        ("c00c 0040 0001 00000e10 0003 0000 00", "SVCB alias to the root"),
        ("c00c 0041 0001 00000e10 001b 0001 00 0001 0006 02683202 6833 0003 0002 01bb 0004 0004 c0000201", "HTTPS alpn, port, ipv4hint"),
        ("c00c ff00 0001 00000e10 0003 010203", "private type 65280, opaque"),
        ("c00c 0001 00ff 00000000 0000", "empty RDATA of class ANY (UPDATE deletion)"),
    ])
    func acceptsEveryParsedRecordType(record: String, label: String) throws {
        let bytes = Self.answer(record)
        #expect(Self.error(bytes) == nil, "\(label)")
    }

    @Test func acceptsOPTWithCookiePaddingAndClientSubnet() {
        let options = ProtoBytes.hex("""
            000a 0008 0102030405060708     # COOKIE: client cookie only
            000c 0004 00000000             # PADDING
            0008 0007 0001 18 00 c00002    # CLIENT-SUBNET: IPv4 /24 scope 0, 192.0.2
            """)
        var bytes = Array(Self.query.prefix(29)) + DNSBytes.opt(options)
        #expect(Self.error(bytes) == nil)
        bytes = Array(Self.query.prefix(29)) + DNSBytes.opt(ProtoBytes.hex("0008 0006 0001 0f 00 c000"))   // /15: 2 bytes
        #expect(Self.error(bytes) == nil)
    }

    @Test func acceptsATSIGSignedQuery() {
        var bytes = Self.query
        bytes[11] = 2
        bytes += ProtoBytes.hex("036b6579 00 00fa 00ff 00000000 0004 00000000")   // key. TSIG ANY, opaque RDATA
        #expect(Self.error(bytes) == nil)
    }

    @Test func notifyPassesOnlyWhenAllowed() {
        var bytes = Self.query
        bytes[2] = 0x20   // opcode 4 (NOTIFY), RD clear
        #expect(Self.error(bytes) == Self.dns(.opcode, 2, .dnsOpcode))
        #expect(Self.error(bytes, options: DNS.Options(allowedOpcodes: 1 << 4)) == nil)
    }

    @Test func nameOf255OctetsIsAccepted() {
        // 63 + 63 + 63 + 61 octets: 64 * 3 + 62 + root = 255.
        let name = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 61)
        #expect(Self.error(DNSMessageBuilder.query(name)) == nil)
    }

    // MARK: refused

    @Test func headerShorterThan12Bytes() {
        #expect(Self.error(Array(Self.query.prefix(11))) == Self.dns(.header, 0, .truncated))
    }

    @Test func zBitSet() {
        var bytes = Self.query
        bytes[3] = 0x40
        #expect(Self.error(bytes) == Self.dns(.flags, 2, .dnsZBit))
    }

    @Test(arguments: [UInt8(0), 2])
    func questionCountOtherThanOne(count: UInt8) {
        var bytes = Self.query
        bytes[5] = count
        #expect(Self.error(bytes) == Self.dns(.questionCount, 4, .dnsQuestionCount))
    }

    @Test func queryWithAnAnswer() {
        var bytes = Self.query
        bytes[7] = 1
        #expect(Self.error(bytes) == Self.dns(.answerCount, 6, .dnsQueryRecords))
    }

    @Test func queryWithAnAdditionalRecordThatIsNotOPT() {
        var bytes = Self.query
        bytes[11] = 2
        bytes += ProtoBytes.hex("00 0001 0001 00000000 0004 01020304")   // @40 an A record
        #expect(Self.error(bytes) == Self.dns(.type, 41, .dnsQueryRecords))
    }

    @Test func pointerToItself() {
        #expect(Self.error(Self.answer("c01d 0001 0001 00000e10 0004 01020304")) == Self.dns(.name, 29, .dnsBadPointer))
    }

    @Test func pointerLoopThroughALabel() {
        // @29 "www" then a pointer back to @29: backwards from the pointer, but into its own name.
        #expect(Self.error(Self.answer("03777777 c01d 0001 0001 00000e10 0004 01020304")) == Self.dns(.name, 33, .dnsBadPointer))
    }

    @Test func forwardPointer() {
        #expect(Self.error(Self.answer("c029 0001 0001 00000e10 0004 01020304")) == Self.dns(.name, 29, .dnsBadPointer))
    }

    @Test func pointerIntoTheHeader() {
        #expect(Self.error(Self.answer("c004 0001 0001 00000e10 0004 01020304")) == Self.dns(.name, 29, .dnsBadPointer))
    }

    @Test func pointerPastTheMessage() {
        #expect(Self.error(Self.answer("ffff 0001 0001 00000e10 0004 01020304")) == Self.dns(.name, 29, .dnsBadPointer))
    }

    @Test func pointerToAPointer() {
        // Second answer @45 points to the first's owner @29, itself only a pointer to @12.
        let bytes = Self.answer("c00c 0001 0001 00000e10 0004 01020304  c01d 0001 0001 00000e10 0004 01020305", count: 2)
        #expect(Self.error(bytes) == Self.dns(.name, 29, .dnsPointerChain))
    }

    @Test func labelOf64() {
        var bytes = Self.query
        bytes[12] = 64
        #expect(Self.error(bytes) == Self.dns(.name, 12, .dnsBadLabel))
    }

    @Test func extendedLabelType10() {
        var bytes = Self.query
        bytes[12] = 0x87
        #expect(Self.error(bytes) == Self.dns(.name, 12, .dnsBadLabel))
    }

    @Test func nameOf256Octets() {
        // 63 + 63 + 63 + 62: 64 * 3 + 63 + root = 256; refused at the fourth label (@12 + 192).
        let name = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 62)
        #expect(Self.error(DNSMessageBuilder.query(name)) == Self.dns(.name, 204, .dnsNameTooLong))
    }

    @Test func nameRunningPastTheMessage() {
        #expect(Self.error(Array(Self.query.prefix(20))) == Self.dns(.name, 12, .truncated))
    }

    @Test func questionTypeCutShort() {
        #expect(Self.error(Array(Self.query.prefix(27))) == Self.dns(.type, 25, .truncated))
    }

    @Test func optTwice() {
        var bytes = Self.query
        bytes[11] = 2
        bytes += ProtoBytes.hex("00 0029 04d0 00000000 0000")   // @40
        #expect(Self.error(bytes) == Self.dns(.type, 41, .dnsBadOPT))
    }

    @Test func optInTheAnswerSection() {
        #expect(Self.error(Self.answer("00 0029 04d0 00000000 0000")) == Self.dns(.type, 30, .dnsBadOPT))
    }

    @Test func optOwnedByANameOtherThanTheRoot() {
        let bytes = Array(Self.query.prefix(29)) + ProtoBytes.hex("c00c 0029 04d0 00000000 0000")
        #expect(Self.error(bytes) == Self.dns(.name, 29, .dnsBadOPT))
    }

    @Test func optVersion1() {
        var bytes = Self.query
        bytes[35] = 1
        #expect(Self.error(bytes) == Self.dns(.ttl, 35, .dnsBadOPT))
    }

    @Test func optOptionOverrunningRDATA() {
        let bytes = Array(Self.query.prefix(29)) + DNSBytes.opt(ProtoBytes.hex("000c 0005 00000000"))
        #expect(Self.error(bytes) == Self.dns(.ednsOption, 42, .dnsBadOPT))
    }

    @Test(arguments: [
        ("000a 0007 01020304050607", "cookie of 7"),
        ("000a 0029" + String(repeating: "00", count: 41), "cookie of 41"),
        ("000a 0008 0102030405060708 000a 0008 0102030405060708", "two cookies"),
        ("0008 0007 0001 18 08 c00002", "client subnet with a scope in a query"),
        ("0008 0007 0001 17 00 c00003", "client subnet with a bit past the prefix"),
        ("0008 0008 0001 18 00 c0000200", "client subnet address longer than its prefix"),
        ("0008 0005 0001 21 00 c0", "client subnet prefix of 33 for IPv4"),
    ])
    func badEDNSOption(options: String, label: String) {
        let bytes = Array(Self.query.prefix(29)) + DNSBytes.opt(ProtoBytes.hex(options))
        let error = Self.error(bytes)
        #expect(error?.reason == .dnsBadEDNSOption && error?.field == .ednsOption, "\(label)")
    }

    @Test func ttlWithTheTopBit() {
        #expect(Self.error(Self.answer("c00c 0001 0001 80000000 0004 01020304")) == Self.dns(.ttl, 35, .dnsBadTTL))
    }

    @Test func rdlengthPastTheEnd() {
        #expect(Self.error(Self.answer("c00c 0001 0001 00000e10 0005 01020304")) == Self.dns(.rdlength, 39, .truncated))
    }

    @Test func recordCutShort() {
        #expect(Self.error(Self.answer("c00c 0001 0001 0000")) == Self.dns(.type, 31, .truncated))
    }

    @Test func answerCountGreaterThanTheRecords() {
        #expect(Self.error(Self.answer("c00c 0001 0001 00000e10 0004 01020304", count: 2)) == Self.dns(.name, 45, .truncated))
    }

    @Test func trailingByte() {
        #expect(Self.error(Self.response + [0]) == Self.dns(.header, 45, .trailingBytes))
    }

    @Test(arguments: [
        ("c00c 0000 0001 00000e10 0000", 31, "type 0"),
        ("c00c 00ff 0001 00000e10 0000", 31, "ANY as a record"),
        ("c00c 00fc 0001 00000e10 0000", 31, "AXFR as a record"),
        ("c00c 00fa 00ff 00000000 0000", 31, "TSIG in the answer section"),
    ])
    func reservedOrQueryOnlyTypes(record: String, offset: Int, label: String) {
        #expect(Self.error(Self.answer(record)) == Self.dns(.type, offset, .dnsBadType), "\(label)")
    }

    @Test func questionTypeZero() {
        var bytes = Self.query
        bytes[26] = 0
        #expect(Self.error(bytes) == Self.dns(.type, 25, .dnsBadType))
    }

    @Test func recordAfterTSIG() {
        var bytes = Self.query
        bytes[11] = 2
        bytes = Array(bytes.prefix(29)) + ProtoBytes.hex("036b6579 00 00fa 00ff 00000000 0000") + Array(Self.query.suffix(11))
        #expect(Self.error(bytes) == Self.dns(.type, 45, .dnsBadType))
    }

    @Test(arguments: [
        ("c00c 0001 0001 00000e10 0005 0102030405", 39, DecodeError.Field.rdlength, "A of 5"),
        ("c00c 001c 0001 00000e10 0004 01020304", 39, .rdlength, "AAAA of 4"),
        ("c00c 0005 0001 00000e10 0006 03777777 00 00", 46, .rdata, "CNAME with a byte after the name"),
        ("c00c 0005 0001 00000e10 0003 03777777 00", 41, .rdata, "CNAME name past RDLENGTH"),
        ("c00c 000f 0001 00000e10 0002 000a", 39, .rdlength, "MX without exchange"),
        ("c00c 0006 0001 00000e10 0003 00 00 00", 43, .rdata, "SOA without its numbers"),
        ("c00c 0010 0001 00000e10 0000", 39, .rdlength, "TXT with no string"),
        ("c00c 0010 0001 00000e10 0003 05616263", 41, .rdata, "TXT string past RDLENGTH"),
        ("c00c 0101 0001 00000e10 0003 00 00 61", 42, .rdata, "CAA with an empty tag"),
        ("c00c 0101 0001 00000e10 0004 00 01 2d 61", 43, .rdata, "CAA tag not alphanumeric"),
        ("c00c 0040 0001 00000e10 0004 0001 c00c", 43, .rdata, "SVCB target compressed"),
        ("c00c 0041 0001 00000e10 000d 0001 00 0003 0002 01bb 0001 0000", 50, .rdata, "HTTPS keys out of order"),
        ("c00c 0041 0001 00000e10 0009 0001 00 0003 0001 01 00", 44, .rdata, "HTTPS port of 1 byte"),
        ("c00c 0041 0001 00000e10 0008 0001 00 0001 0001 00", 44, .rdata, "HTTPS empty alpn id"),
        ("c00c 0041 0001 00000e10 0007 0001 00 ffff 0000", 44, .rdata, "HTTPS key 65535"),
    ])
    func badRDATA(record: String, offset: Int, field: DecodeError.Field, label: String) {
        #expect(Self.error(Self.answer(record)) == Self.dns(field, offset, .dnsBadRDATA), "\(label)")
    }

    @Test func everyReasonHasASentence() {
        for reason in DecodeError.Reason.allCases where reason.rawValue.hasPrefix("dns-") {
            let message = DecodeError(layer: .dns, field: .name, offset: 0, reason: reason).message
            #expect(message.hasPrefix("the DNS") || message.hasPrefix("a DNS") || message.hasPrefix("an EDNS")
                    || message.hasPrefix("the OPT") || message.hasPrefix("DNS"), "\(reason)")
        }
        #expect(Self.dns(.header, 45, .trailingBytes).message == "bytes follow the last record the DNS header counts")
    }
}

/// Small byte helpers local to the DNS tests.
enum DNSBytes {
    /// An OPT record (UDP 1232, version 0) with `options` as its RDATA.
    static func opt(_ options: [UInt8]) -> [UInt8] {
        [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, UInt8(options.count >> 8), UInt8(options.count & 0xFF)] + options
    }
}
