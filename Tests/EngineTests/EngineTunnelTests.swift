import Testing
@testable import Engine
import Rules
import TestSupport
import Wire

/// Tunnelled packets judged end to end: `inner` rules, the inner summary the log writes, and an
/// inner rebuild handed to the kernel.
@Suite struct EngineTunnelTests {
    static func checksum(_ bytes: [UInt8]) -> UInt16 { IPv4BigTCPTestsBytes.checksum(bytes) }

    /// IPv4 `source` → 192.0.2.2 of protocol `proto` carrying `payload`.
    static func ipv4(proto: UInt8, _ payload: [UInt8], source: [UInt8] = [192, 0, 2, 1], destination: [UInt8] = [192, 0, 2, 2],
                     flags: UInt8 = 0x40) -> [UInt8] {
        let length = 20 + payload.count
        var header: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1, flags, 0, 64, proto, 0, 0] + source + destination
        let sum = checksum(header)
        header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xFF)
        return header + payload
    }

    /// UDP 10.8.0.1:5000 → 10.8.0.2:`port`, no checksum.
    static func innerUDP(port: UInt8, flags: UInt8 = 0x40) -> [UInt8] {
        ipv4(proto: 17, [0x13, 0x88, 0, port, 0, 12, 0, 0, 1, 2, 3, 4], source: [10, 8, 0, 1], destination: [10, 8, 0, 2], flags: flags)
    }

    static func judge(_ engine: Engine, _ bytes: [UInt8]) -> (Outcome, VerdictEvent) {
        bytes.withUnsafeBytes { raw in engine.judge(raw, metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: bytes.count)) }
    }

    @Test func innerRulesDecideAndTheSummaryCarriesTheInnerPacket() throws {
        let (program, diagnostics) = Program.load(source: "policy drop\naccept gre from 192.0.2.1 inner udp to 10.8.0.0/24 port 53\n", file: "t.rules")
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        let engine = Engine(program: try #require(program))
        let (outcome, event) = Self.judge(engine, Self.ipv4(proto: 47, [0, 0, 8, 0] + Self.innerUDP(port: 53)))
        guard case .accept = outcome else { Issue.record("not accepted: \(outcome.action)"); return }
        #expect(event.rule?.location.line == 2)
        #expect(event.summary?.proto == .gre && event.summary?.inner?.destinationPort == 53)
        #expect(event.summary?.inner?.source == .v4(IPv4Address(10, 8, 0, 1)))
        let (refused, dropped) = Self.judge(engine, Self.ipv4(proto: 47, [0, 0, 8, 0] + Self.innerUDP(port: 54)))
        #expect(refused.action == .drop && dropped.reason == .policy && dropped.summary?.inner?.destinationPort == 54)
    }

    @Test func anInnerNormalizationIsHandedToTheKernelRebuilt() throws {
        let engine = Engine(program: Program(policy: .accept, logMode: .none, rules: []))
        let sent = Self.ipv4(proto: 4, Self.innerUDP(port: 53, flags: 0xC0))  // inner reserved flag
        let (outcome, event) = Self.judge(engine, sent)
        guard case .acceptRebuilt(let rebuilt) = outcome else { Issue.record("not rebuilt: \(outcome.action)"); return }
        #expect(Array(rebuilt) == Self.ipv4(proto: 4, Self.innerUDP(port: 53)))
        #expect(event.normalized == .ipv4ReservedFlag)
    }

    @Test func a6in4PacketIsJudgedByItsInnerIPv6Addresses() throws {
        let (program, diagnostics) = Program.load(
            source: "policy drop\naccept ipv6-in-ipv4 from 192.0.2.1 inner tcp from fd00::/64 to fd00::2 port 443\n", file: "t.rules")
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        let engine = Engine(program: try #require(program))
        // IPv6PacketBuilder: TCP SYN fd00::1 -> fd00::2, port 443.
        let (outcome, event) = Self.judge(engine, Self.ipv4(proto: 41, IPv6PacketBuilder.tcpPacket()))
        #expect(outcome.action == .accept && event.rule?.location.line == 2)
        #expect(event.summary?.inner?.source == .v6(IPv6Address("fd00::1")!))
        // From fe80::1: outside fd00::/64, so the policy.
        let fromLinkLocal = IPv6PacketBuilder.ipv6(
            next: 6, payload: IPv6PacketBuilder.tcp(source: IPv6PacketBuilder.linkLocal), source: IPv6PacketBuilder.linkLocal)
        let (refused, dropped) = Self.judge(engine, Self.ipv4(proto: 41, fromLinkLocal))
        #expect(refused.action == .drop && dropped.reason == .policy)
    }
}
