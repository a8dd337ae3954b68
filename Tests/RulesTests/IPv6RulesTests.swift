import Testing
import Wire
@testable import Rules

/// IPv6 in the rule language: literals, prefixes, mixed-family sets, `inet`/`inet6`, `icmp6`,
/// `accept ipv6-headers`, and the family errors `check` reports.
@Suite struct IPv6RulesTests {
    private func v6(_ text: String) -> IPAddress { .v6(IPv6Address(text)!) }
    private func v4(_ text: String) -> IPAddress { .v4(IPv4Address(text)!) }

    private func load(_ source: String) -> Program? {
        Program.load(source: source, file: "v6.rules").program
    }

    /// Every diagnostic of `source`, as `check` prints them.
    private func diagnostics(_ source: String) -> [String] {
        Program.load(source: source, file: "v6.rules").diagnostics.map(\.description)
    }

    private func tcp(_ source: IPAddress, _ destination: IPAddress, port: UInt16 = 22) -> PacketFields {
        PacketFields(proto: .tcp, source: source, destination: destination, sourcePort: 40000, destinationPort: port, tcpFlags: 0x02)
    }

    @Test func lexerReadsIPv6LiteralsAsAddresses() {
        let tokens = Lexer.tokenize("fd00::1 2001:db8::/32 :: ::ffff:10.0.0.1 [fd00::2]:22 10.0.0.1:80 fe80::1g")
        #expect(tokens.map(\.text) == [
            "fd00::1", "2001:db8::", "/", "32", "::", "::ffff:10.0.0.1", "[", "fd00::2", "]", ":", "22",
            "10.0.0.1", ":", "80", "fe80::1g", "",
        ])
        #expect(tokens.filter { $0.kind == .address }.count == 7)
    }

    @Test func ipv6NetworksMatchIPv6PacketsOnly() throws {
        let program = try #require(load("policy drop\naccept tcp from fd00::/8 to 2001:db8::1 port 22"))
        #expect(program.evaluate(tcp(v6("fd12::5"), v6("2001:db8::1"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v6("fe80::5"), v6("2001:db8::1"))).ruleIndex == nil)
        #expect(program.evaluate(tcp(v6("fd12::5"), v6("2001:db8::2"))).ruleIndex == nil)
        #expect(program.evaluate(tcp(v4("10.0.0.1"), v4("10.0.0.2"))).ruleIndex == nil)
    }

    @Test func mixedSetsMatchBothFamilies() throws {
        let program = try #require(load("""
            set admins = { 10.0.0.0/8, fd00::/8 }
            accept tcp from $admins to any port 22
            """))
        #expect(program.evaluate(tcp(v4("10.1.2.3"), v4("192.0.2.1"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v6("fd00::7"), v6("2001:db8::1"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v4("11.0.0.1"), v4("192.0.2.1"))).ruleIndex == nil)
        #expect(program.evaluate(tcp(v6("fe80::7"), v6("2001:db8::1"))).ruleIndex == nil)
    }

    @Test func aRuleWithoutAddressesMatchesBothFamilies() throws {
        let program = try #require(load("accept tcp to any port 22"))
        #expect(program.evaluate(tcp(v4("10.0.0.1"), v4("10.0.0.2"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v6("fd00::1"), v6("fd00::2"))).ruleIndex == 0)
    }

    @Test func inetAndInet6RestrictTheFamily() throws {
        let program = try #require(load("accept inet tcp to any port 22\naccept log inet6 udp"))
        #expect(program.evaluate(tcp(v4("10.0.0.1"), v4("10.0.0.2"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v6("fd00::1"), v6("fd00::2"))).ruleIndex == nil)
        var udp = tcp(v6("fd00::1"), v6("fd00::2"), port: 53)
        udp.proto = .udp
        udp.tcpFlags = nil
        #expect(program.evaluate(udp).ruleIndex == 1)
        udp.source = v4("10.0.0.1")
        udp.destination = v4("10.0.0.2")
        #expect(program.evaluate(udp).ruleIndex == nil)
    }

    @Test func negationStaysWithinTheListsFamilies() throws {
        let program = try #require(load("accept tcp from !fd00::/8\naccept udp from !10.0.0.0/8\naccept icmp6 from !any"))
        #expect(program.evaluate(tcp(v6("2001:db8::1"), v6("fd00::2"))).ruleIndex == 0)
        #expect(program.evaluate(tcp(v6("fd00::1"), v6("fd00::2"))).ruleIndex == nil)
        #expect(program.evaluate(tcp(v4("10.0.0.1"), v4("10.0.0.2"))).ruleIndex == nil, "!fd00::/8 names no IPv4 address")
        let rule = program.rules[1]
        #expect(rule.match[.source] == ValueSet([AddressKey.ipv4]).subtracting(ValueSet([AddressKey.key(IPv4Address(10, 0, 0, 0))...AddressKey.key(IPv4Address(10, 255, 255, 255))])))
    }

    @Test func ipv6NetworksLeaveOutTheIPv4Keys() throws {
        let program = try #require(load("accept tcp from ::/0"))
        #expect(program.rules[0].match[.source] == AddressKey.ipv6)
        #expect(program.evaluate(tcp(v4("10.0.0.1"), v4("10.0.0.2"))).ruleIndex == nil)
        #expect(program.evaluate(tcp(v6("::1"), v6("::2"))).ruleIndex == 0)
    }

    @Test func icmp6TypeAndCodeNames() throws {
        let program = try #require(load("accept icmp6 type { echo-request, neighbor-solicitation, mld2-report } code 0\naccept ipv6-icmp type packet-too-big"))
        #expect(program.rules[0].match[.proto] == ValueSet(58))
        #expect(program.rules[0].match[.icmpType] == ValueSet([128...128, 135...135, 143...143]))
        #expect(program.rules[1].match[.icmpType] == ValueSet(2))
        let code = try #require(load("accept icmp6 type destination-unreachable code { no-route, port-unreachable }"))
        #expect(code.rules[0].match[.icmpCode] == ValueSet([0...0, 4...4]))
    }

    @Test func ipv6HeadersDirectiveSetsTheDecodeOptions() throws {
        let program = try #require(load("accept ipv6-headers { hop-by-hop, destination-options, routing-2 }\naccept tcp"))
        var expected = IPv6HeaderAllowances()
        for name in ["hop-by-hop", "destination-options", "routing-2"] { expected.insert(name: Substring(name)) }
        #expect(program.decodeOptions.allowedIPv6Headers == expected)
        #expect(program.decodeOptions.allowedIPv6Headers.hopByHop && program.decodeOptions.allowedIPv6Headers.routingTypes.contains(2))
    }

    @Test(arguments: [
        ("accept tcp from 10.0.0.1 to fd00::1",
         "v6.rules:1:26: error: 'from' has only IPv4 addresses and 'to' only IPv6 ones; no packet can match"),
        ("accept udp from { fd00::1, fd00::2 } to { 10.0.0.0/8 } port 53",
         "v6.rules:1:38: error: 'from' has only IPv6 addresses and 'to' only IPv4 ones; no packet can match"),
        ("accept icmp from fd00::1",
         "v6.rules:1:8: error: 'icmp' is ICMP for IPv4, but this rule is for IPv6 only; write 'icmp6'"),
        ("accept icmp6 to 10.0.0.1",
         "v6.rules:1:8: error: 'icmp6' is ICMP for IPv6, but this rule is for IPv4 only; write 'icmp'"),
        ("accept inet icmp6", "v6.rules:1:13: error: 'icmp6' is ICMP for IPv6, but this rule is for IPv4 only; write 'icmp'"),
        ("accept inet6 tcp from 10.0.0.1", "v6.rules:1:8: error: 'inet6' rule has only IPv4 addresses; it can never match"),
        ("accept inet udp to fd00::/8", "v6.rules:1:8: error: 'inet' rule has only IPv6 addresses; it can never match"),
        ("accept tcp from fd00::g", "v6.rules:1:17: error: invalid IPv6 address 'fd00::g'"),
        ("accept tcp from 1:2:3:4:5:6:7:8:9", "v6.rules:1:17: error: invalid IPv6 address '1:2:3:4:5:6:7:8:9'"),
        ("accept tcp from fd00::/129", "v6.rules:1:24: error: CIDR prefix /129 is out of range for IPv6 (0-128)"),
        ("accept tcp from ::ffff:10.0.0.1",
         "v6.rules:1:17: error: ::ffff:10.0.0.1 is an IPv4-mapped address, which the decoder refuses in packets; write the IPv4 address"),
        ("accept tcp to ::ffff:0:0/96",
         "v6.rules:1:15: error: ::ffff:0.0.0.0/96 is an IPv4-mapped address, which the decoder refuses in packets; write the IPv4 address"),
        ("accept ipv6-headers { hop-by-hop, routing-0, jumbo }",
         "v6.rules:1:35: error: unknown IPv6 extension header 'routing-0'; accepted are hop-by-hop, destination-options and routing-N (N 1-255)"),
        ("drop ipv6-headers { hop-by-hop }",
         "v6.rules:1:1: error: only 'accept ipv6-headers' exists: IPv6 extension headers are dropped unless accepted"),
        ("accept icmp6 type router-renumbering", "v6.rules:1:19: error: unknown ICMP type 'router-renumbering'"),
        ("accept udp type echo-request", "v6.rules:1:12: error: 'type' needs icmp or icmp6"),
    ])
    func familyErrors(source: String, expected: String) {
        #expect(diagnostics(source).first == expected)
        #expect(load(source) == nil)
    }

    @Test func hostBitsInAnIPv6NetworkWarn() {
        #expect(diagnostics("accept tcp from fd00::1/8\naccept tcp from 2001:db8::/32") == [
            "v6.rules:1:17: warning: fd00::1/8 has host bits set; it means fd00::/8",
        ])
    }

    @Test func shadowingCoversIPv6() {
        #expect(diagnostics("accept tcp from fd00::/8\naccept tcp from fd00::1 to any port 22") == [
            "v6.rules:2:1: warning: rule can never match: the rule on line 1 matches all of its packets first",
        ])
        #expect(diagnostics("accept inet tcp\ndrop inet6 tcp\naccept tcp to any port 80") == [
            "v6.rules:3:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first",
        ])
        // IPv4 and IPv6 networks never hide each other.
        #expect(diagnostics("accept tcp from 10.0.0.0/8\naccept tcp from fd00::/8\naccept tcp from ::/0") == [])
    }

    @Test func explainAcceptsIPv6Packets() throws {
        let packet = try PacketDescription.parse("tcp [fd00::1]:40000 -> [fd00::2]:22 flags S").get()
        #expect(packet == PacketFields(
            proto: .tcp, source: v6("fd00::1"), destination: v6("fd00::2"), sourcePort: 40000, destinationPort: 22,
            tcpFlags: 0x02, length: 60))
        let ping = try PacketDescription.parse("icmp6 fd00::1 -> fd00::2 type echo-request ttl 255").get()
        #expect(ping.proto == .icmpv6 && ping.icmpType == 128 && ping.icmpCode == 0 && ping.length == 48 && ping.ttl == 255)
        let defaultType = try PacketDescription.parse("icmp6 [fd00::1] -> [fd00::2] code no-route").get()
        #expect(defaultType.icmpType == 128 && defaultType.icmpCode == 0)
        let program = try #require(load("accept tcp from fd00::/8 to any port 22 label \"ssh6\""))
        let text = program.render(program.explain(packet), packet: packet) { _ in nil }
        #expect(text.hasPrefix("accept: rule v6.rules:1 \"ssh6\"\n  it matches on protocol (tcp), source address (fd00::1), destination port (22)"))
        let miss = try PacketDescription.parse("tcp [2001:db8::1]:40000 -> [fd00::2]:22").get()
        #expect(program.render(program.explain(miss), packet: miss) { _ in nil }.contains("no match on source address (packet has 2001:db8::1)"))
    }

    @Test(arguments: [
        ("tcp fd00::1:4000 -> [fd00::2]:22",
         "packet:1:5: error: expected an IPv6 address with a port in brackets, as in '[fd00::1]:22' but found 'fd00::1:4000'"),
        ("tcp [fd00::1:4000 -> [fd00::2]:22", "packet:1:19: error: expected ']' but found '->'"),
        ("tcp [10.0.0.1]:1 -> [fd00::2]:22", "packet:1:6: error: expected an address ('any', a.b.c.d, a.b.c.d/n, an IPv6 address or network) but found '10.0.0.1'"),
        ("udp [fd00::1]:1 -> 10.0.0.2:53", "packet:1:20: error: 'from' has only IPv6 addresses and 'to' only IPv4 ones; no packet can match"),
        ("icmp fd00::1 -> fd00::2", "packet:1:1: error: 'icmp' is ICMP for IPv4, but this rule is for IPv6 only; write 'icmp6'"),
        ("icmp6 fd00::1 -> fd00::2 type bogus", "packet:1:31: error: unknown ICMP type 'bogus'"),
    ])
    func badIPv6PacketDescriptions(text: String, expected: String) {
        guard case .failure(let diagnostic) = PacketDescription.parse(text) else {
            Issue.record("parsed: \(text)")
            return
        }
        #expect(diagnostic.description == expected)
    }
}
