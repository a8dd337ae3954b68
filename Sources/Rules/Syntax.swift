import Wire

/// A point in rule text. `offset` and `column` count UTF-8 bytes; `line` and `column` are 1-based.
public struct SourcePosition: Equatable, Hashable, Sendable {
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }
}

/// A half-open span of rule text: `end` is the position just after the last byte.
public struct SourceRange: Equatable, Hashable, Sendable {
    public var start: SourcePosition
    public var end: SourcePosition

    public init(start: SourcePosition, end: SourcePosition) {
        self.start = start
        self.end = end
    }
}

/// A leaf of the syntax tree: a value and the text it was read from.
public struct Located<Value: Equatable & Sendable>: Equatable, Sendable {
    public var value: Value
    public var range: SourceRange

    public init(_ value: Value, range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// A parsed rules file: its statements in source order, exactly as written.
///
/// The tree holds only statements that parsed without error; it is not yet checked, so it may
/// hold what the checker rejects (a second `policy`, `port` on `icmp`, an undefined `$set`).
/// Every node carries its source range so that any message can point at `file:line:column`.
/// `include` statements are kept as written; `RulesetLoader` expands them.
public struct RulesetSyntax: Equatable, Sendable {
    public var file: String
    public var statements: [StatementSyntax]

    public init(file: String, statements: [StatementSyntax]) {
        self.file = file
        self.statements = statements
    }
}

/// One line of a rules file that says something.
public enum StatementSyntax: Equatable, Sendable {
    case policy(PolicySyntax)
    case log(LogDirectiveSyntax)
    case rule(RuleSyntax)
    /// `set NAME = { ... }`.
    case set(SetSyntax)
    /// `include "FILE"`, relative to the including file.
    case include(Located<String>, range: SourceRange)
    /// `accept fragments`.
    case acceptFragments(range: SourceRange)
    /// `accept ip-options { NAME|NUMBER, ... }`.
    case acceptIPOptions(ListSyntax, range: SourceRange)
    /// `accept ipv6-headers { NAME, ... }` (`hop-by-hop`, `destination-options`, `routing-N`).
    case acceptIPv6Headers(ListSyntax, range: SourceRange)
    /// `inspect dns [port LIST] [opcode LIST]`.
    case inspectDNS(InspectDNSSyntax)

    public var range: SourceRange {
        switch self {
        case .policy(let policy): policy.range
        case .log(let log): log.range
        case .rule(let rule): rule.range
        case .set(let set): set.range
        case .include(_, let range), .acceptFragments(let range), .acceptIPOptions(_, let range),
             .acceptIPv6Headers(_, let range): range
        case .inspectDNS(let inspect): inspect.range
        }
    }
}

/// `policy accept|drop`: what meets a packet that no rule matches.
public struct PolicySyntax: Equatable, Sendable {
    public var action: Located<Action>
    public var range: SourceRange

    public init(action: Located<Action>, range: SourceRange) {
        self.action = action
        self.range = range
    }
}

/// `log drops|all|control|none [limit RATE/UNIT [burst N] | limit none]`: which decisions
/// are logged, and how many lines at most (see `LogLimit`).
public struct LogDirectiveSyntax: Equatable, Sendable {
    public var mode: Located<LogMode>
    /// The `limit` clause, from its keyword on; `nil` when absent (the default limit holds).
    public var limit: Located<LogLimitSetting>?
    public var range: SourceRange

    public init(mode: Located<LogMode>, limit: Located<LogLimitSetting>? = nil, range: SourceRange) {
        self.mode = mode
        self.limit = limit
        self.range = range
    }
}

/// `set NAME = LIST`: a named list of addresses, numbers or names, used as `$NAME`; or
/// `set NAME = file "PATH"`: a list of DNS names read from a file (`NameList`), for
/// `dns-name $NAME`.
public struct SetSyntax: Equatable, Sendable {
    public var name: Located<String>
    public var items: ListSyntax
    /// The path after `file`, as written; `items` is then empty.
    public var file: Located<String>?
    public var range: SourceRange

    public init(name: Located<String>, items: ListSyntax, file: Located<String>? = nil, range: SourceRange) {
        self.name = name
        self.items = items
        self.file = file
        self.range = range
    }
}

/// `inspect dns [port LIST] [opcode LIST]`: UDP to or from those ports (53 by default) is DNS
/// that must decode; `opcode` names opcodes besides QUERY that may pass.
public struct InspectDNSSyntax: Equatable, Sendable {
    /// The list after `port`; its range starts at the `port` word.
    public var ports: ListSyntax?
    /// The list after `opcode`.
    public var opcodes: ListSyntax?
    public var range: SourceRange

    public init(ports: ListSyntax? = nil, opcodes: ListSyntax? = nil, range: SourceRange) {
        self.ports = ports
        self.opcodes = opcodes
        self.range = range
    }
}

/// `(accept|drop) [log] [inet|inet6] PROTO [from ADDR [port PORTS]] [to ADDR [port PORTS]] [OPTION ...]`.
public struct RuleSyntax: Equatable, Sendable {
    public var action: Located<Action>
    /// The range of the `log` word, when the rule has one.
    public var log: SourceRange?
    /// `inet` or `inet6`: the rule matches packets of that family only.
    public var family: Located<AddressFamily>? = nil
    public var proto: ProtocolSyntax
    public var source: EndpointSyntax?
    public var destination: EndpointSyntax?
    /// `in`, `out`, `flags`, `type`, `code`, `state`, `length`, `ttl`, `mark`: each at most once.
    public var options: [OptionSyntax]
    /// `inner PROTO [from ...] [to ...]`: what the packet a tunnel carries must match.
    public var inner: InnerSyntax? = nil
    public var label: Located<String>?
    public var range: SourceRange

    public init(
        action: Located<Action>, log: SourceRange?, proto: ProtocolSyntax,
        source: EndpointSyntax?, destination: EndpointSyntax?, options: [OptionSyntax] = [],
        label: Located<String>?, range: SourceRange
    ) {
        self.action = action
        self.log = log
        self.proto = proto
        self.source = source
        self.destination = destination
        self.options = options
        self.label = label
        self.range = range
    }
}

/// The address family `inet` (IPv4) or `inet6` (IPv6) names.
public enum AddressFamily: String, Equatable, Sendable {
    case inet, inet6
}

/// `tcp`, `udp`, `icmp`, `icmp6` (or `ipv6-icmp`), ... or `any` (`proto == nil`).
public struct ProtocolSyntax: Equatable, Sendable {
    public var proto: IPProtocol?
    public var range: SourceRange

    public init(proto: IPProtocol?, range: SourceRange) {
        self.proto = proto
        self.range = range
    }
}

/// `from ADDR [port PORTS]` or `to ADDR [port PORTS]`; the range starts at `from`/`to`.
public struct EndpointSyntax: Equatable, Sendable {
    public var address: ListSyntax
    /// The list after `port`; its range starts at the `port` word.
    public var port: ListSyntax?
    public var range: SourceRange

    public init(address: ListSyntax, port: ListSyntax?, range: SourceRange) {
        self.address = address
        self.port = port
        self.range = range
    }
}

/// A match option after the endpoints. `range` starts at its keyword.
public struct OptionSyntax: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case list(ListSyntax)
        /// `flags SET/MASK` as TCP flag bits (FIN 0x01 ... CWR 0x80); `MASK` defaults to all eight.
        case flags(set: UInt8, mask: UInt8)
    }

    public var keyword: Keyword
    public var value: Value
    public var range: SourceRange

    public init(keyword: Keyword, value: Value, range: SourceRange) {
        self.keyword = keyword
        self.value = value
        self.range = range
    }
}

/// A value list as written: one item, or `{ item, ... }`, optionally negated with `!`.
///
/// Items are untyped here (an address, a number, a range, a name, a `$set`); the checker
/// decides from where the list is used whether they fit.
public struct ListSyntax: Equatable, Sendable {
    /// Where the `!` is, when the list is negated.
    public var negation: SourceRange?
    public var items: [ItemSyntax]
    public var range: SourceRange

    public init(negation: SourceRange? = nil, items: [ItemSyntax], range: SourceRange) {
        self.negation = negation
        self.items = items
        self.range = range
    }
}

/// One element of a list.
public struct ItemSyntax: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case any
        case host(IPv4Address)
        /// As written: host bits may be set (the checker warns, the compiler clears them).
        case network(IPv4Address, prefix: UInt8)
        case host6(IPv6Address)
        /// As written, like `network`; `prefix` is 0...128.
        case network6(IPv6Address, prefix: UInt8)
        /// A number, or a range `low-high` as written (the checker warns when reversed).
        case range(UInt64, UInt64)
        /// A word: an interface, an ICMP type or code name, a state, an IP option name.
        case name(String)
        /// `$name`, without the dollar.
        case variable(String)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}
