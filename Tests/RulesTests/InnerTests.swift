import Testing
@testable import Rules
import Wire

/// The tunnel protocol names and the `inner` clause (docs/rules.md, "Tunnels").
@Suite struct InnerTests {
    static func check(_ source: String) -> [String] {
        let (syntax, parseDiagnostics) = Parser.parse(source, file: "t.rules")
        return parseDiagnostics.map(\.description) + Checker.check(syntax).map(\.description)
    }

    static func program(_ source: String) throws -> Program {
        let (program, diagnostics) = Program.load(source: source, file: "t.rules")
        try #require(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        return try #require(program)
    }

    /// A GRE packet from 192.0.2.1 carrying `inner` (nil: not tunnelled, plain TCP).
    static func packet(proto: IPProtocol = .gre, innerProto: IPProtocol? = .tcp, innerSource: IPv4Address? = IPv4Address(10, 8, 0, 1),
                       innerPort: UInt16? = 22) -> PacketFields {
        var fields = PacketFields(proto: proto, source: IPv4Address(192, 0, 2, 1), destination: IPv4Address(192, 0, 2, 2),
                                  sourcePort: nil, destinationPort: nil)
        fields.innerProto = innerProto
        fields.innerSource = innerSource.map { .v4($0) }
        fields.innerDestination = innerSource.map { _ in .v4(IPv4Address(10, 8, 0, 2)) }
        fields.innerSourcePort = innerPort.map { _ in 40000 }
        fields.innerDestinationPort = innerPort
        return fields
    }

    @Test func protocolNamesParse() {
        // `ipencap` is `ipip`: the rule on line 3 is inside the one on line 2.
        #expect(Self.check("accept gre\naccept ipip\naccept ipencap from 10.0.0.1\naccept ipv6-in-ipv4\n") == [
            "t.rules:3:1: warning: rule can never match: the rule on line 2 matches all of its packets first",
        ])
    }

    @Test func innerClauseDumps() {
        let (syntax, _) = Parser.parse("accept gre from 192.0.2.1 inner tcp from 10.8.0.0/16 to any port 22 label \"x\"\n", file: "t.rules")
        #expect(syntax.description == """
            rule [1:1-78] accept [1:1-7]
              proto gre [1:8-11]
              from [1:12-26] 192.0.2.1 [1:17-26]
              inner [1:27-68] proto tcp [1:33-36]
                from [1:37-53] 10.8.0.0/16 [1:42-53]
                to [1:54-68] any [1:57-60] port 22 [1:61-68]
              label "x" [1:75-78]
            """)
    }

    @Test func innerNeedsATunnelProtocol() {
        #expect(Self.check("accept tcp inner tcp\naccept esp inner any\naccept any inner icmp\naccept gre inner any\n") == [
            "t.rules:1:12: error: inner needs gre, ipip, ipv6-in-ipv4 or any",
            "t.rules:2:12: error: inner needs gre, ipip, ipv6-in-ipv4 or any",
        ])
    }

    @Test func innerPortNeedsInnerTCPOrUDP() {
        #expect(Self.check("accept gre inner icmp to any port 22\n") == ["t.rules:1:30: error: port needs tcp, udp or sctp"])
    }

    @Test func innerGivenTwiceIsAnError() {
        #expect(Self.check("accept gre inner tcp inner udp\n") == ["t.rules:1:22: error: 'inner' given twice"])
    }

    @Test func innerMatchesOnlyTheInnerFields() throws {
        let program = try Self.program("""
            policy drop
            accept gre from 192.0.2.1 inner tcp from 10.8.0.0/16 to any port 22
            accept ipip inner any
            accept any inner udp
            """)
        #expect(program.evaluate(Self.packet()).ruleIndex == 0)
        #expect(program.evaluate(Self.packet(innerPort: 80)).ruleIndex == nil)
        #expect(program.evaluate(Self.packet(innerSource: IPv4Address(10, 9, 0, 1))).ruleIndex == nil)
        // An IPv6 inner packet never matches an IPv4 inner network.
        var ipv6Inside = Self.packet()
        ipv6Inside.innerSource = .v6(IPv6Address(high: 0x0A08_0000_0000_0000, low: 1))
        #expect(program.evaluate(ipv6Inside).ruleIndex == nil)
        #expect(program.evaluate(Self.packet(proto: .ipip, innerProto: .icmp, innerPort: nil)).ruleIndex == 1)
        #expect(program.evaluate(Self.packet(proto: .ipv6InIPv4, innerProto: .udp)).ruleIndex == 2)
        // `inner any` never matches a packet that is not tunnelled.
        #expect(program.evaluate(Self.packet(proto: .ipip, innerProto: nil, innerSource: nil, innerPort: nil)).ruleIndex == nil)
        for packet in [Self.packet(), Self.packet(innerPort: 80), Self.packet(proto: .ipip, innerProto: nil, innerSource: nil, innerPort: nil)] {
            #expect(program.evaluate(packet) == program.evaluateLinearly(packet))
        }
    }

    @Test func theCompiledIndexAgreesWithTheLinearMeaning() throws {
        var source = "policy drop\n"
        for index in 0..<40 { source += "accept gre inner tcp from 10.\(index).0.0/16 to any port \(1000 + index)\n" }
        source += "accept ipip inner any to 10.200.0.0/16\n"
        let program = try Self.program(source)
        #expect(program.selfCheck().passed)
        for index in 0..<45 {
            var packet = Self.packet(innerSource: IPv4Address(10, UInt8(index), 0, 9), innerPort: UInt16(1000 + index % 42))
            #expect(program.evaluate(packet) == program.evaluateLinearly(packet))
            packet.proto = .ipip
            packet.innerDestination = .v4(IPv4Address(10, 200, 1, 1))
            #expect(program.evaluate(packet) == program.evaluateLinearly(packet))
        }
    }

    /// A 6in4 packet carrying TCP from fd00::1 to 2001:db8::2 (or the IPv4 addresses given).
    static func ipv6Inside(source: IPAddress = .v6(IPv6Address("fd00::1")!), destination: IPAddress = .v6(IPv6Address("2001:db8::2")!)) -> PacketFields {
        var packet = packet(proto: .ipv6InIPv4)
        packet.innerSource = source
        packet.innerDestination = destination
        return packet
    }

    @Test func innerIPv6AddressesMatchIPv6NetworksOnly() throws {
        let program = try Self.program("""
            policy drop
            accept ipv6-in-ipv4 inner tcp from fd00::/8 to 2001:db8::/32 port 22
            accept ipv6-in-ipv4 inner tcp from !fd00::/8
            accept ipv6-in-ipv4 inner tcp from 10.0.0.0/8
            """)
        #expect(program.evaluate(Self.ipv6Inside()).ruleIndex == 0)
        // Port 80: not rule 0; `!fd00::/8` is every other IPv6 address, so not rule 1 either.
        var web = Self.ipv6Inside()
        web.innerDestinationPort = 80
        #expect(program.evaluate(web).ruleIndex == nil)
        #expect(program.evaluate(Self.ipv6Inside(source: .v6(IPv6Address("2001:db8::9")!))).ruleIndex == 1)
        // An IPv4 inner source matches the IPv4 network, never `!fd00::/8`.
        #expect(program.evaluate(Self.ipv6Inside(source: .v4(IPv4Address(10, 1, 1, 1)), destination: .v4(IPv4Address(10, 2, 2, 2)))).ruleIndex == 2)
        #expect(program.evaluate(Self.ipv6Inside(source: .v4(IPv4Address(192, 0, 2, 9)), destination: .v4(IPv4Address(10, 2, 2, 2)))).ruleIndex == nil)
        #expect(program.selfCheck().passed)
        for packet in [Self.ipv6Inside(), web, Self.ipv6Inside(source: .v6(IPv6Address("2001:db8::9")!))] {
            #expect(program.evaluate(packet) == program.evaluateLinearly(packet))
        }
    }

    @Test func innerFamiliesAreCheckedLikeTheOuterOnes() {
        #expect(Self.check("accept gre inner tcp from 10.0.0.1 to fd00::1\naccept gre inner icmp from fd00::1\naccept gre inner icmp6 to 10.0.0.1\n") == [
            "t.rules:1:36: error: 'from' has only IPv4 addresses and 'to' only IPv6 ones; no packet can match",
            "t.rules:2:18: error: 'icmp' is ICMP for IPv4, but this rule is for IPv6 only; write 'icmp6'",
            "t.rules:3:18: error: 'icmp6' is ICMP for IPv6, but this rule is for IPv4 only; write 'icmp'",
        ])
    }
}
