import Engine
import Rules
import Wire

/// Why verdict lines were not written (the `suppressed` event's `cause`).
public enum SuppressionCause: String, Sendable {
    /// The ruleset's `log ... limit` was exhausted.
    case rateLimit = "rate_limit"
    /// Free space on the log's filesystem was under `run --log-min-free`.
    case diskLow = "disk_low"
}

/// The packets whose verdict lines were not written since the last `suppressed` event: how
/// many, and by verdict, reason, source network (/24) and destination port.
///
/// Exact and bounded: every breakdown sums to `count` (`CountTable` puts what finds no room
/// in its overflow), and the tables are sized once. `record` allocates nothing.
public struct SuppressionSummary: Sendable {
    public let cause: SuppressionCause
    public private(set) var count: UInt64 = 0
    /// Wall-clock time of the first packet counted (read once per interval, not per packet).
    public private(set) var since: PacketTimestamp?
    public private(set) var dropped: UInt64 = 0
    /// Counts by `VerdictReason`, in `VerdictReason.allCases` order.
    public private(set) var byReason: (rule: UInt64, policy: UInt64, decode: UInt64, internal: UInt64) = (0, 0, 0, 0)
    public private(set) var sources: CountTable
    public private(set) var ports: CountTable
    /// Packets with no readable source address (a decode drop before the IPv4 addresses).
    public private(set) var noSource: UInt64 = 0
    /// Packets with no destination port (ICMP, other protocols, decode drops).
    public private(set) var noPort: UInt64 = 0

    /// The prefix length source addresses are grouped by: /24 for IPv4, /48 for IPv6 (a site,
    /// RFC 6177).
    public static let sourcePrefix: UInt8 = 24
    public static let ipv6SourcePrefix: UInt8 = 48
    static let sourceMask: UInt32 = 0xFFFF_FF00
    /// Set in the key of an IPv6 network (an IPv4 one is its 32 bits).
    static let ipv6Tag: UInt64 = 1 << 63

    /// The source network's key in `sources`: the IPv4 /24, or the tag and the IPv6 /48's bits.
    static func sourceKey(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let v4): UInt64(v4.rawValue & sourceMask)
        case .v6(let v6): ipv6Tag | v6.high >> 16
        }
    }

    /// The network and prefix length a `sources` key stands for.
    public static func sourceNetwork(_ key: UInt64) -> (network: IPAddress, prefix: UInt8) {
        guard key & ipv6Tag != 0 else { return (.v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: key))), sourcePrefix) }
        return (.v6(IPv6Address(high: (key & ~ipv6Tag) << 16, low: 0)), ipv6SourcePrefix)
    }

    /// Tables of `tableCapacity` distinct networks and ports each.
    public init(cause: SuppressionCause, tableCapacity: Int = 128) {
        self.cause = cause
        sources = CountTable(capacity: tableCapacity)
        ports = CountTable(capacity: tableCapacity)
    }

    /// Counts one packet whose line was not written. `now` is read only for the first one.
    public mutating func record(_ event: VerdictEvent, now: () -> PacketTimestamp) {
        if count == 0 { since = now() }
        count += 1
        if event.verdict == .drop { dropped += 1 }
        switch event.reason {
        case .rule: byReason.rule += 1
        case .policy: byReason.policy += 1
        case .decode: byReason.decode += 1
        case .internal: byReason.internal += 1
        }
        if let summary = event.summary {
            sources.record(wide: Self.sourceKey(summary.source))
            if let port = summary.destinationPort { ports.record(UInt32(port)) } else { noPort += 1 }
        } else {
            noSource += 1
            noPort += 1
        }
    }

    /// Empties the summary in place after it was written.
    public mutating func removeAll() {
        count = 0
        since = nil
        dropped = 0
        byReason = (0, 0, 0, 0)
        sources.removeAll()
        ports.removeAll()
        noSource = 0
        noPort = 0
    }
}
