import Testing
import Wire
@testable import Rules

@Test func statementRangeIsItsNodesRange() {
    let (syntax, _) = Parser.parse("policy drop\nlog all\naccept icmp\n", file: "f")
    #expect(syntax.statements.map(\.range.start.line) == [1, 2, 3])
    #expect(syntax.statements.map(\.range.end.column) == [12, 8, 12])
    #expect(syntax.file == "f")
}

@Test func networkKeepsHostBitsAsWritten() {
    let (syntax, _) = Parser.parse("accept any to 10.0.0.5/24", file: "f")
    guard case .rule(let rule) = syntax.statements.first else {
        Issue.record("expected a rule")
        return
    }
    #expect(rule.destination?.address.items.map(\.kind) == [.network(IPv4Address(10, 0, 0, 5), prefix: 24)])
}
