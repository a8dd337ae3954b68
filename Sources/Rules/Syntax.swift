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
/// hold what the checker rejects (a second `policy`, `port` on `icmp`). Every node carries
/// its source range so that any message can point at `file:line:column`.
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

    public var range: SourceRange {
        switch self {
        case .policy(let policy): policy.range
        case .log(let log): log.range
        case .rule(let rule): rule.range
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

/// `log drops|all|none`: which decisions are logged.
public struct LogDirectiveSyntax: Equatable, Sendable {
    public var mode: Located<LogMode>
    public var range: SourceRange

    public init(mode: Located<LogMode>, range: SourceRange) {
        self.mode = mode
        self.range = range
    }
}

/// `(accept|drop) [log] PROTO [from ADDR [port PORTS]] [to ADDR [port PORTS]] [label "TEXT"]`.
public struct RuleSyntax: Equatable, Sendable {
    public var action: Located<Action>
    /// The range of the `log` word, when the rule has one.
    public var log: SourceRange?
    public var proto: ProtocolSyntax
    public var source: EndpointSyntax?
    public var destination: EndpointSyntax?
    public var label: Located<String>?
    public var range: SourceRange

    public init(
        action: Located<Action>, log: SourceRange?, proto: ProtocolSyntax,
        source: EndpointSyntax?, destination: EndpointSyntax?, label: Located<String>?,
        range: SourceRange
    ) {
        self.action = action
        self.log = log
        self.proto = proto
        self.source = source
        self.destination = destination
        self.label = label
        self.range = range
    }
}

/// `tcp`, `udp`, `icmp` or `any` (`proto == nil`).
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
    public var address: AddressSyntax
    public var port: PortSyntax?
    public var range: SourceRange

    public init(address: AddressSyntax, port: PortSyntax?, range: SourceRange) {
        self.address = address
        self.port = port
        self.range = range
    }
}

/// An address as written. Later versions add `$name` and `{ … }` lists as new kinds.
public struct AddressSyntax: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case any
        case host(IPv4Address)
        /// As written: host bits may be set (the checker warns, the compiler clears them).
        case network(IPv4Address, prefix: UInt8)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// `port N` or `port N-M`; the range starts at the `port` word. Later versions add lists.
public struct PortSyntax: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Always ordered: the parser rejects a reversed range.
        case range(ClosedRange<UInt16>)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}
