import Wire

/// What to do with one packet, and who decided.
public struct Decision: Equatable, Sendable {
    public var action: Action
    /// The index in `Program.rules` of the rule that matched; `nil` when the policy decided.
    public var ruleIndex: Int?

    public init(action: Action, ruleIndex: Int?) {
        self.action = action
        self.ruleIndex = ruleIndex
    }
}

/// A compiled ruleset: immutable, `Sendable`, and ready to judge packets.
public struct Program: Sendable {
    /// What meets a packet that no rule matches.
    public let policy: Action
    public let logMode: LogMode
    /// The most verdict lines the log takes (`log ... limit`); `nil` for `limit none`.
    public let logLimit: LogLimit?
    /// What the ruleset allows the decoder to pass (`accept fragments`, `accept ip-options`).
    public let decodeOptions: DecodeOptions
    /// The rules in source order; `Decision.ruleIndex` indexes this array.
    public let rules: [Rule]
    /// `inspect dns` and the DNS lists the rules refer to.
    public let dns: DNSRules

    /// Whether any rule matches `state` (the queue must then ask for conntrack state).
    public var matchesState: Bool {
        rules.contains { $0.match[.state] != nil }
    }
    let index: RuleIndex
    /// With rules that have DNS list conditions: the position in `rules` of each rule the index
    /// holds (the others), and the positions of those with list conditions, in order.
    let indexedPositions: [Int]?
    let listRulePositions: [Int]

    public init(
        policy: Action = .drop, logMode: LogMode = .drops, logLimit: LogLimit? = .default,
        decodeOptions: DecodeOptions = DecodeOptions(), rules: [Rule], dns: DNSRules = DNSRules()
    ) {
        self.policy = policy
        self.logMode = logMode
        self.logLimit = logLimit
        self.decodeOptions = decodeOptions
        self.rules = rules
        self.dns = dns
        let listRules = rules.indices.filter { rules[$0].match.hasDNSLists }
        listRulePositions = listRules
        if listRules.isEmpty {
            indexedPositions = nil
            index = RuleIndex(rules)
        } else {
            let indexed = rules.indices.filter { !rules[$0].match.hasDNSLists }
            indexedPositions = indexed
            index = RuleIndex(indexed.map { rules[$0] })
        }
    }

    /// The first rule that matches `packet` decides; when none does, the policy does.
    /// Uses the compiled index (`RuleIndex`): the cost does not grow with the number of rules
    /// the way a scan does, and nothing is allocated.
    /// Rules with a DNS list condition (`dns-name`, `dns-response-ip`) are not in the index:
    /// those before the index's first match are tried in order (their lists were looked up
    /// once per packet, in `describeDNS`), so each costs a few bit tests.
    public func evaluate(_ packet: PacketFields) -> Decision {
        var best = index.firstMatch(packet).map { indexedPositions?[$0] ?? $0 } ?? Int.max
        for position in listRulePositions {
            if position >= best { break }
            if rules[position].match.matches(packet) {
                best = position
                break
            }
        }
        guard best != Int.max else { return Decision(action: policy, ruleIndex: nil) }
        return Decision(action: rules[best].action, ruleIndex: best)
    }

    /// The reference meaning of `evaluate`: try each rule in order. Kept for the differential
    /// test and for self-checks; it must always agree with `evaluate`.
    public func evaluateLinearly(_ packet: PacketFields) -> Decision {
        guard let rule = rules.firstIndex(where: { $0.match.matches(packet) }) else {
            return Decision(action: policy, ruleIndex: nil)
        }
        return Decision(action: rules[rule].action, ruleIndex: rule)
    }

    /// How the compiled index holds the rules: the key fields in use, and how many rules
    /// overlapped too heavily to be keyed and sit in the bitset fallback, whose cost grows
    /// with them (see `RuleIndex`). For `check` to tell an operator.
    public var indexShape: (keyFields: [Field], fallbackRules: Int) {
        (index.tables.map(\.field), index.fallbackRuleCount)
    }

    /// The rule that made `decision`, or nil when the policy did (or the index is not ours).
    public func rule(for decision: Decision) -> Rule? {
        guard let index = decision.ruleIndex, rules.indices.contains(index) else { return nil }
        return rules[index]
    }

    /// Parse, check and compile text with no includes of its own (an `include` is reported as
    /// unreadable). `program` is nil when any diagnostic is an error.
    public static func load(source: String, file: String) -> (program: Program?, diagnostics: [Diagnostic]) {
        let result = load(source: source, file: file, loader: InMemoryRuleSources([:]))
        return (result.program, result.diagnostics)
    }

    /// Parse (following includes through `loader`), check and compile. `program` is nil when
    /// any diagnostic is an error; the diagnostics come sorted by file, line and column.
    public static func load(
        source: String, file: String, loader: some RuleSourceLoader, limits: RulesetLimits = .standard
    ) -> LoadedProgram {
        finish(RulesetLoader.load(source: source, file: file, loader: loader, limits: limits), limits: limits, services: loader.services)
    }

    /// Reads `path` through `loader`, then as `load(source:file:loader:)`; fails only when the
    /// top-level file cannot be read.
    /// `shadowing: false` skips the shadowing warnings (see `Checker.check`). Every limit of
    /// `limits` that is hit is an error diagnostic (see `RulesetLimits`).
    public static func load(
        path: String, loader: some RuleSourceLoader, shadowing: Bool = true, limits: RulesetLimits = .standard
    ) -> Result<LoadedProgram, LoadError> {
        RulesetLoader.load(path, loader: loader, limits: limits).map {
            finish($0, shadowing: shadowing, limits: limits, services: loader.services)
        }
    }

    private static func finish(
        _ loaded: LoadedSyntax, shadowing: Bool = true, limits: RulesetLimits, services: ServiceTable
    ) -> LoadedProgram {
        let checked = Checker.check(
            loaded.statements, shadowing: shadowing, limits: limits, services: services, nameLists: loaded.nameLists)
        let diagnostics = Diagnostic.sorted(loaded.diagnostics + checked.diagnostics, fileOrder: loaded.files.map(\.path))
        let failed = diagnostics.contains { $0.severity == .error }
        return LoadedProgram(program: failed ? nil : Compiler.compile(checked), diagnostics: diagnostics, files: loaded.files)
    }
}

/// The outcome of loading a ruleset: the program (nil on errors), every diagnostic, and every
/// file read, top-level first and then in include order (for rendering and hashing).
public struct LoadedProgram: Sendable {
    public var program: Program?
    public var diagnostics: [Diagnostic]
    public var files: [SourceFile]
}
