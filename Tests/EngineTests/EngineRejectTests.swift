import Testing
import TestSupport
import Wire
@testable import Engine
@testable import Rules

/// `reject`: a verdict of its own, logged and counted apart from drops.
@Suite struct EngineRejectTests {
    let rules = """
        policy reject
        log drops
        reject tcp to any port 9090 label "closed"
        accept udp to any port 53
        drop udp to any port 54
        """

    @Test func aRejectRuleRejectsAndIsLoggedUnderLogDrops() {
        let engine = Engine(program: program(rules))
        let (result, event) = engine.judge(Packets.tcp(sourcePort: 40000, destinationPort: 9090))
        #expect(result == .reject)
        #expect(event.verdict == .reject && event.reason == .rule && event.rule?.label == "closed")
        #expect(event.shouldLog, "log drops writes rejects too")
    }

    @Test func rejectsAreCountedApartFromDropsByRuleAndPolicy() {
        let engine = Engine(program: program(rules))
        _ = engine.judge(Packets.tcp(sourcePort: 40000, destinationPort: 9090))
        _ = engine.judge(Packets.udp(destinationPort: 53))
        _ = engine.judge(Packets.udp(destinationPort: 54))
        let (result, event) = engine.judge(Packets.udp(destinationPort: 55))
        #expect(result == .reject && event.reason == .policy)
        let counters = engine.counters
        #expect(counters.packets == 4)
        #expect(counters.accepted == 1 && counters.dropped == 1 && counters.rejected == 2)
        #expect(counters.rejectedByRule == 1 && counters.rejectedByPolicy == 1 && counters.droppedByRule == 1)
    }

    @Test func aPacketThatDoesNotDecodeIsDroppedNotRejected() {
        let engine = Engine(program: program(rules))
        var bytes = Packets.tcp(destinationPort: 9090)
        bytes[9] = 200  // an IP protocol without a decoder
        let (result, event) = engine.judge(bytes)
        #expect(result == .drop && event.reason == .decode)
        #expect(engine.counters.rejected == 0)
    }
}
