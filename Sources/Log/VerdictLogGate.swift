import Engine
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// Decides, for each verdict line the log mode asks for, whether it is written or counted
/// in a `suppressed` summary: the ruleset's rate limit (`TokenBucket`) and the disk guard
/// (`run --log-min-free`).
///
/// Guarantee: every line asked for is either admitted or recorded in exactly one summary, and
/// every summary reaches the log through `writeDue` / `writeAll` (so lines written + the
/// `count`s of `suppressed` events = `admitted` + `suppressed`). `admit` allocates nothing.
public struct VerdictLogGate: Sendable {
    public private(set) var bucket: TokenBucket?
    public private(set) var rateSummary = SuppressionSummary(cause: .rateLimit)
    public private(set) var diskSummary = SuppressionSummary(cause: .diskLow)
    /// True while free space is under the threshold: no verdict line is admitted.
    public private(set) var diskLow = false
    /// Lines admitted and lines counted in summaries, since start.
    public private(set) var admitted: UInt64 = 0
    public private(set) var suppressed: UInt64 = 0
    /// When the open rate-limit summary counted its first packet (monotonic ns).
    private var rateSummaryOpened: UInt64 = 0

    /// How long a rate-limit summary collects before it is written (one second).
    public static let summaryInterval: UInt64 = 1_000_000_000

    /// A gate with a full bucket for `limit` (`nil`: no limit) at monotonic time `now` (ns).
    public init(limit: LogLimit?, now: UInt64) {
        bucket = limit.map { TokenBucket($0, now: now) }
    }

    /// Whether `event`'s line may be written now; if not, it is counted in a summary.
    public mutating func admit(_ event: VerdictEvent, now: UInt64) -> Bool {
        if diskLow {
            diskSummary.record(event, now: Self.wallClock)
            suppressed += 1
            return false
        }
        if let taken = bucket?.take(now: now), !taken {
            if rateSummary.count == 0 { rateSummaryOpened = now }
            rateSummary.record(event, now: Self.wallClock)
            suppressed += 1
            return false
        }
        admitted += 1
        return true
    }

    /// Writes the rate-limit summary once it has collected for `summaryInterval`.
    public mutating func writeDue(to writer: JSONLinesWriter, queue: UInt16, now: UInt64) {
        guard rateSummary.count > 0, now &- rateSummaryOpened >= Self.summaryInterval else { return }
        writer.writeSuppressed(queue: queue, rateSummary, limit: bucket?.limit)
        rateSummary.removeAll()
    }

    /// Writes every open summary now (at stop, before a reload or a log reopen), so the
    /// summaries carry the ruleset that judged their packets. The disk summary is written
    /// too, even while the disk is low: it is one short line.
    public mutating func writeAll(to writer: JSONLinesWriter, queue: UInt16) {
        writer.writeSuppressed(queue: queue, rateSummary, limit: bucket?.limit)
        rateSummary.removeAll()
        writer.writeSuppressed(queue: queue, diskSummary, limit: nil)
        diskSummary.removeAll()
    }

    /// Installs a reloaded ruleset's limit, keeping the tokens the old bucket held.
    public mutating func replace(limit: LogLimit?, now: UInt64) {
        guard let limit else {
            bucket = nil
            return
        }
        bucket = bucket.map { TokenBucket(limit, carryingOver: $0, now: now) } ?? TokenBucket(limit, now: now)
    }

    /// Records the disk guard's finding. Going low: the open rate summary is written first
    /// (its packets were held back by the limit, not the disk), then the caller writes the
    /// anomaly. Coming back: the disk summary is written, and lines flow again.
    public mutating func setDiskLow(_ low: Bool, writer: JSONLinesWriter, queue: UInt16) {
        guard low != diskLow else { return }
        if low {
            writer.writeSuppressed(queue: queue, rateSummary, limit: bucket?.limit)
            rateSummary.removeAll()
        } else {
            writer.writeSuppressed(queue: queue, diskSummary, limit: nil)
            diskSummary.removeAll()
        }
        diskLow = low
    }

    static func wallClock() -> PacketTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return PacketTimestamp(seconds: Int(now.tv_sec), microseconds: Int(now.tv_nsec / 1000))
    }
}
