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
    /// That rule's index in the program's rules (for per-rule counters).
    public var ruleIndex: Int? = nil
    public var decodeError: DecodeError?
    /// Header fields, when the IPv4 or IPv6 fixed header could be read (even if a later layer
    /// failed).
    public var summary: PacketSummary?
    /// What the rebuild changed (Wire's normalizations, plus `transportChecksum` when a partial
    /// checksum had to be completed); empty when the packet left as it came.
    public var normalized: Normalizations
    /// Whether the ruleset's log mode (or the rule's `log`) asks for this event.
    public var shouldLog: Bool
    /// The DNS message `inspect dns` decoded from this datagram, if any.
    public var dns: DNSSummary? = nil
}

/// The addressing fields of a decoded packet, as logged.
public struct PacketSummary: Sendable, Equatable {
    /// IPv4's protocol, or the IPv6 chain's upper-layer protocol.
    public var proto: IPProtocol
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    /// The TCP flags byte (FIN 0x01 ... CWR 0x80), for `log control`; nil unless TCP.
    public var tcpFlags: UInt8?
    /// The IPv4 time to live or IPv6 hop limit, as received (what `ttl` rules match on); nil
    /// when no header.
    public var ttl: UInt8?
    /// The packet a tunnel carries (GRE, IP-in-IP, IPv6-in-IPv4), logged as `inner`.
    public var inner: InnerPacket? = nil

    /// An IPv4 packet's summary.
    public init(
        proto: IPProtocol, source: IPv4Address, destination: IPv4Address,
        sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
        icmpType: UInt8? = nil, icmpCode: UInt8? = nil, tcpFlags: UInt8? = nil, ttl: UInt8? = nil,
        inner: InnerPacket? = nil
    ) {
        self.init(
            proto: proto, source: .v4(source), destination: .v4(destination), sourcePort: sourcePort,
            destinationPort: destinationPort, icmpType: icmpType, icmpCode: icmpCode, tcpFlags: tcpFlags, ttl: ttl,
            inner: inner)
    }

    public init(
        proto: IPProtocol, source: IPAddress, destination: IPAddress,
        sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
        icmpType: UInt8? = nil, icmpCode: UInt8? = nil, tcpFlags: UInt8? = nil, ttl: UInt8? = nil,
        inner: InnerPacket? = nil
    ) {
        self.inner = inner
        self.tcpFlags = tcpFlags
        self.ttl = ttl
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
    }
}
