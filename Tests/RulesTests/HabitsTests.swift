import Testing
import Wire
@testable import Rules

/// pf's and iptables' habits (issue 14, item 2): what is accepted, and the exact hint for
/// what is not.
@Suite struct HabitsTests {
    static func diagnostics(_ source: String, services: ServiceTable = ServiceTable()) -> [String] {
        Program.load(source: source, file: "h.rules", loader: InMemoryRuleSources([:], services: services)).diagnostics.map(\.description)
    }

    static func program(_ source: String, services: ServiceTable = ServiceTable()) throws -> Program {
        try #require(Program.load(source: source, file: "h.rules", loader: InMemoryRuleSources([:], services: services)).program)
    }

    @Test func listsNeedNoCommas() throws {
        let plain = try Self.program("accept tcp to { 10.0.0.1 10.0.0.2 } port { 80 443 8000-8080 }")
        let commas = try Self.program("accept tcp to { 10.0.0.1, 10.0.0.2 } port { 80, 443, 8000-8080 }")
        #expect(plain.rules.map(\.match) == commas.rules.map(\.match))
        #expect(Self.diagnostics("accept tcp to any port { 80 port }") == [
            "h.rules:1:29: error: expected ',' or '}' but found 'port'",
        ])
    }

    @Test(arguments: [
        ("accept tcp to any port 22:25", "h.rules:1:24: error: write 22-25 for a port range"),
        ("accept tcp to any port { 80, 1000:2000 }", "h.rules:1:30: error: write 1000-2000 for a port range"),
        ("accept udp from any port 5000: to any", "h.rules:1:26: error: write 5000-HIGH for a port range"),
    ])
    func aColonPortRangeGetsAHint(source: String, expected: String) {
        #expect(Self.diagnostics(source) == [expected])
    }

    @Test func aColonRangeReadAsOneWordGetsTheSameHint() throws {
        var parser = ParserState(source: "22:25", file: "h.rules")
        parser.inPortList = true
        #expect(ParserState.isColonRange("22:25") && !ParserState.isColonRange("fd00::1") && !ParserState.isColonRange("22:"))
        #expect(throws: ParseFailure.self) { try parser.parseItem() }
    }

    @Test func pfsInOnIsIn() throws {
        let pf = try Self.program("accept any in on eth0 out on { eth1 eth2 }")
        let ours = try Self.program("accept any in eth0 out { eth1, eth2 }")
        #expect(pf.rules.map(\.match) == ours.rules.map(\.match))
        // At the end of the rule, "on" is an interface's name, as before.
        let named = try Self.program("accept any in on")
        #expect(named.rules[0].match.inInterfaces == InterfaceSet([try #require(InterfaceName("on"))]))
    }

    @Test(arguments: [
        ("accept tcp to any port 22 on eth0",
         "h.rules:1:27: error: unknown keyword 'on': write 'in IFACE' for packets that arrive on an interface, 'out IFACE' for packets that leave by it"),
        ("pass tcp", "h.rules:1:1: error: unknown keyword 'pass': write 'accept'"),
        ("block log any", "h.rules:1:1: error: unknown keyword 'block': write 'drop'"),
        ("accept quick tcp", "h.rules:1:8: error: unknown keyword 'quick': leave it out: the first rule that matches always decides"),
        ("accept proto tcp", "h.rules:1:8: error: unknown keyword 'proto': write the protocol alone, as in 'accept tcp to any port 22'"),
        ("accept tcp keep state", "h.rules:1:12: error: unknown keyword 'keep': replies are accepted by a rule such as 'accept any state established'"),
        ("acept tcp", "h.rules:1:1: error: unknown keyword 'acept'; did you mean 'accept'?"),
        ("accept tcp form any", "h.rules:1:12: error: unknown keyword 'form'; did you mean 'from'?"),
        ("accept tcp to any prot 22", "h.rules:1:19: error: unknown keyword 'prot'; did you mean 'port'?"),
        ("accept tcp to any port 22 lable \"x\"", "h.rules:1:27: error: unknown keyword 'lable'; did you mean 'label'?"),
        ("polciy drop", "h.rules:1:1: error: unknown keyword 'polciy'; did you mean 'policy'?"),
        ("accept tcp frobnicate", "h.rules:1:12: error: unknown keyword 'frobnicate'"),
        ("accept icmp type echo-requst", "h.rules:1:18: error: unknown ICMP type 'echo-requst'; did you mean 'echo-request'?"),
        ("accept tcp state establised", "h.rules:1:18: error: unknown state 'establised'; did you mean 'established'?"),
        ("accept icmp code port-unreachabel", "h.rules:1:18: error: unknown ICMP code 'port-unreachabel'; did you mean 'port-unreachable'?"),
        ("accept ip-options { router-alrt }", "h.rules:1:21: error: unknown IP option 'router-alrt'; did you mean 'router-alert'?"),
    ])
    func habitsAndMisspellingsSayWhatToWrite(source: String, expected: String) {
        #expect(Self.diagnostics(source) == [expected])
    }

    @Test func oneEditIsInsertionDeletionSubstitutionOrSwap() {
        #expect(Suggestions.isOneEditAway("acept", "accept"))
        #expect(Suggestions.isOneEditAway("accept", "acept"))
        #expect(Suggestions.isOneEditAway("dorp", "drop"))
        #expect(Suggestions.isOneEditAway("drap", "drop"))
        #expect(!Suggestions.isOneEditAway("drop", "drop"))
        #expect(!Suggestions.isOneEditAway("dr", "drop"))
        #expect(!Suggestions.isOneEditAway("odrp", "drop"))
        // Ambiguous or too short: no suggestion.
        #expect(Suggestions.keyword(near: "drp") == "drop")
        #expect(Suggestions.keyword(near: "dop") == "drop")
        #expect(Suggestions.keyword(near: "to") == nil)
    }

    // MARK: Service names

    static let services = ServiceTable(parsing: """
        # services(5)
        ssh		22/tcp				# SSH Remote Login Protocol
        domain		53/tcp				# Domain Name Server
        domain		53/udp
        http		80/tcp		www		# WorldWideWeb HTTP
        ntp		123/udp
        bad line
        broken		x/tcp
        """)

    @Test func theServicesFileIsReadAsGetservent() {
        #expect(Self.services.port("ssh", proto: .tcp) == 22)
        #expect(Self.services.port("ssh", proto: .udp) == nil)
        #expect(Self.services.port("www", proto: .tcp) == 80)
        #expect(Self.services.port("ntp", proto: nil) == 123)
        #expect(Self.services.port("broken", proto: .tcp) == nil)
        #expect(ServiceTable().isEmpty && !Self.services.isEmpty)
    }

    @Test func servicePortsResolveForTheRulesProtocolAndAreNoted() throws {
        let program = try Self.program("set web = { http 443 }\naccept tcp to any port { ssh $web }\naccept udp to any port domain", services: Self.services)
        let numbers = try Self.program("accept tcp to any port { 22 80 443 }\naccept udp to any port 53")
        #expect(program.rules.map(\.match) == numbers.rules.map(\.match))
        #expect(program.rules[0].notes == ["ssh is port 22/tcp in /etc/services", "http is port 80/tcp in /etc/services"])
        #expect(program.rules[1].notes == ["domain is port 53/udp in /etc/services"])
    }

    @Test func anUnknownServiceIsAnErrorAtTheName() {
        #expect(Self.diagnostics("accept udp to any port ssh\naccept tcp from any port sshh", services: Self.services) == [
            "h.rules:1:24: error: unknown service 'ssh': /etc/services has no udp port of that name",
            "h.rules:2:26: error: unknown service 'sshh': /etc/services has no tcp port of that name",
        ])
    }

    @Test func explainShowsWhatAServiceNameStoodFor() throws {
        let program = try Self.program("accept tcp to any port ssh label \"ssh\"", services: Self.services)
        let packet = try PacketDescription.parse("tcp 10.0.0.1:40000 -> 10.0.0.2:22").get()
        let text = program.render(program.explain(packet), packet: packet) { _ in "accept tcp to any port ssh label \"ssh\"" }
        #expect(text == """
            accept: rule h.rules:1 "ssh"
                accept tcp to any port ssh label "ssh"
                (ssh is port 22/tcp in /etc/services)
              it matches on protocol (tcp), destination port (22)
              first match wins: 0 earlier rules did not match
            """)
    }
}
