import Testing
import TestSupport
@testable import Engine
@testable import Log
import Rules
import Wire

/// The verdict line's `dns` object, from messages the engine decoded.
@Suite struct JSONLinesWriterDNSTests {
    static func object(_ message: [UInt8]) throws -> String {
        let decoded = try DNS.Message(parsing: message.span.bytes)
        var buffer = JSONBuffer(capacity: 1024)
        buffer.beginObject()
        JSONLinesWriter.dnsFields(DNSSummary(decoded, in: message.span.bytes), into: &buffer)
        buffer.endObject()
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test func query() throws {
        #expect(try Self.object(DNSMessageBuilder.query("WWW.Example.com", type: 28, id: 7))
                == #"{"dns":{"type":"query","id":7,"rrname":"WWW.Example.com","rrtype":"AAAA"}}"#)
    }

    @Test func answerWithAddresses() throws {
        let message = DNSMessageBuilder.response("a.example", addresses: [
            [93, 184, 216, 34], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ], rcode: 0, id: 0xBEEF)
        #expect(try Self.object(message)
                == #"{"dns":{"type":"answer","id":48879,"rrname":"a.example","rrtype":"A","rcode":"NOERROR","answers":["93.184.216.34","2001:db8::1"]}}"#)
    }

    @Test func nxdomainAndUnknownType() throws {
        let plain = DNSMessageBuilder.message(flags: 0x8183, qname: "gone.example", qtype: 65280)
        #expect(try Self.object(plain)
                == #"{"dns":{"type":"answer","id":4660,"rrname":"gone.example","rrtype":"TYPE65280","rcode":"NXDOMAIN","answers":[]}}"#)
    }

    @Test func oddBytesInANameAreEscaped() throws {
        // Labels "a.b" (a dot inside a label), "q\"", and 0x01.
        var message = DNSMessageBuilder.message(qname: "x")
        let name: [UInt8] = [3, 0x61, 0x2E, 0x62, 2, 0x71, 0x22, 1, 0x01, 0]
        message.replaceSubrange(12..<15, with: name)
        #expect(try Self.object(message).contains(#""rrname":"a\\.b.q\\\".\\001""#))
    }

    @Test func moreThanEightAnswersAreCut() throws {
        let message = DNSMessageBuilder.response("many.example", addresses: (1...9).map { [10, 0, 0, UInt8($0)] })
        let text = try Self.object(message)
        #expect(text.contains(#""10.0.0.8"],"answers_truncated":true"#))
    }

    @Test func ipv6TextIsRFC5952() {
        func text(_ address: String) -> String {
            var buffer = JSONBuffer(capacity: 64)
            JSONLinesWriter.writeAddress(IPAddress(address)!, into: &buffer)
            return String(decoding: buffer.bytes, as: UTF8.self)
        }
        #expect(text("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1")
        #expect(text("::") == "::")
        #expect(text("::1") == "::1")
        #expect(text("fe80::") == "fe80::")
        #expect(text("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2:3:4:5:6")
        #expect(text("2001:0:1:0:1:0:1:0") == "2001:0:1:0:1:0:1:0")
        // As src_ip and dest_ip are written (JSONBuffer.ipv6): RFC 5952 §5's mixed notation.
        #expect(text("::ffff:10.0.0.1") == "::ffff:10.0.0.1")
    }
}
