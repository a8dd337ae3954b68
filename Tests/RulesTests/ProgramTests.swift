import Testing
import Wire
@testable import Rules

private func packet(
    _ proto: IPProtocol, _ source: IPv4Address, _ destination: IPv4Address,
    _ sourcePort: UInt16? = nil, _ destinationPort: UInt16? = nil
) -> PacketFields {
    PacketFields(proto: proto, source: source, destination: destination, sourcePort: sourcePort, destinationPort: destinationPort)
}

private func load(_ source: String) -> Program {
    let (program, diagnostics) = Program.load(source: source, file: "p.rules")
    #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics)")
    return program ?? Program(rules: [])
}

private let client = IPv4Address(10, 1, 0, 9)
private let server = IPv4Address(10, 2, 0, 2)

@Test func firstMatchWins() {
    let program = load("""
        drop tcp to any port 22 label "no ssh"
        accept tcp to 10.2.0.0/16
        drop any
        """)
    #expect(program.evaluate(packet(.tcp, client, server, 40000, 22)) == Decision(action: .drop, ruleIndex: 0))
    #expect(program.evaluate(packet(.tcp, client, server, 40000, 443)) == Decision(action: .accept, ruleIndex: 1))
    #expect(program.evaluate(packet(.udp, client, server, 40000, 443)) == Decision(action: .drop, ruleIndex: 2))
}

@Test func policyDecidesWhenNothingMatches() {
    let dropping = load("accept udp to any port 53")
    #expect(dropping.evaluate(packet(.tcp, client, server, 1, 53)) == Decision(action: .drop, ruleIndex: nil))
    let accepting = load("policy accept\ndrop icmp")
    #expect(accepting.evaluate(packet(.udp, client, server, 1, 53)) == Decision(action: .accept, ruleIndex: nil))
    #expect(accepting.evaluate(packet(.icmp, client, server)) == Decision(action: .drop, ruleIndex: 0))
}

@Test func emptyProgramIsDefaultDeny() {
    let program = load("")
    #expect(program.policy == .drop)
    #expect(program.logMode == .drops)
    #expect(program.evaluate(packet(.tcp, client, server, 1, 2)) == Decision(action: .drop, ruleIndex: nil))
}

@Test(arguments: [
    (UInt16(1023), false), (1024, true), (30000, true), (65535, true),
])
func sourcePortRangeBounds(port: UInt16, matches: Bool) {
    let program = load("accept tcp from any port 1024-65535 to any port 22")
    #expect(program.evaluate(packet(.tcp, client, server, port, 22)).ruleIndex == (matches ? 0 : nil))
}

@Test func portRulesNeverMatchPacketsWithoutPorts() {
    let program = load("accept tcp to any port 0-65535\naccept udp from any port 0-65535")
    // A packet that somehow lacks ports (the fields say nil) is not taken for port 0.
    #expect(program.evaluate(packet(.tcp, client, server, nil, nil)).ruleIndex == nil)
    #expect(program.evaluate(packet(.udp, client, server, nil, nil)).ruleIndex == nil)
    #expect(program.evaluate(packet(.tcp, client, server, 5, 0)).ruleIndex == 0)
    #expect(program.evaluate(packet(.udp, client, server, 0, 5)).ruleIndex == 1)
}

@Test func protocolAnyWithoutPortsMatchesICMP() {
    let program = load("accept any from 10.9.0.0/16")
    #expect(program.evaluate(packet(.icmp, IPv4Address(10, 9, 3, 3), server)).ruleIndex == 0)
    #expect(program.evaluate(packet(IPProtocol(rawValue: 47), IPv4Address(10, 9, 3, 3), server)).ruleIndex == 0)
    #expect(program.evaluate(packet(.icmp, IPv4Address(10, 10, 0, 0), server)).ruleIndex == nil)
}

@Test func cidrEdgeCases() {
    let program = load("""
        accept tcp to 10.2.0.2/32
        accept tcp from 0.0.0.0/0 to 192.168.0.0/16
        accept udp to 255.255.255.255
        """)
    #expect(program.evaluate(packet(.tcp, client, server, 1, 1)).ruleIndex == 0)
    #expect(program.evaluate(packet(.tcp, client, IPv4Address(10, 2, 0, 3), 1, 1)).ruleIndex == nil)
    #expect(program.evaluate(packet(.tcp, IPv4Address(255, 255, 255, 255), IPv4Address(192, 168, 255, 255), 1, 1)).ruleIndex == 1)
    #expect(program.evaluate(packet(.tcp, IPv4Address(0, 0, 0, 0), IPv4Address(192, 169, 0, 0), 1, 1)).ruleIndex == nil)
    #expect(program.evaluate(packet(.udp, client, IPv4Address(255, 255, 255, 255), 1, 1)).ruleIndex == 2)
}

@Test func loadFailsOnAnyErrorAndKeepsWarnings() {
    let failed = Program.load(source: "accept tcp to 10.0.0.5/24\naccept icmp to any port 1", file: "p.rules")
    #expect(failed.program == nil)
    #expect(failed.diagnostics.map(\.severity) == [.warning, .error])

    let warned = Program.load(source: "accept tcp to 10.0.0.5/24", file: "p.rules")
    #expect(warned.program?.rules.count == 1)
    #expect(warned.diagnostics.map(\.description) == ["p.rules:1:15: warning: 10.0.0.5/24 has host bits set; it means 10.0.0.0/24"])
}

@Test func loadMergesParserAndCheckerDiagnosticsInSourceOrder() {
    let source = """
        policy drop
        accept icmp to any port 7
        accept tcp frm any
        policy accept
        accept any
        drop udp
        """
    let (program, diagnostics) = Program.load(source: source, file: "p.rules")
    #expect(program == nil)
    #expect(diagnostics.map(\.description) == [
        "p.rules:2:20: error: port needs tcp, udp or sctp",
        "p.rules:3:12: error: unknown keyword 'frm'; did you mean 'from'?",
        "p.rules:4:1: error: duplicate 'policy' directive (first given on line 1)",
        "p.rules:6:1: warning: rule can never match: the catch-all rule on line 5 matches every packet first",
    ])
}

@Test func ruleForDecisionNamesFileLineAndLabel() {
    let program = load("policy drop\n\ndrop log tcp to any port 23 label \"telnet\"")
    let decision = program.evaluate(packet(.tcp, client, server, 50000, 23))
    let rule = program.rule(for: decision)
    #expect(rule?.label == "telnet")
    #expect(rule?.log == true)
    #expect(rule?.location == SourceLocation(file: "p.rules", line: 3, column: 1))
    #expect(program.rule(for: Decision(action: .drop, ruleIndex: nil)) == nil)
    #expect(program.rule(for: Decision(action: .drop, ruleIndex: 7)) == nil)
}
