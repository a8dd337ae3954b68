import Wire

/// The fields of a decoded packet that rules match on.
public struct PacketFields: Equatable, Sendable {
    public var proto: IPProtocol
    public var source: IPv4Address
    public var destination: IPv4Address
    /// `nil` for a protocol without ports (ICMP); a port rule never matches such a packet.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(
        proto: IPProtocol, source: IPv4Address, destination: IPv4Address,
        sourcePort: UInt16?, destinationPort: UInt16?
    ) {
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }
}

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
    /// The rules in source order; `Decision.ruleIndex` indexes this array.
    public let rules: [Rule]
    /// The match fields and action alone, as plain values, so evaluation touches no reference
    /// counts (a `Rule` holds a `String`).
    private let matchers: [Matcher]

    public init(policy: Action = .drop, logMode: LogMode = .drops, rules: [Rule]) {
        self.policy = policy
        self.logMode = logMode
        self.rules = rules
        matchers = rules.map(Matcher.init)
    }

    /// The first rule that matches `packet` decides; when none does, the policy does.
    /// Allocates nothing. This is the single entry point, so that the linear scan here can be
    /// replaced by a per-field index without changing callers.
    public func evaluate(_ packet: PacketFields) -> Decision {
        for index in matchers.indices where matchers[index].matches(packet) {
            return Decision(action: matchers[index].action, ruleIndex: index)
        }
        return Decision(action: policy, ruleIndex: nil)
    }

    /// The rule that made `decision`, or nil when the policy did (or the index is not ours).
    public func rule(for decision: Decision) -> Rule? {
        guard let index = decision.ruleIndex, rules.indices.contains(index) else { return nil }
        return rules[index]
    }

    /// Parse, check and compile. `program` is nil when any diagnostic is an error; the
    /// diagnostics (errors and warnings) come sorted by line and column.
    public static func load(source: String, file: String) -> (program: Program?, diagnostics: [Diagnostic]) {
        let (syntax, parseDiagnostics) = Parser.parse(source, file: file)
        let diagnostics = Diagnostic.sorted(parseDiagnostics + Checker.check(syntax))
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return (nil, diagnostics) }
        return (Compiler.compile(syntax), diagnostics)
    }
}

/// One rule's match as masks and bounds; an absent port constraint is the full 0...65535
/// range plus `needs…Port == false`.
private struct Matcher {
    var action: Action
    var anyProtocol: Bool
    var proto: UInt8
    var sourceNetwork: UInt32
    var sourceMask: UInt32
    var destinationNetwork: UInt32
    var destinationMask: UInt32
    var needsSourcePort: Bool
    var sourcePorts: ClosedRange<UInt16>
    var needsDestinationPort: Bool
    var destinationPorts: ClosedRange<UInt16>

    init(_ rule: Rule) {
        action = rule.action
        anyProtocol = rule.proto == nil
        proto = rule.proto?.rawValue ?? 0
        sourceNetwork = rule.source.network.rawValue
        sourceMask = rule.source.mask
        destinationNetwork = rule.destination.network.rawValue
        destinationMask = rule.destination.mask
        needsSourcePort = rule.sourcePorts != nil
        sourcePorts = rule.sourcePorts ?? 0...UInt16.max
        needsDestinationPort = rule.destinationPorts != nil
        destinationPorts = rule.destinationPorts ?? 0...UInt16.max
    }

    /// Whether `packet` has this rule's protocol, addresses and (when it asks for them) ports.
    func matches(_ packet: PacketFields) -> Bool {
        guard anyProtocol || packet.proto.rawValue == proto,
              packet.source.rawValue & sourceMask == sourceNetwork,
              packet.destination.rawValue & destinationMask == destinationNetwork
        else { return false }
        if needsSourcePort {
            guard let port = packet.sourcePort, sourcePorts.contains(port) else { return false }
        }
        if needsDestinationPort {
            guard let port = packet.destinationPort, destinationPorts.contains(port) else { return false }
        }
        return true
    }
}
