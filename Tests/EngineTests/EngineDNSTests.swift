import Testing
import TestSupport
@testable import Engine
import Rules
import Wire

/// `inspect dns` in the engine: DNS datagrams decode completely or drop with a `dns` decode
/// error; names, types and answer addresses are judged; other UDP is untouched.
@Suite struct EngineDNSTests {
    static let rules = """
        policy accept
        log all
        inspect dns
        drop udp to any port 53 dns-name { *.ads.example, tracker.example } label "listed"
        drop udp from any port 53 dns-response-ip 192.168.0.0/16 label "rebinding"
        """

    static func query(_ message: [UInt8], destinationPort: UInt16 = 53) -> [UInt8] {
        Packets.udp(sourcePort: 40000, destinationPort: destinationPort, payload: message)
    }

    static func answer(_ message: [UInt8]) -> [UInt8] {
        Packets.udp(sourcePort: 53, destinationPort: 40000, payload: message)
    }

    @Test func allowedQueryPassesUnchanged() {
        let (result, event) = Engine(program: program(Self.rules)).judge(Self.query(DNSMessageBuilder.query("www.example.com")))
        #expect(result == .accept && event.reason == .policy && event.decodeError == nil)
    }

    @Test func listedNamesAreDropped() {
        let engine = Engine(program: program(Self.rules))
        for name in ["x.ads.example", "TRACKER.example"] {
            let (result, event) = engine.judge(Self.query(DNSMessageBuilder.query(name)))
            #expect(result == .drop && event.rule?.label == "listed", "\(name)")
        }
        #expect(engine.judge(Self.query(DNSMessageBuilder.query("ads.example"))).0 == .accept)
    }

    @Test func rebindingAnswerIsDropped() {
        let engine = Engine(program: program(Self.rules))
        #expect(engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [[93, 184, 216, 34]]))).0 == .accept)
        let (result, event) = engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [[192, 168, 1, 1]])))
        #expect(result == .drop && event.rule?.label == "rebinding")
        #expect(event.dns?.isResponse == true && event.dns?.addressCount == 1 && event.dns?.addresses[0] == IPAddress("192.168.1.1"))
    }

    @Test func theLogSummaryIsBuiltOnlyForALoggedVerdict() {
        let logged = Engine(program: program(Self.rules)).judge(Self.query(DNSMessageBuilder.query("www.example.com"))).1
        #expect(logged.shouldLog && logged.dns?.questionType == 1 && logged.dns?.name.count == 16)
        let quiet = Engine(program: program("policy accept\nlog drops\ninspect dns\n")).judge(Self.query(DNSMessageBuilder.query("www.example.com"))).1
        #expect(!quiet.shouldLog && quiet.dns == nil)
    }

    @Test func malformedMessageIsADecodeDrop() {
        var message = DNSMessageBuilder.query("www.example.com")
        message[5] = 2   // QDCOUNT 2
        let (result, event) = Engine(program: program(Self.rules)).judge(Self.query(message))
        #expect(result == .drop && event.reason == .decode)
        #expect(event.decodeError == DecodeError(layer: .dns, field: .questionCount, offset: 32, reason: .dnsQuestionCount))
    }

    @Test func otherPortsAndNoInspectionAreNotDecoded() {
        var message = DNSMessageBuilder.query("www.example.com")
        message[5] = 2
        #expect(Engine(program: program(Self.rules)).judge(Self.query(message, destinationPort: 5353)).0 == .accept)
        #expect(Engine(program: program("policy accept\n")).judge(Self.query(message)).0 == .accept)
    }

    @Test func inspectedPortsAreTheDirectivesOnes() {
        var message = DNSMessageBuilder.query("www.example.com")
        message[5] = 2
        let engine = Engine(program: program("policy accept\ninspect dns port 5353\n"))
        #expect(engine.judge(Self.query(message, destinationPort: 5353)).0 == .drop)
        #expect(engine.judge(Self.query(message, destinationPort: 53)).0 == .accept)
    }

    /// A UDP datagram over IPv6 (fd00::1 -> fd00::2) with these ports.
    static func udp6(_ message: [UInt8], sourcePort: UInt16, destinationPort: UInt16) -> [UInt8] {
        let datagram = PacketBuilder.udp(sourcePort: sourcePort, destinationPort: destinationPort, payload: message, withChecksum: false)
        return IPv6PacketBuilder.ipv6(
            next: 17, payload: IPv6PacketBuilder.checksummed(
                datagram, next: 17, at: 6, source: IPv6PacketBuilder.client, destination: IPv6PacketBuilder.server))
    }

    @Test func dnsOverIPv6IsInspectedLikeIPv4() {
        let engine = Engine(program: program(Self.rules))
        #expect(engine.judge(Self.udp6(DNSMessageBuilder.query("www.example.com"), sourcePort: 40000, destinationPort: 53)).0 == .accept)
        let (result, event) = engine.judge(Self.udp6(DNSMessageBuilder.query("x.ads.example"), sourcePort: 40000, destinationPort: 53))
        #expect(result == .drop && event.rule?.label == "listed")
        var message = DNSMessageBuilder.query("www.example.com")
        message[5] = 2   // QDCOUNT 2; the offset counts from the IPv6 header (40 + 8 + 4)
        let (bad, badEvent) = engine.judge(Self.udp6(message, sourcePort: 40000, destinationPort: 53))
        #expect(bad == .drop && badEvent.reason == .decode)
        #expect(badEvent.decodeError == DecodeError(layer: .dns, field: .questionCount, offset: 52, reason: .dnsQuestionCount))
    }

    @Test func aaaaAnswersMeetIPv6Networks() {
        let engine = Engine(program: program("""
            policy accept
            inspect dns
            drop udp from any port 53 dns-response-ip { fd00::/8, 10.0.0.0/8 } label "internal"
            """))
        let internal6: [UInt8] = [0xFD, 0x12] + Array(repeating: 0, count: 13) + [5]
        let public6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]
        // An IPv6 network holds no IPv4 answer, and an IPv4 network no IPv6 one.
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1]
        #expect(engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [public6]))).0 == .accept)
        #expect(engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [mapped]))).0 == .accept)
        let (result, event) = engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [internal6])))
        #expect(result == .drop && event.rule?.label == "internal")
        #expect(engine.judge(Self.answer(DNSMessageBuilder.response("a.example", addresses: [[10, 1, 2, 3]]))).0 == .drop)
        // And over IPv6.
        let overIPv6 = Self.udp6(DNSMessageBuilder.response("a.example", addresses: [internal6]), sourcePort: 53, destinationPort: 40000)
        #expect(engine.judge(overIPv6).0 == .drop)
    }
}
