import Testing
import Wire
@testable import Rules

@Test func explainNamesTheDecidingRuleAndNearMisses() throws {
    let source = """
        set admins = { 10.1.0.0/24 }
        accept tcp from $admins to any port 22 flags S/SA label "admin ssh"
        drop udp
        accept tcp to 10.2.0.2 port 443
        """
    let program = try #require(Program.load(source: source, file: "x.rules").program)
    let packet = try PacketDescription.parse("tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S").get()
    let explanation = program.explain(packet)
    #expect(explanation.decision == Decision(action: .accept, ruleIndex: 2))
    #expect(explanation.nearMisses.map(\.rule) == [0, 1])
    #expect(explanation.nearMisses.map(\.failed) == [[.destinationPort], [.proto]])
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let text = program.render(explanation, packet: packet) { String(lines[$0.line - 1]) }
    #expect(text == """
        accept: rule x.rules:4
            accept tcp to 10.2.0.2 port 443
          it matches on protocol (tcp), destination address (10.2.0.2), destination port (443)
          first match wins: 2 earlier rules did not match
        passed over, but close:
          x.rules:2 "admin ssh"
            accept tcp from $admins to any port 22 flags S/SA label "admin ssh"
            no match on destination port (packet has 443)
          x.rules:3
            drop udp
            no match on protocol (packet has tcp)
        """)
}

@Test func policyDecisionExplained() throws {
    let program = try #require(Program.load(source: "accept udp to any port 53", file: "x.rules").program)
    let packet = try PacketDescription.parse("udp 1.2.3.4:5 -> 5.6.7.8:54").get()
    #expect(program.render(program.explain(packet), packet: packet) { _ in nil }.hasPrefix("drop: policy (no rule matches)\npassed over, but close:\n  x.rules:1\n    no match on destination port (packet has 54)"))
}
