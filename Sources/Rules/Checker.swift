/// The consistency pass over a parsed ruleset, like pf's `rule_consistent`: what parses but
/// cannot be meant.
public enum Checker {
    /// Errors: a second `policy` or `log` directive, `port` on a protocol other than tcp/udp.
    /// Warnings: a network written with host bits set, a rule that an earlier rule makes
    /// unreachable. Diagnostics come in source order.
    public static func check(_ syntax: RulesetSyntax) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        /// Appends `message` at `position` in this file.
        func report(_ message: Diagnostic.Message, at position: SourcePosition) {
            diagnostics.append(Diagnostic(message, at: SourceLocation(file: syntax.file, position: position)))
        }
        var policyLine: Int?
        var logLine: Int?
        var earlier: [Rule] = []
        for statement in syntax.statements {
            switch statement {
            case .policy(let policy):
                if let policyLine {
                    report(.duplicateDirective(.policy, firstLine: policyLine), at: policy.range.start)
                } else {
                    policyLine = policy.range.start.line
                }
            case .log(let log):
                if let logLine {
                    report(.duplicateDirective(.log, firstLine: logLine), at: log.range.start)
                } else {
                    logLine = log.range.start.line
                }
            case .rule(let syntaxRule):
                for endpoint in [syntaxRule.source, syntaxRule.destination] {
                    guard let endpoint else { continue }
                    if let port = endpoint.port, syntaxRule.proto.proto != .tcp, syntaxRule.proto.proto != .udp {
                        report(.portNeedsTCPOrUDP, at: port.range.start)
                    }
                    if case .network(let address, let prefix) = endpoint.address.kind,
                       address.rawValue & ~AddressMatch.mask(prefix) != 0 {
                        report(.hostBitsSet(address, prefix: prefix), at: endpoint.address.range.start)
                    }
                }
                // Only the first covering rule is named: one reason is enough to act on.
                let rule = Compiler.rule(syntaxRule, file: syntax.file)
                if let covering = earlier.first(where: { $0.covers(rule) }) {
                    report(
                        .unreachableRule(coveredByLine: covering.location.line, catchAll: covering.isCatchAll),
                        at: syntaxRule.range.start)
                }
                earlier.append(rule)
            }
        }
        return Diagnostic.sorted(diagnostics)
    }
}
