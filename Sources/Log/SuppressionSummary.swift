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

    /// The prefix length source addresses are grouped by.
    public static let sourcePrefix: UInt8 = 24
    static let sourceMask: UInt32 = 0xFFFF_FF00

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
        if event.verdict != .accept { dropped += 1 }
        switch event.reason {
        case .rule: byReason.rule += 1
        case .policy: byReason.policy += 1
        case .decode: byReason.decode += 1
        case .internal: byReason.internal += 1
        }
        if let summary = event.summary {
            sources.record(summary.source.rawValue & Self.sourceMask)
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
