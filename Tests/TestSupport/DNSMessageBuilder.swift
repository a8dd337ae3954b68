/// DNS messages for tests and benchmarks, written from RFC 1035 §4 independently of
/// `Wire.DNS`: names uncompressed, each record as given.
public enum DNSMessageBuilder {
    /// A name in wire form: "example.com" -> 07 example 03 com 00; "" or "." is the root.
    public static func name(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for label in text.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += Array(label.utf8)
        }
        return bytes + [0]
    }

    public static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    public static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }

    /// One resource record: owner, type, class, TTL, RDLENGTH (from `rdata`), RDATA.
    public static func record(_ owner: [UInt8], type: UInt16, recordClass: UInt16 = 1, ttl: UInt32 = 300, rdata: [UInt8]) -> [UInt8] {
        owner + be16(type) + be16(recordClass) + be32(ttl) + be16(UInt16(rdata.count)) + rdata
    }

    /// An OPT record (RFC 6891 §6.1.2) with a UDP size of 1232 and the given options bytes.
    public static func opt(options: [UInt8] = [], extendedRCode: UInt8 = 0, version: UInt8 = 0) -> [UInt8] {
        [0] + be16(41) + be16(1232) + [extendedRCode, version, 0, 0] + be16(UInt16(options.count)) + options
    }

    /// A whole message: header with the counts given (or of the sections), question, sections.
    public static func message(
        id: UInt16 = 0x1234, flags: UInt16 = 0x0100, qname: String = "example.com", qtype: UInt16 = 1,
        answers: [[UInt8]] = [], authority: [[UInt8]] = [], additional: [[UInt8]] = [], questionCount: UInt16 = 1
    ) -> [UInt8] {
        var bytes = be16(id) + be16(flags) + be16(questionCount) + be16(UInt16(answers.count))
        bytes += be16(UInt16(authority.count)) + be16(UInt16(additional.count))
        bytes += name(qname) + be16(qtype) + be16(1)
        for record in answers + authority + additional { bytes += record }
        return bytes
    }

    /// A query for `qname` (RD set) with an OPT record, as dig sends it.
    public static func query(_ qname: String = "example.com", type: UInt16 = 1, id: UInt16 = 0x1234) -> [UInt8] {
        message(id: id, qname: qname, qtype: type, additional: [opt()])
    }

    /// A response (QR, RD, RA) for `qname` with one A record per address.
    public static func response(_ qname: String = "example.com", addresses: [[UInt8]], rcode: UInt16 = 0, id: UInt16 = 0x1234) -> [UInt8] {
        let answers = addresses.map { record(name(qname), type: $0.count == 4 ? 1 : 28, rdata: $0) }
        return message(id: id, flags: 0x8180 | rcode, qname: qname, answers: answers, additional: [opt()])
    }
}
