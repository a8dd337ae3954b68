import Wire

/// What a rule, or the policy, does with a packet.
///
/// `reject` is a drop that answers the sender: the kernel's REJECT target sends a TCP RST
/// for TCP and an ICMP port unreachable otherwise (docs/rules.md, "Rules").
public enum Action: String, Sendable {
    case accept, drop, reject
}

/// Which decisions the engine logs.
public enum LogMode: String, Sendable {
    case none, drops, all
    /// Drops, plus every accepted TCP segment with SYN, FIN or RST: connection starts and ends.
    case control
}

/// An IPv4 network to match against: `network` always has its host bits clear.
public struct AddressMatch: Equatable, Hashable, Sendable {
    public let network: IPv4Address
    /// 0...32; 0 matches every address, 32 one host.
    public let prefix: UInt8

    /// Matches every address (`any`, 0.0.0.0/0).
    public static let any = AddressMatch(network: IPv4Address(rawValue: 0), prefix: 0)

    /// Clears the host bits of `network`; a `prefix` above 32 is read as 32.
    public init(network: IPv4Address, prefix: UInt8) {
        let prefix = min(prefix, 32)
        self.prefix = prefix
        self.network = IPv4Address(rawValue: network.rawValue & Self.mask(prefix))
    }

    /// The netmask as a host-order word: /24 is 0xFFFFFF00, /0 is 0.
    public var mask: UInt32 { Self.mask(prefix) }

    public func contains(_ address: IPv4Address) -> Bool {
        address.rawValue & mask == network.rawValue
    }

    /// Whether every address `other` matches, this matches too.
    public func contains(_ other: AddressMatch) -> Bool {
        prefix <= other.prefix && contains(other.network)
    }

    /// The addresses as one closed interval of their keys (`AddressKey`: IPv4 addresses sit
    /// in the IPv4-mapped range of the 128-bit address domain).
    public var interval: ClosedRange<UInt128> {
        AddressKey.key(network)...AddressKey.key(IPv4Address(rawValue: network.rawValue | ~mask))
    }

    static func mask(_ prefix: UInt8) -> UInt32 {
        // A shift by 32 is not a no-op to reason about, so /0 is spelled out.
        prefix == 0 ? 0 : UInt32.max << (32 - UInt32(min(prefix, 32)))
    }
}

/// A packet field a rule can constrain. Every field is read as a number in `domain`, so one
/// representation (`ValueSet`) serves matching, the compiled index and the shadowing analysis.
public enum Field: Int, CaseIterable, Sendable, CustomStringConvertible {
    case proto, source, destination, sourcePort, destinationPort
    case inInterface, outInterface, tcpFlags, icmpType, icmpCode, state, length, ttl, mark
    /// The packet a tunnel carries (`inner PROTO [from ...] [to ...]`): its protocol, addresses
    /// (of either family, keyed as the outer ones: `AddressKey`) and ports. Each has an
    /// "absent" value for a packet that is not tunnelled.
    case innerProto, innerSource, innerDestination, innerSourcePort, innerDestinationPort
    /// The question's type and a response's 12-bit RCODE of a DNS message (`inspect dns`).
    case dnsType, dnsRCode

    /// Every value the field can take, including its "absent" value where it has one: a port
    /// is 65536 on a packet without ports, flags 256 on a packet that is not TCP, ICMP type and
    /// code 256 on one that is not ICMP or ICMPv6, state 4 when the kernel attached none.
    /// Addresses of both families share one 128-bit domain (`AddressKey`). Interfaces are
    /// numbered per ruleset (`InterfaceTable`), 0 being "a name no rule mentions, or none".
    public var domain: ClosedRange<UInt128> {
        switch self {
        case .proto, .ttl: 0...255
        case .source, .destination: 0...UInt128.max
        case .mark: 0...UInt128(UInt32.max)
        case .sourcePort, .destinationPort: 0...Self.noPort
        case .tcpFlags, .icmpType, .icmpCode: 0...256
        case .state: 0...Self.noState
        case .length: 0...Self.maximumLength
        case .inInterface, .outInterface: 0...UInt128(UInt32.max)
        case .innerProto: 0...Self.notApplicable
        case .innerSource, .innerDestination: 0...UInt128.max
        case .innerSourcePort, .innerDestinationPort: 0...Self.noPort
        case .dnsType: 0...Self.noDNSType
        case .dnsRCode: 0...Self.noDNSRCode
        }
    }

    /// A packet that carries no inspected DNS message (or, for the RCODE, a query).
    static let noDNSType: UInt128 = 65_536
    static let noDNSRCode: UInt128 = 4_096

    static let noPort: UInt128 = 65_536
    static let notApplicable: UInt128 = 256
    static let noState: UInt128 = 4
    /// The longest packet: IPv6's 40-byte header and a 65,535-byte payload (IPv4 stops at 65,535).
    static let maximumLength: UInt128 = 65_575
    /// The inner source address of a packet that is not tunnelled: ffff:...:ffff, a multicast
    /// address, which no decoded packet has as its source (RFC 4291 §2.7).
    static let noInnerSource: UInt128 = .max
    /// The inner destination address of a packet that is not tunnelled: ::, which no decoded
    /// packet has as its destination (RFC 4291 §2.5.2); an IPv4 address's key is never 0.
    static let noInnerDestination: UInt128 = 0

    /// The words `explain` and diagnostics use.
    public var description: String {
        switch self {
        case .proto: "protocol"
        case .source: "source address"
        case .destination: "destination address"
        case .sourcePort: "source port"
        case .destinationPort: "destination port"
        case .inInterface: "input interface"
        case .outInterface: "output interface"
        case .tcpFlags: "TCP flags"
        case .icmpType: "ICMP type"
        case .icmpCode: "ICMP code"
        case .state: "connection state"
        case .length: "length"
        case .ttl: "TTL"
        case .mark: "mark"
        case .innerProto: "inner protocol"
        case .innerSource: "inner source address"
        case .innerDestination: "inner destination address"
        case .innerSourcePort: "inner source port"
        case .innerDestinationPort: "inner destination port"
        case .dnsType: "DNS type"
        case .dnsRCode: "DNS RCODE"
        }
    }
}

/// Interface names matched by `in`/`out`: the packet's name is (or, negated, is not) one of them.
public struct InterfaceSet: Equatable, Hashable, Sendable {
    public var names: [InterfaceName]
    public var negated: Bool

    public init(_ names: [InterfaceName], negated: Bool = false) {
        self.names = names
        self.negated = negated
    }

    /// A packet without that interface (index 0) matches only a negated set. A name ending
    /// in `+` matches every name that starts with the rest (iptables' wildcard).
    public func matches(_ name: InterfaceName?) -> Bool {
        guard let name else { return negated }
        return names.contains { $0.matches(name) } != negated
    }
}

/// What one rule matches: for each field, the values it accepts; an absent field accepts all.
public struct RuleMatch: Equatable, Hashable, Sendable {
    /// Indexed by `Field.rawValue`; the interface fields are in `inInterfaces`/`outInterfaces`.
    private var sets: [ValueSet?] = Array(repeating: nil, count: Field.allCases.count)
    public var inInterfaces: InterfaceSet?
    public var outInterfaces: InterfaceSet?
    /// `dns-name` and `dns-response-ip`: which of the program's DNS lists (`DNSRules`) must
    /// hold the question name, or an answer address. Not in the compiled index: `Program`
    /// tries rules with one of these in order (see `Program.evaluate`).
    public var dnsNames: DNSListCondition?
    public var dnsAddresses: DNSListCondition?

    public init() {}

    /// The constraint on a numeric field (not the interfaces), nil when the rule has none.
    public subscript(field: Field) -> ValueSet? {
        get { sets[field.rawValue] }
        set { sets[field.rawValue] = newValue }
    }

    /// Every constrained field, interfaces included.
    public var constrainedFields: [Field] {
        Field.allCases.filter { field in
            switch field {
            case .inInterface: inInterfaces != nil
            case .outInterface: outInterfaces != nil
            default: sets[field.rawValue] != nil
            }
        }
    }

    /// Whether `packet` satisfies the constraint on `field` (the reference semantics).
    public func matches(_ packet: PacketFields, on field: Field) -> Bool {
        switch field {
        case .inInterface: return inInterfaces?.matches(packet.inInterface) ?? true
        case .outInterface: return outInterfaces?.matches(packet.outInterface) ?? true
        default:
            guard let set = sets[field.rawValue] else { return true }
            return set.contains(packet.key(field))
        }
    }

    /// The plain linear meaning of a rule: every constrained field matches. (The same as
    /// `Field.allCases.allSatisfy { matches(packet, on: $0) }`, looking only at the fields the
    /// rule constrains: the reference evaluator runs this for every rule on every self-test
    /// probe.)
    public func matches(_ packet: PacketFields) -> Bool {
        if let inInterfaces, !inInterfaces.matches(packet.inInterface) { return false }
        if let outInterfaces, !outInterfaces.matches(packet.outInterface) { return false }
        if !dnsListsMatch(packet) { return false }
        for (index, set) in sets.enumerated() {
            guard let set else { continue }
            if let field = Field(rawValue: index), !set.contains(packet.key(field)) { return false }
        }
        return true
    }
}

/// One compiled rule: the fields it matches, what it does, and where it was written.
public struct Rule: Equatable, Sendable {
    public var action: Action
    /// Log this rule's matches even when the log mode would not.
    public var log: Bool
    public var match: RuleMatch
    public var label: String?
    /// Where the rule starts (its action word).
    public var location: SourceLocation
    /// What the rule's words stood for when it was loaded, for `explain`: `ssh is port 22/tcp
    /// (/etc/services)`.
    public var notes: [String] = []

    public init(action: Action, log: Bool = false, match: RuleMatch, label: String? = nil, location: SourceLocation) {
        self.action = action
        self.log = log
        self.match = match
        self.label = label
        self.location = location
    }

    /// A rule on protocol, addresses and port ranges only (the first language's fields).
    public init(
        action: Action, log: Bool = false, proto: IPProtocol? = nil,
        source: AddressMatch = .any, destination: AddressMatch = .any,
        sourcePorts: ClosedRange<UInt16>? = nil, destinationPorts: ClosedRange<UInt16>? = nil,
        label: String? = nil, location: SourceLocation
    ) {
        var match = RuleMatch()
        if let proto { match[.proto] = ValueSet(UInt128(proto.rawValue)) }
        if source != .any { match[.source] = ValueSet([source.interval]) }
        if destination != .any { match[.destination] = ValueSet([destination.interval]) }
        if let ports = sourcePorts { match[.sourcePort] = ValueSet([UInt128(ports.lowerBound)...UInt128(ports.upperBound)]) }
        if let ports = destinationPorts { match[.destinationPort] = ValueSet([UInt128(ports.lowerBound)...UInt128(ports.upperBound)]) }
        self.init(action: action, log: log, match: match, label: label, location: location)
    }

    /// Matches every packet: no constraint at all.
    public var isCatchAll: Bool { match.constrainedFields.isEmpty && !match.hasDNSLists }
}

/// `10.0.0.1` for 0x0A000001, written here rather than relying on Wire's pretty-printing.
func dottedQuad(_ address: IPv4Address) -> String {
    let value = address.rawValue
    return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
}
