import Testing
import TestSupport
@testable import Wire

/// Generated messages: built from RFC 1035 by `DNSMessageBuilder`, decoded back; and damaged
/// messages, which must decode or be refused with an error inside the message, never trap.
@Suite struct DNSPropertyTests {
    /// A random name of 1-4 labels of 1-20 letters, digits or hyphens, mixed case.
    static func randomName(_ random: inout SplitMix) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        return (0..<(1 + random.next() % 4)).map { _ in
            String((0..<(1 + random.next() % 20)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }.joined(separator: ".")
    }

    /// One answer record of a parsed type, owned by the question name (a pointer to offset 12).
    static func randomRecord(_ random: inout SplitMix) -> (record: [UInt8], address: IPAddress?) {
        let owner: [UInt8] = [0xC0, 0x0C]
        let bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        switch random.next() % 6 {
        case 0:
            let address = IPAddress.v4(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3]))
            return (DNSMessageBuilder.record(owner, type: 1, rdata: Array(bytes.prefix(4))), address)
        case 1:
            let address = IPAddress("\((0..<8).map { String(UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]), radix: 16) }.joined(separator: ":"))")
            return (DNSMessageBuilder.record(owner, type: 28, rdata: bytes), address)
        case 2:
            return (DNSMessageBuilder.record(owner, type: 5, rdata: DNSMessageBuilder.name(randomName(&random))), nil)
        case 3:
            return (DNSMessageBuilder.record(owner, type: 15, rdata: [0, 10] + DNSMessageBuilder.name(randomName(&random))), nil)
        case 4:
            let text = Array(randomName(&random).utf8)
            return (DNSMessageBuilder.record(owner, type: 16, rdata: [UInt8(text.count)] + text), nil)
        default:
            return (DNSMessageBuilder.record(owner, type: 99, rdata: Array(bytes.prefix(Int(random.next() % 16)))), nil)
        }
    }

    @Test func generatedMessagesDecodeBack() throws {
        var random = SplitMix(state: 16)
        for _ in 0..<2000 {
            let qname = Self.randomName(&random)
            let qtype = UInt16(1 + random.next() % 300)
            let records = (0..<Int(random.next() % 5)).map { _ in Self.randomRecord(&random) }
            let isResponse = random.next() % 2 == 0
            let bytes = DNSMessageBuilder.message(
                id: UInt16(truncatingIfNeeded: random.next()), flags: isResponse ? 0x8180 : 0x0100, qname: qname,
                qtype: qtype == 41 ? 1 : qtype, answers: isResponse ? records.map(\.record) : [],
                additional: [DNSMessageBuilder.opt()])
            let message = try DNS.Message(parsing: bytes.span.bytes, at: 28)
            #expect(message.questionName.text(in: bytes.span.bytes) == qname.lowercased(), "\(bytes)")
            #expect(message.isResponse == isResponse && message.length == bytes.count && message.hasOPT)
            var addresses: [IPAddress] = []
            message.forEachAnswerAddress(in: bytes.span.bytes) { addresses.append($0) }
            #expect(addresses == (isResponse ? records.compactMap(\.address) : []))
        }
    }

    @Test func damagedMessagesNeverTrapAndNameTheirOffset() {
        var random = SplitMix(state: 61)
        for _ in 0..<20000 {
            let addresses = (0..<Int(random.next() % 3)).map { _ in [UInt8(10), 0, 0, UInt8(truncatingIfNeeded: random.next())] }
            var bytes = DNSMessageBuilder.response(Self.randomName(&random), addresses: addresses)
            for _ in 0..<(1 + random.next() % 3) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: random.next())
            }
            if random.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1)))) }
            do throws(DecodeError) {
                let message = try DNS.Message(parsing: bytes.span.bytes, at: 28)
                _ = message.questionName.text(in: bytes.span.bytes)
                message.forEachAnswerAddress(in: bytes.span.bytes) { _ in }
            } catch {
                #expect(error.layer == .dns && error.offset >= 28 && error.offset <= 28 + bytes.count, "\(bytes)")
            }
        }
    }
}
