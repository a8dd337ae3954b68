import Testing
import Wire
@testable import Rules

@Test func rendersHeaderSourceLineAndCaret() {
    let source = "policy drop\naccept icmp to any port 22\n"
    let diagnostic = Diagnostic(.portNeedsTCPOrUDP, at: SourceLocation(file: "rules/site.rules", line: 2, column: 20))
    #expect(diagnostic.rendered(source: source) == """
        rules/site.rules:2:20: error: port needs tcp, udp or sctp
        accept icmp to any port 22
                           ^
        """)
}

@Test func caretKeepsTabsAndCountsCharactersBeforeTheColumn() {
    // "é" is two bytes, so column 10 is the byte after `"é" `; the caret still lines up.
    let source = "\taccept \"é\" x\r\n"
    let diagnostic = Diagnostic(.unknownKeyword("x"), at: SourceLocation(file: "f", line: 1, column: 14))
    #expect(diagnostic.rendered(source: source) == "f:1:14: error: unknown keyword 'x'\n\taccept \"é\" x\n\t           ^")
}

@Test func caretAtEndOfLineAndOnLastLineWithoutNewline() {
    let source = "a\npolicy"
    let diagnostic = Diagnostic(
        .expected(.policyAction, found: "end of file"), at: SourceLocation(file: "f", line: 2, column: 7))
    #expect(diagnostic.rendered(source: source) == """
        f:2:7: error: expected 'accept' or 'drop' but found end of file
        policy
              ^
        """)
}

@Test func missingLineRendersOnlyTheHeader() {
    let diagnostic = Diagnostic(.unterminatedString, at: SourceLocation(file: "f", line: 9, column: 1))
    #expect(diagnostic.rendered(source: "one line") == "f:9:1: error: unterminated string")
}

@Test func severityFollowsTheMessage() {
    let location = SourceLocation(file: "f", line: 1, column: 1)
    #expect(Diagnostic(.portNeedsTCPOrUDP, at: location).severity == .error)
    #expect(Diagnostic(.hostBitsSet(IPv4Address(10, 0, 0, 5), prefix: 24), at: location).severity == .warning)
    #expect(Diagnostic(.unreachableRule(coveredBy: [RuleReference(line: 1)], catchAll: true), at: location).description
        == "f:1:1: warning: rule can never match: the catch-all rule on line 1 matches every packet first")
}

@Test func loadRendersEveryDiagnosticOfAFile() {
    let source = "policy drop\npolicy accept\naccept icmp to any port 22\n"
    let (program, diagnostics) = Program.load(source: source, file: "s.rules")
    #expect(program == nil)
    #expect(diagnostics.map { $0.rendered(source: source) }.joined(separator: "\n") == """
        s.rules:2:1: error: duplicate 'policy' directive (first given on line 1)
        policy accept
        ^
        s.rules:3:20: error: port needs tcp, udp or sctp
        accept icmp to any port 22
                           ^
        """)
}
