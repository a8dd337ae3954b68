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
            let limit = log.limit.map { " limit \($0.value.limit.map(\.description) ?? "none") \($0.range)" } ?? ""
            return "log \(log.range) \(log.mode.value.rawValue) \(log.mode.range)\(limit)"
        case .set(let set):
            if let file = set.file { return "set \(set.range) \(set.name.value) \(set.name.range) = file \(quoted(file.value)) \(file.range)" }
            return "set \(set.range) \(set.name.value) \(set.name.range) = \(set.items)"
        case .include(let path, let range):
            return "include \(range) \(quoted(path.value)) \(path.range)"
        case .acceptFragments(let range):
            return "accept fragments \(range)"
        case .acceptIPOptions(let list, let range):
            return "accept ip-options \(range) \(list)"
        case .acceptIPv6Headers(let list, let range):
            return "accept ipv6-headers \(range) \(list)"
        case .inspectDNS(let inspect):
            return "inspect dns \(inspect.range)" + (inspect.ports.map { " port \($0)" } ?? "") + (inspect.opcodes.map { " opcode \($0)" } ?? "")
        case .rule(let rule):
            var lines = ["rule \(rule.range) \(rule.action.value.rawValue) \(rule.action.range)"]
            if let log = rule.log { lines.append("  log \(log)") }
            if let family = rule.family { lines.append("  family \(family.value.rawValue) \(family.range)") }
            lines.append("  proto \(rule.proto.proto.map(protocolName) ?? "any") \(rule.proto.range)")
            if let source = rule.source { lines.append("  from \(source)") }
            if let destination = rule.destination { lines.append("  to \(destination)") }
            for option in rule.options { lines.append("  \(option)") }
            if let inner = rule.inner {
                lines.append("  inner \(inner.range) proto \(inner.proto.proto.map(protocolName) ?? "any") \(inner.proto.range)")
                if let source = inner.source { lines.append("    from \(source)") }
                if let destination = inner.destination { lines.append("    to \(destination)") }
            }
            if let label = rule.label { lines.append("  label \(quoted(label.value)) \(label.range)") }
            return lines.joined(separator: "\n")
        }
    }
}

extension EndpointSyntax: CustomStringConvertible {
    /// `RANGE ADDRESS [port PORTS]`.
    public var description: String {
        var text = "\(range) \(address)"
        if let port {
            // The port list's range starts at the `port` word.
            let single = port.negation == nil && port.items.count == 1 && port.items[0].range.end == port.range.end
            text += single ? " port \(port.items[0].text) \(port.range)" : " port \(port)"
        }
        return text
    }
}

extension OptionSyntax: CustomStringConvertible {
    /// `KEYWORD RANGE VALUE`.
    public var description: String {
        switch value {
        case .list(let list): "\(keyword.rawValue) \(range) \(list)"
        case .flags(let bits, let mask): "flags \(range) 0x\(String(bits, radix: 16))/0x\(String(mask, radix: 16))"
        }
    }
}

extension ListSyntax: CustomStringConvertible {
    /// One item as `ITEM RANGE`; otherwise `[!]{ITEM RANGE, ...} RANGE`.
    public var description: String {
        if negation == nil, items.count == 1, items[0].range == range { return items[0].description }
        return (negation == nil ? "" : "!") + "{" + items.map(\.description).joined(separator: ", ") + "} \(range)"
    }
}

extension ItemSyntax: CustomStringConvertible {
    public var description: String { "\(text) \(range)" }

    /// The item as it would be written.
    var text: String {
        switch kind {
        case .any: "any"
        case .host(let host): dottedQuad(host)
        case .network(let network, let prefix): "\(dottedQuad(network))/\(prefix)"
        case .host6(let host): "\(host)"
        case .network6(let network, let prefix): "\(network)/\(prefix)"
        case .range(let low, let high) where low == high: "\(low)"
        case .range(let low, let high): "\(low)-\(high)"
        case .name(let name): name
        case .variable(let name): "$\(name)"
        }
    }
}

/// The keyword for a protocol the language names, else its number.
func protocolName(_ proto: IPProtocol) -> String {
    switch proto {
    case .tcp: "tcp"
    case .udp: "udp"
    case .icmp: "icmp"
    case .icmpv6: "icmp6"
    case .igmp: "igmp"
    case .esp: "esp"
    case .ah: "ah"
    case .vrrp: "vrrp"
    case .sctp: "sctp"
    case .gre: "gre"
    case .ipip: "ipip"
    case .ipv6InIPv4: "ipv6-in-ipv4"
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
