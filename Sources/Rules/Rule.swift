import Wire

/// What a rule, or the policy, does with a packet.
public enum Action: String, Sendable {
    case accept, drop
}

/// Which decisions the engine logs.
public enum LogMode: String, Sendable {
    case none, drops, all
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

    static func mask(_ prefix: UInt8) -> UInt32 {
        // A shift by 32 is not a no-op to reason about, so /0 is spelled out.
        prefix == 0 ? 0 : UInt32.max << (32 - UInt32(min(prefix, 32)))
    }
}

/// One compiled rule: the fields it matches, what it does, and where it was written.
public struct Rule: Equatable, Sendable {
    public var action: Action
    /// Log this rule's matches even when the log mode would not.
    public var log: Bool
    /// `nil` matches every protocol.
    public var proto: IPProtocol?
    public var source: AddressMatch
    public var destination: AddressMatch
    /// `nil` matches any packet; a range matches only packets that have ports (TCP, UDP).
    public var sourcePorts: ClosedRange<UInt16>?
    public var destinationPorts: ClosedRange<UInt16>?
    public var label: String?
    /// Where the rule starts (its action word).
    public var location: SourceLocation

    public init(
        action: Action, log: Bool = false, proto: IPProtocol? = nil,
        source: AddressMatch = .any, destination: AddressMatch = .any,
        sourcePorts: ClosedRange<UInt16>? = nil, destinationPorts: ClosedRange<UInt16>? = nil,
        label: String? = nil, location: SourceLocation
    ) {
        self.action = action
        self.log = log
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.label = label
        self.location = location
    }

    /// Matches every packet: no protocol, address or port constraint.
    public var isCatchAll: Bool {
        proto == nil && source == .any && destination == .any && sourcePorts == nil && destinationPorts == nil
    }

    /// Whether every packet `other` matches is matched by this rule too, so that `other`
    /// placed after this one can never match.
    public func covers(_ other: Rule) -> Bool {
        (proto == nil || proto == other.proto)
            && source.contains(other.source)
            && destination.contains(other.destination)
            && Self.covers(sourcePorts, other.sourcePorts)
            && Self.covers(destinationPorts, other.destinationPorts)
    }

    private static func covers(_ outer: ClosedRange<UInt16>?, _ inner: ClosedRange<UInt16>?) -> Bool {
        guard let outer else { return true }
        guard let inner else { return false }
        return outer.lowerBound <= inner.lowerBound && inner.upperBound <= outer.upperBound
    }
}

/// `10.0.0.1` for 0x0A000001, written here rather than relying on Wire's pretty-printing.
func dottedQuad(_ address: IPv4Address) -> String {
    let value = address.rawValue
    return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
}
