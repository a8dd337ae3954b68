/// Turns checked rules into an immutable `Program`.
public enum Compiler {
    /// Compiles a checked ruleset (see `Checker.check`), errors or not: callers refuse rulesets
    /// with errors first, as `Program.load` does (a rule with an error is already left out).
    public static func compile(_ checked: CheckedRuleset) -> Program {
        Program(policy: checked.policy, logMode: checked.logMode, logLimit: checked.logLimit, decodeOptions: checked.decodeOptions, rules: checked.rules, dns: checked.dns)
    }

    /// Checks and compiles one parsed file whose includes are not expanded.
    public static func compile(_ syntax: RulesetSyntax) -> Program {
        compile(Checker.check(syntax.statements.map { LocatedStatement(file: syntax.file, statement: $0) }))
    }
}
