import Testing
@testable import Rules
import TestSupport

private func warnings(_ source: String) -> [String] {
    let (program, diagnostics) = Program.load(source: source, file: "s.rules")
    #expect(program != nil, "\(diagnostics)")
    return diagnostics.map(\.description)
}

@Test func unionOfEarlierRulesShadowsExactly() {
    // Neither earlier rule covers line 3 alone; together (ports 1-1000 and 1001-65535) they do.
    #expect(warnings("""
        accept tcp to 10.0.0.0/8 port 1-1000
        drop tcp to 10.0.0.0/8 port 1001-65535
        accept tcp to 10.1.0.0/16 port 22-2000
        accept tcp to 10.1.0.0/16
        """) == [
        "s.rules:3:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first",
    ])
}

@Test func negationsAndSetsAreAnalysedBySemanticsNotText() {
    #expect(warnings("""
        set low = { 0-1023 }
        accept udp to any port $low
        accept udp to any port !$low
        accept udp to any port { 53, 8053 }
        accept udp
        """) == [
        "s.rules:4:1: warning: rule can never match: the rules on lines 2 and 3 together match all of its packets first",
    ])
}

@Test func flagsStatesAndTypesPartitionTheirSpace() {
    #expect(warnings("""
        accept tcp flags S/S
        accept tcp flags A/SA
        accept tcp flags A/A
        accept icmp type { echo-request, echo-reply } state { new, established, related }
        accept icmp type 0 state invalid
        accept icmp type echo-reply state !new
        accept icmp type echo-reply
        """) == [
        "s.rules:3:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first",
        "s.rules:6:1: warning: rule can never match: the rules on lines 4 and 5 together match all of its packets first",
    ])
}

@Test func duplicateCatchAllAndEmptyRules() {
    #expect(warnings("""
        accept tcp to 10.0.0.1 port 22
        accept tcp to 10.0.0.1/32 port { 22 }
        drop tcp to any port !0-65535
        drop any
        accept udp
        """) == [
        "s.rules:2:1: warning: rule duplicates the rule on line 1; it can never match",
        "s.rules:3:1: warning: rule can never match: its own conditions exclude every packet",
        "s.rules:5:1: warning: rule can never match: the catch-all rule on line 4 matches every packet first",
    ])
}

@Test func aStateRuleDoesNotCoverPacketsWithoutState() {
    // Packets without conntrack information match no `state` rule, so line 3 still matches them.
    #expect(warnings("accept tcp state { new, established, related, invalid }\naccept tcp state !new\naccept tcp") == [
        "s.rules:2:1: warning: rule can never match: the rule on line 1 matches all of its packets first",
    ])
}

@Test func interfacesAreCoveredByNameAndNegation() {
    #expect(warnings("accept any in eth0\naccept any in !eth0\naccept udp in eth1\naccept udp out eth1") == [
        "s.rules:3:1: warning: rule can never match: the rule on line 2 matches all of its packets first",
        "s.rules:4:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first",
    ])
}

@Test func unusedSetsAndReversedRangesWarn() {
    #expect(warnings("set spare = { 10.0.0.1 }\nset p = { 2000-1000 }\naccept tcp to any port $p") == [
        "s.rules:1:5: warning: set $spare is never used",
        "s.rules:2:11: warning: range 2000-1000 is reversed; read as 1000-2000",
    ])
}

@Test func subtractingBoxesLeavesDisjointPieces() {
    let full = Field.allCases.map { ValueSet([$0.domain]) }
    var hole = full
    hole[Field.destinationPort.rawValue] = ValueSet(22)
    hole[Field.proto.rawValue] = ValueSet(6)
    let pieces = Shadowing.subtract(hole, from: full)
    #expect(pieces.count == 2)
    #expect(pieces[0][Field.proto.rawValue] == ValueSet([0...5, 7...255]))
    #expect(pieces[1][Field.proto.rawValue] == ValueSet(6))
    #expect(pieces[1][Field.destinationPort.rawValue] == ValueSet([0...21, 23...65536]))
}

/// The witness shortcut (a packet of the rule that no earlier rule matches proves it can
/// match) only ever skips work: on random, heavily overlapping rulesets the warnings are the
/// same with and without it, and the rulesets do produce shadowing warnings.
@Test func quickDisproofChangesNoWarning() {
    let generator = RulesetGenerator(rng: SplitMix(state: 99))
    var unreachable = 0
    for _ in 0..<300 {
        let text = generator.ruleset(count: Int.random(in: 2...30, using: &generator.rng))
        let (syntax, _) = Parser.parse(text, file: "random.rules")
        let rules = Checker.check(syntax.statements.map { LocatedStatement(file: "random.rules", statement: $0) }, shadowing: false).rules
        let quick = Shadowing.analyze(rules)
        #expect(quick == Shadowing.analyze(rules, quickDisproof: false), "\(text)")
        unreachable += quick.filter { $0.description.contains("never match: the rule") }.count
    }
    #expect(unreachable > 20)
}
