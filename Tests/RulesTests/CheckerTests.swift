import Testing
@testable import Rules

/// Checker diagnostics for `source`, which must parse cleanly.
private func check(_ source: String) -> [String] {
    let (syntax, parseDiagnostics) = Parser.parse(source, file: "c.rules")
    #expect(parseDiagnostics.isEmpty)
    return Checker.check(syntax).map(\.description)
}

@Test func cleanFileHasNoDiagnostics() {
    #expect(check("policy drop\nlog all\naccept tcp to 10.0.0.0/8 port 22\naccept udp from any port 53 state established\naccept icmp") == [])
}

@Test func secondPolicyAndLogAreErrors() {
    #expect(check("policy drop\nlog none\npolicy drop\nlog all\nlog drops") == [
        "c.rules:3:1: error: duplicate 'policy' directive (first given on line 1)",
        "c.rules:4:1: error: duplicate 'log' directive (first given on line 2)",
        "c.rules:5:1: error: duplicate 'log' directive (first given on line 2)",
    ])
}

@Test(arguments: ["icmp", "any", "igmp", "esp", "ah", "vrrp"])
func portNeedsTCPOrUDP(proto: String) {
    #expect(check("accept \(proto) from any port 1 to any port 22") == [
        "c.rules:1:\(18 + proto.count): error: port needs tcp, udp or sctp",
        "c.rules:1:\(32 + proto.count): error: port needs tcp, udp or sctp",
    ])
}

@Test func hostBitsWarnButExactNetworksDoNot() {
    #expect(check("accept tcp from 10.0.0.5/24 to 10.0.0.0/24\naccept udp to 10.0.0.5/32\naccept udp to 1.2.3.4/0") == [
        "c.rules:1:17: warning: 10.0.0.5/24 has host bits set; it means 10.0.0.0/24",
        "c.rules:3:15: warning: 1.2.3.4/0 has host bits set; it means 0.0.0.0/0",
    ])
}

@Test func everyRuleAfterACatchAllIsUnreachable() {
    #expect(check("accept tcp\ndrop log any label \"rest\"\naccept udp to any port 53\naccept icmp") == [
        "c.rules:3:1: warning: rule can never match: the catch-all rule on line 2 matches every packet first",
        "c.rules:4:1: warning: rule can never match: the catch-all rule on line 2 matches every packet first",
    ])
}

@Test func aRuleWithFromOrToIsNotACatchAll() {
    #expect(check("accept any from 10.0.0.0/8\naccept any to 10.0.0.0/8\naccept tcp") == [])
}

@Test func narrowerRuleAfterABroaderOneIsUnreachable() {
    #expect(check("""
        accept tcp to 10.0.0.0/8 port 1-1024
        drop tcp from 1.2.3.4 to 10.1.0.0/16 port 22
        drop tcp to 10.1.0.0/16 port 22-2000
        drop udp to 10.1.0.0/16 port 22
        drop tcp to 10.1.0.0/16
        """) == [
        "c.rules:2:1: warning: rule can never match: the rule on line 1 matches all of its packets first",
    ])
}

/// SCTP has ports like TCP and UDP (RFC 9260 §3.1).
@Test func sctpTakesPorts() {
    #expect(check("accept sctp from any port 1024-65535 to any port 2905") == [])
}

@Test func checkerKeepsSourceOrderAcrossKinds() {
    // A rule with an error is left out of the shadowing analysis: one message per mistake.
    #expect(check("accept any\npolicy drop\naccept icmp to any port 7\npolicy accept") == [
        "c.rules:3:20: error: port needs tcp, udp or sctp",
        "c.rules:4:1: error: duplicate 'policy' directive (first given on line 2)",
    ])
}

@Test func aBrokenSetDefinitionIsReportedOnceNotAtEveryUse() {
    let (program, diagnostics) = Program.load(source: "set admins = { 10.1.0.300 }\naccept tcp from $admins\naccept udp from $admins", file: "c.rules")
    #expect(program == nil)
    #expect(diagnostics.map(\.description) == ["c.rules:1:16: error: invalid IPv4 address '10.1.0.300'"])
}

/// `run` and its reloads check without the shadowing analysis: errors and the other warnings
/// stay, the "can never match" warnings (the costly pass) go.
@Test func shadowingAnalysisCanBeLeftOut() {
    let (syntax, _) = Parser.parse("set unused = { 1 }\naccept tcp\naccept tcp to any port 22\naccept udp to any port 99-1\naccept icmp to any port 22", file: "c.rules")
    let statements = syntax.statements.map { LocatedStatement(file: "c.rules", statement: $0) }
    let full = Checker.check(statements).diagnostics.map(\.description)
    let quick = Checker.check(statements, shadowing: false).diagnostics.map(\.description)
    #expect(full.contains { $0.hasPrefix("c.rules:3:1: warning:") })
    #expect(quick == full.filter { !$0.hasPrefix("c.rules:3:1:") })
    #expect(quick.contains { $0.contains("error") })
    #expect(quick.contains { $0.contains("unused") })
}

/// IGMPv2 and v3 carry the router alert option (RFC 2236 §2, RFC 3376 §4).
@Test func acceptingIGMPWithoutRouterAlertWarns() {
    #expect(check("accept tcp\naccept igmp from 10.1.0.0/24\naccept igmp") == [
        "c.rules:2:1: warning: igmp is accepted but the router alert option is not: IGMPv2 and v3 carry it "
            + "(RFC 2236 §2, RFC 3376 §4), so only IGMPv1 passes; add 'accept ip-options { router-alert }'",
    ])
    #expect(check("accept ip-options { router-alert }\naccept igmp") == [])
    #expect(check("drop igmp\naccept any") == [])
}
