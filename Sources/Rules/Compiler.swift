/// Turns a syntax tree into an immutable `Program`.
public enum Compiler {
    /// Compiles `syntax` as written; it does not check it, so run `Checker.check` first (as
    /// `Program.load` does). The first `policy` and `log` directives win; absent ones default
    /// to `policy drop` (DESIGN: default deny) and `log drops`. Networks lose their host bits.
    public static func compile(_ syntax: RulesetSyntax) -> Program {
        var policy: Action?
        var logMode: LogMode?
        var rules: [Rule] = []
        for statement in syntax.statements {
            switch statement {
            case .policy(let directive): policy = policy ?? directive.action.value
            case .log(let directive): logMode = logMode ?? directive.mode.value
            case .rule(let rule): rules.append(Self.rule(rule, file: syntax.file))
            }
        }
        return Program(policy: policy ?? .drop, logMode: logMode ?? .drops, rules: rules)
    }

    /// One rule, flattened: `any` is 0.0.0.0/0 and a host is a /32.
    static func rule(_ syntax: RuleSyntax, file: String) -> Rule {
        Rule(
            action: syntax.action.value,
            log: syntax.log != nil,
            proto: syntax.proto.proto,
            source: addressMatch(syntax.source?.address),
            destination: addressMatch(syntax.destination?.address),
            sourcePorts: ports(syntax.source?.port),
            destinationPorts: ports(syntax.destination?.port),
            label: syntax.label?.value,
            location: SourceLocation(file: file, position: syntax.range.start))
    }

    private static func addressMatch(_ address: AddressSyntax?) -> AddressMatch {
        switch address?.kind {
        case nil, .any: .any
        case .host(let host): AddressMatch(network: host, prefix: 32)
        case .network(let network, let prefix): AddressMatch(network: network, prefix: prefix)
        }
    }

    private static func ports(_ port: PortSyntax?) -> ClosedRange<UInt16>? {
        switch port?.kind {
        case nil: nil
        case .range(let range): range
        }
    }
}
