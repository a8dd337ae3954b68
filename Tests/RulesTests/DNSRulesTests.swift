import Testing
import TestSupport
@testable import Rules
import Wire

/// `inspect dns` and the DNS matches: what the checker says, and how the program decides
/// on decoded messages (through `describeDNS`, as the engine does).
@Suite struct DNSRulesTests {
    static func load(_ source: String, files: [String: String] = [:]) -> (Program?, [String]) {
        let loaded = Program.load(source: source, file: "d.rules", loader: InMemoryRuleSources(files))
        return (loaded.program, loaded.diagnostics.map(\.description))
    }

    /// The fields of a UDP datagram carrying `message` to or from port 53, as the engine fills them.
    static func fields(_ message: [UInt8], program: Program, response: Bool = false) throws -> PacketFields {
        var fields = PacketFields(
            proto: .udp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
            sourcePort: response ? 53 : 40000, destinationPort: response ? 40000 : 53)
        let decoded = try DNS.Message(parsing: message.span.bytes)
        program.describeDNS(decoded, in: message.span.bytes, into: &fields)
        return fields
    }

    static let rules = """
        policy drop
        inspect dns
        set blocklist = file "block.list"
        drop udp to any port 53 dns-name $blocklist label "listed"
        drop udp from any port 53 dns-response-ip { 10.0.0.0/8, 192.168.0.0/16 } label "rebinding"
        drop udp to any port 53 dns-type { ANY, 65280 } label "type"
        accept udp to any port 53 dns-name !{ *.internal.example } label "queries"
        accept udp from any port 53 dns-rcode { noerror, NXDOMAIN } label "answers"
        """
    static let blocklist = "# hosts\n0.0.0.0 ads.example\n*.tracker.example\n"

    static func decide(_ message: [UInt8], response: Bool = false) throws -> String {
        let (program, diagnostics) = load(rules, files: ["block.list": blocklist])
        let compiled = try #require(program, "\(diagnostics)")
        let packet = try fields(message, program: compiled, response: response)
        let decision = compiled.evaluate(packet)
        #expect(decision == compiled.evaluateLinearly(packet))
        return decision.ruleIndex.flatMap { compiled.rules[$0].label } ?? "policy \(decision.action)"
    }

    @Test func rulesLoadCleanly() {
        let (program, diagnostics) = Self.load(Self.rules, files: ["block.list": Self.blocklist])
        // The answers rule is stateless: `inspect dns` checks that it is a DNS response, not that
        // it answers a query that was sent (main's stateless-reply warning says so, rightly).
        #expect(diagnostics == [
            "d.rules:8:1: warning: stateless reply rule: it accepts every packet from port 53 to any port, not only replies; "
                + "match replies with 'state established'",
        ])
        #expect(program?.dns.inspection == DNSInspection() && program?.dns.nameLists.count == 2)
        #expect(program?.dns.addressLists.count == 1)
    }

    @Test(arguments: [
        ("ads.example", UInt16(1), "listed"),
        ("ADS.Example", 28, "listed"),
        ("www.ads.example", 1, "queries"),
        ("x.tracker.example", 1, "listed"),
        ("tracker.example", 1, "queries"),
        ("example.com", 255, "type"),
        ("example.com", 65280, "type"),
        ("example.com", 1, "queries"),
        ("db.internal.example", 1, "policy drop"),
    ])
    func queries(name: String, type: UInt16, expected: String) throws {
        #expect(try Self.decide(DNSMessageBuilder.query(name, type: type)) == expected)
    }

    @Test func rebindingAnswerIsDropped() throws {
        #expect(try Self.decide(DNSMessageBuilder.response("a.example", addresses: [[93, 184, 216, 34]]), response: true) == "answers")
        #expect(try Self.decide(DNSMessageBuilder.response("a.example", addresses: [[93, 184, 216, 34], [192, 168, 1, 1]]), response: true) == "rebinding")
        #expect(try Self.decide(DNSMessageBuilder.response("a.example", addresses: [[10, 0, 0, 1]]), response: true) == "rebinding")
    }

    @Test func rcodeMatchesResponsesOnly() throws {
        #expect(try Self.decide(DNSMessageBuilder.response("a.example", addresses: [], rcode: 3), response: true) == "answers")
        #expect(try Self.decide(DNSMessageBuilder.response("a.example", addresses: [], rcode: 2), response: true) == "policy drop")
    }

    @Test func aDNSMatchNeverMatchesAPacketWithoutAMessage() throws {
        let (program, _) = Self.load(Self.rules, files: ["block.list": Self.blocklist])
        let packet = PacketFields(proto: .udp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2), sourcePort: 40000, destinationPort: 53)
        #expect(try #require(program).evaluate(packet) == Decision(action: .drop, ruleIndex: nil))
    }

    @Test func inspectWithPortsAndOpcodes() {
        let (program, diagnostics) = Self.load("inspect dns port { 53, 5353 } opcode { notify, 5 }\n")
        #expect(diagnostics == [])
        #expect(program?.dns.inspection == DNSInspection(ports: ValueSet([53...53, 5353...5353]), options: DNS.Options(allowedOpcodes: 1 | 1 << 4 | 1 << 5)))
    }

    @Test func checkerErrors() {
        let (_, diagnostics) = Self.load("""
            inspect dns
            inspect dns
            accept tcp to any port 53 dns-type A
            accept udp dns-type { A, bogus, 70000 }
            accept udp dns-rcode 4096
            accept udp dns-name { ok.example, "bad name", 10.0.0.1 }
            accept udp dns-response-ip { 10.0.0.0/8, ads.example }
            inspect dns port 53 port 54
            """)
        #expect(diagnostics == [
            "d.rules:2:1: error: duplicate 'inspect dns' directive (first given on line 1)",
            "d.rules:3:27: error: 'dns-type' needs udp (DNS is inspected over UDP)",
            "d.rules:4:26: error: unknown DNS type 'bogus'",
            "d.rules:4:33: error: DNS type 70000 is out of range (0-65535)",
            "d.rules:5:22: error: DNS RCODE 4096 is out of range (0-4095)",
            "d.rules:6:35: error: 'bad name' is not a DNS name: labels of 1-63 letters, digits, '-' or '_', at most 255 octets, '*.' only first; write internationalized names as A-labels (xn--...)",
            "d.rules:6:47: error: expected a DNS name or $set here, but found address 10.0.0.1",
            "d.rules:7:42: error: expected an address or network here, but found name 'ads.example'",
            "d.rules:8:21: error: 'port' given twice in 'inspect dns'",
        ])
    }

    @Test func dnsMatchNeedsInspect() {
        let (_, diagnostics) = Self.load("accept udp to any port 53 dns-name *.example.com\n")
        #expect(diagnostics == ["d.rules:1:27: error: 'dns-name' needs an 'inspect dns' directive in the ruleset"])
    }

    @Test func nameListErrorsAreAtTheListFileLine() {
        let (program, diagnostics) = Self.load(
            "inspect dns\nset list = file \"names.txt\"\ndrop udp dns-name $list\n",
            files: ["names.txt": "ok.example\nnot a name\n"])
        #expect(program == nil)
        #expect(diagnostics == ["names.txt:2:1: error: 'not a name' is not a name, a hosts-file line (address, then names) or a comment"])
    }

    @Test func unreadableListRefusesTheRuleset() {
        let (program, diagnostics) = Self.load("inspect dns\nset list = file \"missing.txt\"\ndrop udp dns-name $list\n")
        #expect(program == nil)
        #expect(diagnostics == ["d.rules:2:17: error: cannot read name list missing.txt: No such file or directory"])
    }

    @Test func fileListUsedWithOtherNamesOrElsewhere() {
        let (_, diagnostics) = Self.load(
            "inspect dns\nset list = file \"n.txt\"\ndrop udp dns-name { $list, a.example }\ndrop udp from $list\n",
            files: ["n.txt": "a.example\n"])
        #expect(diagnostics == [
            "d.rules:3:21: error: a name list read from a file is used alone: write 'dns-name $list', without other names",
            "d.rules:4:15: error: a name list read from a file is used alone: write 'dns-name $list', without other names",
        ])
    }

    /// Found by the Rules fuzz target: a list read by two sets (or a rules file read as a list)
    /// was two files of one path, which trapped whatever keyed the files by path.
    @Test func aListReadTwiceIsOneFile() throws {
        let loaded = Program.load(
            source: "inspect dns\nset a = file \"n.txt\"\nset b = file \"n.txt\"\nset c = file \"d.rules\"\ndrop udp dns-name $a\ndrop udp dns-name $b\n",
            file: "d.rules", loader: InMemoryRuleSources(["n.txt": "a.example\n", "d.rules": "x.example\n"]))
        #expect(loaded.files.map(\.path) == ["d.rules", "n.txt"])
        #expect(loaded.diagnostics.map(\.description) == ["d.rules:4:5: warning: set $c is never used"])
        _ = Dictionary(uniqueKeysWithValues: loaded.files.map { ($0.path, SourceLines($0.text)) })
    }

    @Test func equalInlineListsShareOneList() {
        let (program, _) = Self.load("inspect dns\ndrop udp dns-name { b.example, a.example }\ndrop udp to any port 53 dns-name { A.example, b.example }\n")
        #expect(program?.dns.nameLists.count == 1)
    }

    @Test func shadowingIsExactForPlainRulesAndSilentForListRules() {
        let (_, diagnostics) = Self.load("""
            inspect dns
            drop udp to any port 53
            accept udp to any port 53 dns-name a.example
            drop udp to any port 54 dns-name a.example
            drop udp to any port 54 dns-name a.example
            drop udp to any port 54 dns-type A
            """)
        #expect(diagnostics == ["d.rules:3:1: warning: rule can never match: the rule on line 2 matches all of its packets first"])
    }

    @Test func selfCheckAgreesOnDNSRules() throws {
        let (program, _) = Self.load(Self.rules, files: ["block.list": Self.blocklist])
        let check = try #require(program).selfCheck(randomProbes: 2000)
        #expect(check.passed, "\(check.mismatch ?? "")")
    }

    @Test func explainTakesADNSQuestion() throws {
        let (program, _) = Self.load(Self.rules, files: ["block.list": Self.blocklist])
        let compiled = try #require(program)
        let packet = try PacketDescription.parse("udp 10.1.0.2:40000 -> 10.2.0.2:53 dns x.tracker.example AAAA", program: compiled).get()
        #expect(packet.dnsType == 28 && packet.dnsNameHits != 0)
        #expect(compiled.evaluate(packet).ruleIndex == 0)
        let plain = try PacketDescription.parse("udp 10.1.0.2:40000 -> 10.2.0.2:53 dns \"www.example.com\" 1", program: compiled).get()
        #expect(compiled.evaluate(plain).ruleIndex == 3)
        if case .failure(let error) = PacketDescription.parse("udp 10.1.0.2:40000 -> 10.2.0.2:53 dns a..b A") {
            #expect(error.message == .invalidDNSName("a..b"))
        } else {
            Issue.record("a..b parsed")
        }
    }
}
