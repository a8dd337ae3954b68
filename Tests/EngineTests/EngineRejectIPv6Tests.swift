import Testing
import TestSupport
import Wire
@testable import Engine
@testable import Rules

/// `reject` on IPv6: the generic judge path answers `.reject` for either family, counted as a
/// reject and as an IPv6 packet.
@Suite struct EngineRejectIPv6Tests {
    let rules = """
        policy drop
        log drops
        reject inet6 tcp to fd00::2 port 443 label "closed6"
        reject udp to fd00::2 port 53 label "no dns6"
        """

    @Test func ipv6TCPAndUDPAreRejectedByRule() {
        let engine = Engine(program: program(rules, file: "r6.rules"))
        let (tcp, tcpEvent) = engine.judge(IPv6PacketBuilder.tcpPacket())
        #expect(tcp == .reject)
        #expect(tcpEvent.verdict == .reject && tcpEvent.reason == .rule && tcpEvent.rule?.label == "closed6")
        #expect(tcpEvent.shouldLog, "log drops writes rejects too")
        let (udp, udpEvent) = engine.judge(IPv6PacketBuilder.udpPacket())
        #expect(udp == .reject && udpEvent.rule?.label == "no dns6")
        let counters = engine.counters
        #expect(counters.rejected == 2 && counters.rejectedByRule == 2 && counters.dropped == 0)
        #expect(counters.ipv6Packets == 2 && counters.ipv4Packets == 0)
    }

    @Test func policyRejectAppliesToIPv6() {
        let engine = Engine(program: program("policy reject\n", file: "p6.rules"))
        let (result, event) = engine.judge(IPv6PacketBuilder.tcpPacket())
        #expect(result == .reject && event.reason == .policy)
        #expect(engine.counters.rejectedByPolicy == 1)
    }
}
