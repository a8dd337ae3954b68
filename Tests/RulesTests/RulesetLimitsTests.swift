import Testing
@testable import Rules

/// Small limits, so that each can be hit by a small input.
private func limits(
    fileBytes: Int = 1 << 20, totalBytes: Int = 4 << 20, depth: Int = 16, files: Int = 256, listItems: Int = 65_536,
    expanded: Int = 1 << 20, rules: Int = 200_000, errors: Int = 1_000, tokenBytes: Int = 4_096
) -> RulesetLimits {
    RulesetLimits(
        maximumFileBytes: fileBytes, maximumTotalBytes: totalBytes, maximumIncludeDepth: depth, maximumFiles: files,
        maximumListItems: listItems, maximumExpandedItems: expanded, maximumRules: rules,
        maximumErrorsPerFile: errors, maximumTokenBytes: tokenBytes)
}

/// The error lines of loading `path` from `files`.
private func errors(_ path: String, _ files: [String: String], limits: RulesetLimits = .standard) -> [String] {
    switch Program.load(path: path, loader: InMemoryRuleSources(files), limits: limits) {
    case .failure(let error): return ["load failed: \(error.reason)"]
    case .success(let loaded):
        #expect(loaded.program == nil || loaded.diagnostics.allSatisfy { $0.severity == .warning })
        return loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
    }
}

/// `c0.rules` includes `c1.rules`, ... up to `c<depth>.rules`, which holds one rule.
private func chain(_ depth: Int) -> [String: String] {
    var files = ["c\(depth).rules": "accept tcp\n"]
    for level in 0..<depth { files["c\(level).rules"] = "# level \(level)\ninclude \"c\(level + 1).rules\"\n" }
    return files
}

@Test func theStandardLimitsAreTheDocumentedOnes() {
    let standard = RulesetLimits.standard
    #expect(standard.maximumFileBytes == 16 << 20)
    #expect(standard.maximumTotalBytes == 64 << 20)
    #expect(standard.maximumIncludeDepth == 16)
    #expect(standard.maximumFiles == 256)
    #expect(standard.maximumListItems == 65_536)
    #expect(standard.maximumExpandedItems == 1 << 20)
    #expect(standard.maximumRules == 200_000)
    #expect(standard.maximumErrorsPerFile == 1_000)
    #expect(standard.maximumTokenBytes == 4_096)
}

@Test func anIncludeChainAtTheDepthLimitLoads() {
    #expect(errors("c0.rules", chain(16)) == [])
}

@Test func anIncludeChainOneDeeperIsAnErrorAtTheIncludeThatCrossesTheLimit() {
    #expect(errors("c0.rules", chain(17)) == ["c16.rules:2:1: error: includes nested more than 16 deep"])
}

/// 3,000 deep crashed the recursive loader with a stack overflow.
@Test func aChainOfTenThousandIncludesIsOneErrorNotACrash() {
    #expect(errors("c0.rules", chain(10_000)) == ["c16.rules:2:1: error: includes nested more than 16 deep"])
}

@Test func aFileIncludedTwiceIsAnErrorNamingTheFirstInclude() {
    let files = [
        "top.rules": "include \"a.rules\"\ninclude \"b.rules\"\n",
        "a.rules": "include \"common.rules\"\n",
        "b.rules": "accept udp\ninclude \"common.rules\"\n",
        "common.rules": "accept tcp\n",
    ]
    #expect(errors("top.rules", files) == [
        "b.rules:2:1: error: common.rules is already included at a.rules:1:1; a ruleset reads each file once",
    ])
}

/// Forty files each including the next twice would be 2^40 reads; the second include of each is
/// refused, so 41 files are read and the errors are one per file.
@Test func aDiamondOfIncludesReadsEachFileOnce() {
    var files = ["m40.rules": "accept udp\n"]
    for level in 0..<40 {
        files["m\(level).rules"] = "include \"m\(level + 1).rules\"\ninclude \"m\(level + 1).rules\"\n"
    }
    let found = errors("m0.rules", files, limits: limits(depth: 64))
    #expect(found.count == 40)
    #expect(found.first == "m0.rules:2:1: error: m1.rules is already included at m0.rules:1:1; a ruleset reads each file once")
    guard case .success(let loaded) = Program.load(path: "m0.rules", loader: InMemoryRuleSources(files), limits: limits(depth: 64)) else { return }
    #expect(loaded.files.count == 41)
}

@Test func moreFilesThanTheLimitIsAnErrorAtTheIncludeOverIt() {
    var files = ["top.rules": (1...5).map { "include \"f\($0).rules\"" }.joined(separator: "\n")]
    for index in 1...5 { files["f\(index).rules"] = "accept tcp to any port \(index)\n" }
    #expect(errors("top.rules", files, limits: limits(files: 4)) == ["top.rules:4:1: error: more than 4 files in one ruleset"])
}

@Test func anIncludedFileOverTheSizeLimitIsAnErrorAtItsInclude() {
    let files = ["top.rules": "accept udp\ninclude \"big.rules\"\n", "big.rules": String(repeating: "\n", count: 1_025)]
    #expect(errors("top.rules", files, limits: limits(fileBytes: 1_024)) == [
        "top.rules:2:1: error: big.rules is larger than 1 KiB",
    ])
}

@Test func aTopLevelFileOverTheSizeLimitFailsToLoad() {
    let files = ["big.rules": String(repeating: "\n", count: 1_025)]
    #expect(errors("big.rules", files, limits: limits(fileBytes: 1_024)) == ["load failed: larger than 1 KiB"])
}

@Test func filesOverTheTotalSizeLimitAreAnErrorAtTheIncludeThatCrossesIt() {
    let text = "accept tcp\n" + String(repeating: "#\n", count: 400)
    let files = ["top.rules": "include \"a.rules\"\ninclude \"b.rules\"\ninclude \"c.rules\"\n", "a.rules": text, "b.rules": text, "c.rules": text]
    #expect(errors("top.rules", files, limits: limits(totalBytes: 2_048)) == [
        "top.rules:3:1: error: the ruleset's files together are larger than 2 KiB",
    ])
}

/// 1.5 KB of sets doubling each other reached 7.3 GB before.
@Test func setsThatDoubleEachOtherStopAtTheListLimit() {
    var lines = ["set s0 = { 10.0.0.1 }"]
    for index in 1..<60 { lines.append("set s\(index) = { $s\(index - 1), $s\(index - 1) }") }
    lines.append("accept tcp from $s59")
    let found = errors("sets.rules", ["sets.rules": lines.joined(separator: "\n")])
    #expect(found == ["sets.rules:18:19: error: list expands to more than 65536 items"])
}

@Test func aLiteralListOverTheListLimitIsAnError() {
    let found = errors("l.rules", ["l.rules": "accept tcp to any port { 1, 2, 3, 4, 5 }"], limits: limits(listItems: 4))
    #expect(found == ["l.rules:1:24: error: list expands to more than 4 items"])
}

@Test func expansionsOverTheTotalLimitAreOneErrorAtTheUseThatCrossesIt() {
    let text = "set ports = { 1, 2, 3, 4 }\n" + (1...5).map { "accept tcp from 10.0.0.\($0) to any port $ports" }.joined(separator: "\n")
    #expect(errors("e.rules", ["e.rules": text], limits: limits(expanded: 13)) == [
        "e.rules:5:38: error: the ruleset's lists expand to more than 13 items in all",
    ])
}

@Test func moreRulesThanTheLimitIsAnErrorAtTheFirstRuleOverIt() {
    let text = "policy drop\n" + (1...6).map { "accept tcp to any port \($0)" }.joined(separator: "\n")
    #expect(errors("r.rules", ["r.rules": text], limits: limits(rules: 5)) == ["r.rules:7:1: error: more than 5 rules in one ruleset"])
}

@Test func aTokenOverTheLengthLimitIsAnError() {
    let label = String(repeating: "x", count: 5_000)
    #expect(errors("t.rules", ["t.rules": "accept tcp label \"\(label)\""]) == ["t.rules:1:18: error: word or string longer than 4 KiB"])
}

@Test func errorsStopAtThePerFileLimitWithOneMore() {
    let text = String(repeating: "bogus\n", count: 50)
    let found = errors("x.rules", ["x.rules": text], limits: limits(errors: 10))
    #expect(found.count == 11)
    #expect(found.last == "x.rules:11:1: error: more than 10 errors in this file; no more are reported")
}

/// The parser holds one statement's tokens, not the file's: 300,000 blank lines and a rule
/// load (1.77 GB for 10 MB of blank lines before: an array of every token).
@Test func manyBlankLinesLoad() {
    let text = String(repeating: "\n", count: 300_000) + "accept tcp\n"
    let loaded = Program.load(source: text, file: "blank.rules")
    #expect(loaded.diagnostics == [])
    #expect(loaded.program?.rules.first?.location.line == 300_001)
}

/// Past its work budget the shadowing analysis stops comparing, says so once, and still finds
/// duplicates; before the budget it is exact.
@Test func shadowingPastItsBudgetSaysSoAndStillFindsDuplicates() {
    let text = """
        accept tcp to any port 1-1000
        drop tcp to any port 1001-65535
        accept tcp to any port 22-2000
        accept udp to any port 53
        accept udp to any port 54
        accept udp to any port 54
        accept tcp to any port 22-2000
        """
    let statements = Parser.parse(text, file: "s.rules").0.statements.map { LocatedStatement(file: "s.rules", statement: $0) }
    let checked = Checker.check(statements, shadowing: false)
    let full = Shadowing.analyze(checked.rules).map(\.description)
    #expect(full.count == 3)
    #expect(full.first == "s.rules:3:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first")
    let bounded = Shadowing.analyze(checked.rules, workBudget: 5).map(\.description)
    #expect(bounded == [
        "s.rules:3:1: warning: rule can never match: the rules on lines 1 and 2 together match all of its packets first",
        "s.rules:4:1: warning: this rule and the 3 after it are not checked for being hidden by earlier rules: the analysis stops after 5 rule comparisons (duplicates and rules after a catch-all are still found)",
        "s.rules:6:1: warning: rule duplicates the rule on line 5; it can never match",
        "s.rules:7:1: warning: rule duplicates the rule on line 3; it can never match",
    ])
}

@Test func checkerErrorsAndWarningsStopAtThePerFileLimitWithOneMore() {
    let ports = (1...6).map { "\(70_000 + $0)" }.joined(separator: ", ")
    let networks = (1...6).map { "10.0.0.\($0)/24" }.joined(separator: ", ")
    let text = "accept tcp to any port { \(ports) }\naccept tcp from { \(networks) }\n"
    guard case .success(let loaded) = Program.load(path: "c.rules", loader: InMemoryRuleSources(["c.rules": text]), limits: limits(errors: 4)) else { return }
    let messages = loaded.diagnostics.map(\.message)
    #expect(messages.filter { $0.severity == .error }.count == 5)
    #expect(messages.filter { $0.severity == .warning }.count == 5)
    #expect(messages.contains(.tooManyErrors(limit: 4)) && messages.contains(.tooManyWarnings(limit: 4)))
}

/// The self-test's reference evaluator costs a scan of the rules per probe: the probes are
/// fewer as the rules are more, so the check's work stays within its budget.
@Test func theSelfTestKeepsWithinItsWorkBudget() {
    func program(_ count: Int) -> Program {
        let rules = (0..<count).map { index in
            var match = RuleMatch()
            match[.proto] = ValueSet(17)
            match[.destinationPort] = ValueSet(UInt128(index % 65_536))
            return Rule(action: .accept, match: match, location: SourceLocation(file: "big", line: index + 1, column: 1))
        }
        return Program(policy: .drop, rules: rules)
    }
    let small = program(100).selfCheck()
    #expect(small.passed && small.probes == 2 * 100 + 256)
    let large = program(100_000).selfCheck()
    #expect(large.passed)
    #expect(large.probes * 100_000 <= Program.referenceWorkBudget + 2 * 100_000)
    #expect(large.probes >= Program.minimumProbes)
}
