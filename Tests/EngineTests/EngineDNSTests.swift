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
}
