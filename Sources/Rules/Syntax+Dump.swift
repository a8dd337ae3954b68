// Pretty-printing of the syntax tree, one node a line with its range, for goldens and debugging.

import Wire

extension SourceRange: CustomStringConvertible {
    /// `[LINE:START-END]` on one line, `[LINE:COL-LINE:COL]` across lines; `END` is exclusive.
    public var description: String {
        start.line == end.line
            ? "[\(start.line):\(start.column)-\(end.column)]"
            : "[\(start.line):\(start.column)-\(end.line):\(end.column)]"
    }
}

extension RulesetSyntax: CustomStringConvertible {
    /// The tree, one statement (and under a rule, one clause) a line, each with its range.
    public var description: String {
        statements.map(\.description).joined(separator: "\n")
    }
}

extension StatementSyntax: CustomStringConvertible {
    public var description: String {
        switch self {
        case .policy(let policy):
            return "policy \(policy.range) \(policy.action.value.rawValue) \(policy.action.range)"
        case .log(let log):
            return "log \(log.range) \(log.mode.value.rawValue) \(log.mode.range)"
        case .rule(let rule):
            var lines = ["rule \(rule.range) \(rule.action.value.rawValue) \(rule.action.range)"]
            if let log = rule.log { lines.append("  log \(log)") }
            lines.append("  proto \(rule.proto.proto.map(protocolName) ?? "any") \(rule.proto.range)")
            if let source = rule.source { lines.append("  from \(source)") }
            if let destination = rule.destination { lines.append("  to \(destination)") }
            if let label = rule.label { lines.append("  label \(quoted(label.value)) \(label.range)") }
            return lines.joined(separator: "\n")
        }
    }
}

extension EndpointSyntax: CustomStringConvertible {
    /// `RANGE ADDRESS RANGE [port PORTS RANGE]`.
    public var description: String {
        var text = "\(range) \(address)"
        if let port { text += " \(port)" }
        return text
    }
}

extension AddressSyntax: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .any: "any \(range)"
        case .host(let host): "\(dottedQuad(host)) \(range)"
        case .network(let network, let prefix): "\(dottedQuad(network))/\(prefix) \(range)"
        }
    }
}

extension PortSyntax: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .range(let ports) where ports.lowerBound == ports.upperBound: "port \(ports.lowerBound) \(range)"
        case .range(let ports): "port \(ports.lowerBound)-\(ports.upperBound) \(range)"
        }
    }
}

/// The keyword for a protocol the language names, else its number.
func protocolName(_ proto: IPProtocol) -> String {
    switch proto {
    case .tcp: "tcp"
    case .udp: "udp"
    case .icmp: "icmp"
    default: "\(proto.rawValue)"
    }
}

/// `text` in double quotes with `"` and `\` escaped: the form the lexer reads back.
func quoted(_ text: String) -> String {
    var result = "\""
    for character in text {
        if character == "\"" || character == "\\" { result.append("\\") }
        result.append(character)
    }
    return result + "\""
}
