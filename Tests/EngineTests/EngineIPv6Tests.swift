import Testing
@testable import Engine
import Rules
import Wire
import TestSupport

private typealias V6 = IPv6PacketBuilder

private let dualStackRules = """
    policy drop
    log drops
    accept tcp from fd00::/8 to fd00::2 port 443 label "https6"
    accept icmp6 type echo-request label "ping6"
    accept tcp to 10.2.0.2 port 443 label "https4"
    """

/// The engine on IPv6 packets: the same decide, rebuild and log path as IPv4, reached through
/// `IPDatagram`.
@Suite struct EngineIPv6Tests {
    @Test func ipv6TCPIsJudgedByIPv6Rules() {
        let engine = Engine(program: program(dualStackRules, file: "dual.rules"))
        let (result, event) = engine.judge(V6.tcpPacket())
        #expect(result == .accept)
        #expect(event.rule?.label == "https6")
        #expect(event.summary?.source == .v6(IPv6Address("fd00::1")!))
        #expect(event.summary?.destination == .v6(IPv6Address("fd00::2")!))
        #expect(event.summary?.proto == .tcp && event.summary?.destinationPort == 443 && event.summary?.ttl == 64)
        #expect(event.summary?.tcpFlags == 0x02)
        #expect(engine.counters.ipv6Packets == 1 && engine.counters.ipv4Packets == 0)
    }

    @Test func ipv4StillJudgedByIPv4Rules() {
        let engine = Engine(program: program(dualStackRules, file: "dual.rules"))
        let (result, event) = engine.judge(Packets.tcp(sourcePort: 40000, destinationPort: 443))
        #expect(result == .accept && event.rule?.label == "https4")
        #expect(engine.counters.ipv4Packets == 1 && engine.counters.ipv6Packets == 0)
    }

    @Test func icmpv6EchoRequestIsAcceptedAndOtherTypesDropped() {
        let engine = Engine(program: program(dualStackRules, file: "dual.rules"))
        let request = V6.ipv6(next: 58, payload: V6.icmpv6(type: 128, rest: 0x1234_0001, body: Array("ping".utf8)))
        let (accepted, event) = engine.judge(request)
        #expect(accepted == .accept && event.rule?.label == "ping6")
        #expect(event.summary?.icmpType == 128 && event.summary?.proto == .icmpv6)
        let reply = V6.ipv6(next: 58, payload: V6.icmpv6(type: 129, rest: 0x1234_0001, body: Array("ping".utf8)))
        let (dropped, dropEvent) = engine.judge(reply)
        #expect(dropped == .drop && dropEvent.reason == .policy)
    }

    @Test func theRebuildNormalizesIPv6LikeIPv4() {
        let engine = Engine(program: program("policy accept"))
        // TCP reserved bits set: the rebuild clears them and recomputes the checksum.
        var segment = PacketBuilder.tcp(flags: 0x02)
        segment[12] |= 0x0E
        let packet = V6.ipv6(next: 6, payload: V6.checksummed(segment, next: 6, at: 16, source: V6.client, destination: V6.server))
        let (result, event) = engine.judge(packet)
        #expect(result == .acceptRebuilt(V6.tcpPacket()))
        #expect(!event.normalized.isEmpty)
        #expect(engine.counters.rebuilt == 1)
    }

    @Test func anUndecodableIPv6PacketIsLoggedWithItsClaimedHeader() {
        let engine = Engine(program: program("policy accept"))
        // A hop-by-hop header (router alert for MLD, then padding), refused by default.
        let packet = V6.ipv6(next: 0, payload: V6.optionsHeader(next: 6, options: V6.routerAlertMLD) + V6.tcp(), hopLimit: 9)
        let (result, event) = engine.judge(packet)
        #expect(result == .drop && event.reason == .decode)
        #expect(event.decodeError?.layer == .ipv6HopByHop && event.decodeError?.reason == .ipv6HopByHop)
        #expect(event.summary == PacketSummary(
            proto: IPProtocol(rawValue: 0), source: .v6(IPv6Address("fd00::1")!), destination: .v6(IPv6Address("fd00::2")!), ttl: 9))
        #expect(engine.counters.decodeErrorsByLayer[DecodeError.Layer.allCases.firstIndex(of: .ipv6HopByHop)!] == 1)
    }

    @Test func acceptIPv6HeadersLetsTheHeaderThrough() {
        let engine = Engine(program: program("policy accept\naccept ipv6-headers { hop-by-hop }"))
        let packet = V6.ipv6(next: 0, payload: V6.optionsHeader(next: 6, options: V6.routerAlertMLD) + V6.tcp())
        let (result, event) = engine.judge(packet)
        #expect(result == .accept && event.reason == .policy)
        #expect(event.summary?.proto == .tcp)
    }

    @Test func claimedSummaryNeedsAWholeFixedHeader() {
        let packet = Array(V6.tcpPacket().prefix(39))
        #expect(packet.withUnsafeBytes { Engine.claimedSummary($0) } == nil)
        #expect([UInt8]().withUnsafeBytes { Engine.claimedSummary($0) } == nil)
    }

    @Test func theRebuildBufferHoldsTheLargestIPv6Packet() {
        #expect(Engine.maximumPacketLength == 65_575)
        let engine = Engine(program: program("policy accept"))
        // A 65,535-byte UDP payload (the most IPv6 allows without a jumbogram), checksum ok.
        let packet = V6.ipv6(next: 17, payload: V6.udp(payload: Array(repeating: 0x61, count: 65_535 - 8)))
        let (result, event) = engine.judge(packet)
        #expect(result == .accept && event.summary?.proto == .udp)
    }
}
