import Testing
@testable import Engine
import Rules
import Wire
import TestSupport

/// The ruleset most tests judge against; line numbers matter (they are asserted).
private let siteRules = """
    policy drop
    log drops
    accept tcp to 10.2.0.2 port 443 label "https"
    drop log tcp to any port 23 label "telnet"
    accept udp to any port 53 label "dns"
    accept icmp label "ping"
    """

private func siteEngine() -> Engine {
    Engine(program: program(siteRules, file: "site.rules"))
}

/// One malformed packet and the decode error the engine must report for it.
struct DecodeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var packet: [UInt8]
    var layer: DecodeError.Layer
    var field: DecodeError.Field
    var offset: Int
    var reason: DecodeError.Reason
    var testDescription: String { name }
}

@Suite struct EngineTests {
    // MARK: accepted, dropped, policy

    @Test func acceptedByRuleLeavesUnchangedWithoutPayload() {
        let engine = siteEngine()
        let (result, event) = engine.judge(Packets.tcp(sourcePort: 40000, destinationPort: 443), id: 77)
        #expect(result == .accept)
        #expect(event.verdict == .accept)
        #expect(event.reason == .rule)
        #expect(event.rule?.location.file == "site.rules")
        #expect(event.rule?.location.line == 3)
        #expect(event.rule?.location.column == 1)
        #expect(event.rule?.label == "https")
        #expect(event.decodeError == nil)
        #expect(event.normalized.isEmpty)
        #expect(event.metadata.packetID == 77 && event.metadata.queue == 3)
        #expect(event.summary == PacketSummary(
            proto: .tcp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
            sourcePort: 40000, destinationPort: 443, tcpFlags: 0x02, ttl: 64))
        #expect(!event.shouldLog, "log drops does not log an accept")
    }

    @Test(arguments: [
        (Packets.udp(destinationPort: 53), 5, "dns"),
        (Packets.icmp(), 6, "ping"),
        (Packets.icmp(type: 0, payload: []), 6, "ping"),
        (Packets.udp(destinationPort: 53, payload: [1, 2, 3]), 5, "dns"),
        (Packets.tcp(flags: 0x18, payload: Array("GET / HTTP/1.0\r\n\r\n".utf8)), 3, "https"),
    ])
    func everyProtocolAcceptedUnchanged(packet: [UInt8], line: Int, label: String) {
        let engine = siteEngine()
        let (result, event) = engine.judge(packet)
        #expect(result == .accept)
        #expect(event.reason == .rule)
        #expect(event.rule?.location.line == line)
        #expect(event.rule?.label == label)
        #expect(engine.counters.rebuilt == 0)
    }

    @Test func icmpSummaryCarriesTypeAndCodeButNoPorts() {
        let (_, event) = siteEngine().judge(Packets.icmp(type: 3, code: 1, rest: 0, payload: Array(Packets.udp(destinationPort: 53).prefix(28))))
        #expect(event.summary?.proto == .icmp)
        #expect(event.summary?.icmpType == 3)
        #expect(event.summary?.icmpCode == 1)
        #expect(event.summary?.sourcePort == nil && event.summary?.destinationPort == nil)
    }

    @Test func droppedByRule() {
        let (result, event) = siteEngine().judge(Packets.tcp(destinationPort: 23))
        #expect(result == .drop)
        #expect(event.verdict == .drop)
        #expect(event.reason == .rule)
        #expect(event.rule?.location.line == 4)
        #expect(event.rule?.label == "telnet")
        #expect(event.rule?.log == true)
        #expect(event.shouldLog)
        #expect(event.summary?.destinationPort == 23)
    }

    @Test func droppedByPolicy() {
        let engine = siteEngine()
        let (result, event) = engine.judge(Packets.udp(destinationPort: 9999))
        #expect(result == .drop)
        #expect(event.verdict == .drop)
        #expect(event.reason == .policy)
        #expect(event.rule == nil)
        #expect(event.decodeError == nil)
        #expect(event.summary?.destinationPort == 9999)
        #expect(event.shouldLog)
        #expect(engine.counters.droppedByPolicy == 1)
    }

    @Test func acceptedByPolicy() {
        let engine = Engine(program: program("policy accept\nlog none\ndrop udp\n"))
        let (result, event) = engine.judge(Packets.tcp())
        #expect(result == .accept)
        #expect(event.reason == .policy)
        #expect(event.rule == nil)
        #expect(!event.shouldLog)
    }

    // MARK: decode failures

    static let decodeCases: [DecodeCase] = [
        DecodeCase(name: "unknown protocol 47 (GRE)", packet: Packets.withProtocol(47, Packets.tcp()),
                   layer: .ipv4, field: .protocol, offset: 9, reason: .unknownProtocol),
        DecodeCase(name: "bad IPv4 header checksum", packet: Packets.bump(Packets.Offset.headerChecksum, Packets.tcp()),
                   layer: .ipv4, field: .headerChecksum, offset: 10, reason: .badChecksum),
        DecodeCase(name: "bad TCP checksum", packet: Packets.bump(Packets.Offset.tcpChecksum, Packets.tcp()),
                   layer: .tcp, field: .checksum, offset: 36, reason: .badChecksum),
        DecodeCase(name: "bad UDP checksum", packet: Packets.bump(Packets.Offset.udpChecksum, Packets.udp()),
                   layer: .udp, field: .checksum, offset: 26, reason: .badChecksum),
        DecodeCase(name: "bad ICMP checksum", packet: Packets.bump(Packets.Offset.icmpChecksum, Packets.icmp()),
                   layer: .icmp, field: .checksum, offset: 22, reason: .badChecksum),
        DecodeCase(name: "truncated after the IPv4 header", packet: Array(Packets.tcp().prefix(30)),
                   layer: .ipv4, field: .totalLength, offset: 2, reason: .truncated),
        DecodeCase(name: "trailing bytes", packet: Packets.udp() + [0],
                   layer: .ipv4, field: .totalLength, offset: 2, reason: .trailingBytes),
    ]

    @Test(arguments: decodeCases)
    func decodeFailureIsADropWithTheErrorAndClaimedSummary(_ testCase: DecodeCase) {
        let engine = Engine(program: program("policy accept\nlog none\n"))
        let (result, event) = engine.judge(testCase.packet)
        #expect(result == .drop)
        #expect(event.verdict == .drop)
        #expect(event.reason == .decode)
        #expect(event.rule == nil)
        #expect(event.decodeError == DecodeError(
            layer: testCase.layer, field: testCase.field, offset: testCase.offset, reason: testCase.reason))
        // What the raw header claims, for the log: addresses, protocol and TTL, never ports.
        #expect(event.summary == PacketSummary(
            proto: IPProtocol(rawValue: testCase.packet[Packets.Offset.proto]),
            source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2), ttl: testCase.packet[8]))
        #expect(!event.shouldLog, "log none logs no decode drop")
        #expect(engine.counters.decodeErrors == 1)
        #expect(engine.counters.dropped == 1 && engine.counters.accepted == 0)
    }

    @Test func unknownProtocolSummaryNamesTheNumber() {
        let packet = Packets.withProtocol(47, Packets.udp(source: [192, 168, 7, 10], destination: [172, 16, 0, 1]))
        let (_, event) = siteEngine().judge(packet)
        #expect(event.summary?.proto.rawValue == 47)
        #expect(event.summary?.source == .v4(IPv4Address(192, 168, 7, 10)))
        #expect(event.summary?.destination == .v4(IPv4Address(172, 16, 0, 1)))
        #expect(event.shouldLog, "log drops logs a decode drop")
    }

    @Test(arguments: [0, 1, 12, 19])
    func tooShortForAnIPv4HeaderHasNoSummary(length: Int) {
        let (result, event) = siteEngine().judge(Array(Packets.tcp().prefix(length)))
        #expect(result == .drop)
        #expect(event.reason == .decode)
        #expect(event.decodeError?.layer == .ipv4)
        #expect(event.decodeError?.reason == .truncated)
        #expect(event.summary == nil)
    }

    @Test func neitherIPv4NorIPv6HasNoSummary() {
        // Version 5: neither family (version 6 goes to the IPv6 decoder, EngineIPv6Tests).
        var packet = Packets.tcp()
        packet[0] = 0x55
        let (result, event) = siteEngine().judge(packet)
        #expect(result == .drop)
        #expect(event.decodeError?.reason == .badVersion)
        #expect(event.summary == nil)
    }

    // MARK: CSUMNOTREADY, truncated copies, rebuilds

    @Test(arguments: [
        Packets.bump(Packets.Offset.tcpChecksum, by: 0x1234, Packets.tcp()),
        Packets.bump(Packets.Offset.udpChecksum, by: 0x1234, Packets.udp(destinationPort: 53)),
        Packets.bump(Packets.Offset.icmpChecksum, by: 0x1234, Packets.icmp()),
    ])
    func checksumNotReadyKeepsThePartialChecksum(packet: [UInt8]) {
        let engine = siteEngine()
        let (strict, _) = engine.judge(packet)
        #expect(strict == .drop, "without CSUMNOTREADY the wrong checksum is a decode drop")
        let (result, event) = engine.judge(packet, context: PacketContext(checksumNotReady: true))
        #expect(result == .accept, "no payload: the partial checksum goes back as received")
        #expect(event.reason == .rule)
        #expect(event.normalized.isEmpty)
        #expect(engine.counters.rebuilt == 0)
    }

    @Test func rebuildSendsThePacketWhenBytesDiffer() throws {
        let engine = siteEngine()
        let original = Packets.icmpWithNegativeZeroChecksum()
        let (result, event) = engine.judge(original)
        guard case .acceptRebuilt(let rebuilt) = result else {
            Issue.record("expected a rebuilt accept, got \(result)")
            return
        }
        var expected = original
        Packets.put(0x0000, at: Packets.Offset.icmpChecksum, in: &expected)
        #expect(rebuilt == expected)
        #expect(event.verdict == .accept)
        #expect(event.normalized == [.transportChecksum])
        #expect(engine.counters.rebuilt == 1)
        #expect(engine.counters.accepted == 1)
        _ = try Datagram(parsing: rebuilt.span.bytes)
    }

    @Test func rebuiltIPv4HeaderIsNamed() throws {
        let engine = siteEngine()
        let original = Packets.withNegativeZeroHeaderChecksum(Packets.tcp())
        let (result, event) = engine.judge(original)
        guard case .acceptRebuilt(let rebuilt) = result else {
            Issue.record("expected a rebuilt accept, got \(result)")
            return
        }
        #expect(Packets.get(Packets.Offset.headerChecksum, in: rebuilt) == 0)
        #expect(Array(rebuilt[12...]) == Array(original[12...]))
        #expect(event.normalized == [.ipv4Checksum])
    }

    /// The packet changed (IPv4 checksum), so the kernel will not complete the partial transport
    /// checksum: the engine must compute it in full.
    @Test func checksumNotReadyIsCompletedWhenThePacketChanges() throws {
        let engine = siteEngine()
        let correct = Packets.withNegativeZeroHeaderChecksum(Packets.tcp())
        let partial = Packets.bump(Packets.Offset.tcpChecksum, by: 0x4321, correct)
        let (result, event) = engine.judge(partial, context: PacketContext(checksumNotReady: true))
        guard case .acceptRebuilt(let rebuilt) = result else {
            Issue.record("expected a rebuilt accept, got \(result)")
            return
        }
        #expect(event.normalized == [.ipv4Checksum, .transportChecksum])
        #expect(Packets.get(Packets.Offset.tcpChecksum, in: rebuilt) == Packets.get(Packets.Offset.tcpChecksum, in: correct))
        _ = try Datagram(parsing: rebuilt.span.bytes)
    }

    @Test func truncatedCopyOfAValidPacketIsDroppedNeverRebuilt() {
        let engine = Engine(program: program("policy accept\nlog none\n"))
        let whole = Packets.withNegativeZeroHeaderChecksum(Packets.tcp())
        let (result, event) = engine.judge(whole, packetLength: whole.count + 100)
        #expect(result == .drop)
        #expect(event.verdict == .drop)
        #expect(event.reason == .internal)
        #expect(event.shouldLog, "an internal drop is logged even under log none")
        #expect(engine.counters.rebuilt == 0)
        #expect(engine.counters.internalErrors == 1)
    }

    @Test func truncatedCopyThatCutsThePacketIsADecodeDrop() {
        let engine = Engine(program: program("policy accept\nlog none\n"))
        let whole = Packets.tcp(payload: Array(repeating: 0x41, count: 200))
        let (result, event) = engine.judge(Array(whole.prefix(64)), packetLength: whole.count)
        #expect(result == .drop)
        #expect(event.reason == .decode)
        #expect(event.decodeError?.reason == .truncated)
        #expect(event.metadata.packetLength == whole.count)
        #expect(engine.counters.rebuilt == 0)
    }

    // MARK: logging decisions

    @Test(arguments: [
        // (log mode, packet, should log): 443 is accepted silently, 80 by policy drop,
        // 53 by a rule that says `log`.
        (LogMode.none, 443, false), (.none, 80, false), (.none, 53, true),
        (.drops, 443, false), (.drops, 80, true), (.drops, 53, true),
        (.all, 443, true), (.all, 80, true), (.all, 53, true),
    ])
    func shouldLogFollowsTheModeAndTheRule(mode: LogMode, port: UInt16, expected: Bool) {
        let rules = """
            policy drop
            log \(mode.rawValue)
            accept tcp to any port 443
            accept log tcp to any port 53
            """
        let (_, event) = Engine(program: program(rules)).judge(Packets.tcp(destinationPort: port))
        #expect(event.shouldLog == expected)
    }

    @Test(arguments: [
        // (TCP flags, port, should log) under `log control`: SYN, FIN, RST accepted are
        // logged, other accepted segments are not, drops always are.
        (UInt8(0x02), UInt16(443), true), (0x11, 443, true), (0x04, 443, true), (0x10, 443, false), (0x18, 443, false),
        (0x10, 80, true),
    ])
    func logControlLogsConnectionStartsAndEnds(flags: UInt8, port: UInt16, expected: Bool) {
        let engine = Engine(program: program("policy drop\nlog control\naccept tcp to any port 443\n"))
        let (_, event) = engine.judge(Packets.tcp(destinationPort: port, flags: flags))
        #expect(event.shouldLog == expected)
    }

    @Test func rulesSeeInterfacesStateMarkTTLAndLength() {
        let engine = Engine(program: program("""
            accept tcp in eth0 out !eth0 state new mark 0x5 ttl 1-255 length 40 flags S/SA label "all of it"
            """))
        func judge(_ change: (inout PacketMetadata) -> Void) -> VerdictEvent {
            engine.judge(Packets.tcp()) { metadata in
                var metadata = metadata
                metadata.inInterfaceName = InterfaceName("eth0")
                metadata.outInterfaceName = InterfaceName("eth1")
                metadata.connectionState = .new
                metadata.mark = 5
                change(&metadata)
                return metadata
            }.1
        }
        #expect(judge { _ in }.reason == .rule)
        #expect(judge { $0.inInterfaceName = nil }.reason == .policy)
        #expect(judge { $0.outInterfaceName = InterfaceName("eth0") }.reason == .policy)
        #expect(judge { $0.connectionState = .established }.reason == .policy)
        #expect(judge { $0.connectionState = nil }.reason == .policy)
        #expect(judge { $0.mark = 6 }.reason == .policy)
    }

    @Test func logRuleThatDropsIsLoggedUnderLogNone() {
        let engine = Engine(program: program("policy accept\nlog none\ndrop log udp\n"))
        let (result, event) = engine.judge(Packets.udp())
        #expect(result == .drop)
        #expect(event.shouldLog)
    }

    // MARK: counters, swap, order

    @Test func countersAddUp() {
        let engine = siteEngine()
        let batch: [([UInt8], PacketContext, Int?)] = [
            (Packets.tcp(), PacketContext(), nil),                                   // accept, rule
            (Packets.udp(destinationPort: 53), PacketContext(), nil),                // accept, rule
            (Packets.icmpWithNegativeZeroChecksum(), PacketContext(), nil),          // accept, rebuilt
            (Packets.tcp(destinationPort: 23), PacketContext(), nil),                // drop, rule
            (Packets.tcp(destinationPort: 24), PacketContext(), nil),                // drop, policy
            (Packets.udp(destinationPort: 54), PacketContext(), nil),                // drop, policy
            (Packets.withProtocol(47, Packets.tcp()), PacketContext(), nil),         // drop, decode
            (Array(Packets.tcp().prefix(10)), PacketContext(), nil),                 // drop, decode
            (Packets.tcp(), PacketContext(), 1000),                                  // drop, internal
        ]
        for (packet, context, length) in batch {
            _ = engine.judge(packet, packetLength: length, context: context)
        }
        let counters = engine.counters
        #expect(counters.packets == 9)
        #expect(counters.accepted == 3 && counters.dropped == 6)
        #expect(counters.acceptedByRule == 3 && counters.acceptedByPolicy == 0)
        #expect(counters.droppedByRule == 1 && counters.droppedByPolicy == 2)
        #expect(counters.decodeErrors == 2 && counters.internalErrors == 1)
        #expect(counters.rebuilt == 1)
        // Both decode errors are IPv4's (protocol 47, a 10-byte header); layers in allCases order.
        #expect(counters.decodeErrorsByLayer == [2] + Array(repeating: 0, count: DecodeError.Layer.allCases.count - 1))
        // siteEngine's four rules each decided one packet (the internal error reached none).
        #expect(counters.ruleHits == [1, 1, 1, 1])
        #expect(counters.accepted + counters.dropped == counters.packets)
    }

    @Test func swapChangesTheNextVerdict() {
        let engine = Engine(program: program("policy accept\n"))
        let (before, _) = engine.judge(Packets.tcp())
        #expect(before == .accept)
        engine.swap(program: program("policy drop\ndrop tcp label \"no tcp\"\n", file: "next.rules"))
        let (after, event) = engine.judge(Packets.tcp())
        #expect(after == .drop)
        #expect(event.rule?.label == "no tcp")
        #expect(event.rule?.location.file == "next.rules")
        #expect(engine.program.policy == .drop)
        #expect(engine.counters.packets == 2, "swapping keeps the counters")
    }

    @Test func firstMatchWins() {
        let rules = """
            policy accept
            drop tcp from 10.1.0.0/16 to any port 443 label "first"
            accept tcp to any port 443 label "second"
            """
        let engine = Engine(program: program(rules))
        let (inside, insideEvent) = engine.judge(Packets.tcp(source: [10, 1, 9, 9]))
        #expect(inside == .drop)
        #expect(insideEvent.rule?.label == "first")
        #expect(insideEvent.rule?.location.line == 2)
        let (outside, outsideEvent) = engine.judge(Packets.tcp(source: [10, 9, 0, 1]))
        #expect(outside == .accept)
        #expect(outsideEvent.rule?.label == "second")
        #expect(outsideEvent.rule?.location.line == 3)
    }

    @Test func firstMatchWinsInReverseOrderToo() {
        let rules = """
            policy drop
            accept tcp to any port 443 label "second"
            drop tcp from 10.1.0.0/16 to any port 443 label "first"
            """
        let (result, event) = Engine(program: program(rules)).judge(Packets.tcp(source: [10, 1, 9, 9]))
        #expect(result == .accept)
        #expect(event.rule?.label == "second")
    }

    // MARK: helpers

    @Test func tcpNormalizationsAreRebuiltAndNamed() throws {
        let engine = siteEngine()
        var original = Packets.tcp()
        original[Packets.Offset.transport + 12] |= 0x0E         // the three reserved bits (AE is kept)
        Packets.put(0x0102, at: Packets.Offset.transport + 18, in: &original)  // urgent pointer, URG off
        Packets.put(0, at: Packets.Offset.tcpChecksum, in: &original)
        let sum = Packets.checksum(PacketBuilder.pseudoHeader(source: Packets.client, destination: Packets.server, proto: 6,
                                                        length: original.count - 20) + Array(original[20...]))
        Packets.put(sum, at: Packets.Offset.tcpChecksum, in: &original)
        let (result, event) = engine.judge(original)
        guard case .acceptRebuilt(let rebuilt) = result else {
            Issue.record("expected a rebuilt accept, got \(result)")
            return
        }
        #expect(event.normalized == [.tcpReservedBits, .tcpUrgentPointer])
        #expect(rebuilt[Packets.Offset.transport + 12] & 0x0E == 0)
        #expect(Packets.get(Packets.Offset.transport + 18, in: rebuilt) == 0)
        let again = try Datagram(parsing: rebuilt.span.bytes)
        #expect(again.normalizations.isEmpty)
    }
}
