import Rules
import Wire

/// Everything the verdict log needs to say about one packet's fate.
///
/// Plain values only; building one allocates nothing (the rule's strings are shared).
public struct VerdictEvent: Sendable {
    public var metadata: PacketMetadata
    public var verdict: Action
    public var reason: VerdictReason
    /// The rule that decided, when `reason == .rule`.
    public var rule: Rule?
    public var decodeError: DecodeError?
    /// Header fields, when the IPv4 header could be read (even if a later layer failed).
    public var summary: PacketSummary?
    /// Which parts the rebuild changed; empty when the packet left as it came.
    public var normalized: Normalization
    /// Whether the ruleset's log mode (or the rule's `log`) asks for this event.
    public var shouldLog: Bool
}

/// The addressing fields of a decoded packet, as logged.
public struct PacketSummary: Sendable, Equatable {
    public var proto: IPProtocol
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    /// The TCP flags byte (FIN 0x01 ... CWR 0x80), for `log control`; nil unless TCP.
    public var tcpFlags: UInt8?

    public init(
        proto: IPProtocol, source: IPv4Address, destination: IPv4Address,
        sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
        icmpType: UInt8? = nil, icmpCode: UInt8? = nil, tcpFlags: UInt8? = nil
    ) {
        self.tcpFlags = tcpFlags
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
    }
}

/// The parts of a packet that the rebuild changed (the log's `normalized` list).
public struct Normalization: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4Header = Normalization(rawValue: 1 << 0)
    public static let transportHeader = Normalization(rawValue: 1 << 1)
    /// A partial (not-ready) transport checksum was completed because the packet changed.
    public static let transportChecksum = Normalization(rawValue: 1 << 2)

    /// Names as logged, in a fixed order.
    public static let names: [(Normalization, String)] = [
        (.ipv4Header, "ipv4_header"), (.transportHeader, "transport_header"),
        (.transportChecksum, "transport_checksum"),
    ]
}
