import Wire
import Log

/// Counts for one group (a rule, a source, a reason, ...).
public struct ReportCount: Sendable, Equatable {
    public var total = 0
    public var accepted = 0
    public var dropped = 0
    /// Dropped with an answer to the sender (`reject`); not in `dropped`.
    public var rejected = 0

    mutating func add(_ verdict: String?) {
        total += 1
        switch verdict {
        case "accept": accepted += 1
        case "drop": dropped += 1
        case "reject": rejected += 1
        default: break
        }
    }
}

/// One row of a top-N table.
public struct ReportRow: Sendable, Equatable {
    public var key: String
    public var count: ReportCount
}

/// The aggregate of one or more verdict logs, built one line at a time.
///
/// Memory grows with the number of distinct groups (rules, addresses, ports, reasons) and
/// with the timeline's buckets, which coarsen to stay under `maximumBuckets`; never with the
/// number of lines.
public struct Report: Sendable {
    public var filter: ReportFilter
    public private(set) var files: [String] = []
    public private(set) var lines = 0
    public private(set) var damagedLines = 0
    /// Files whose reading ended in damage (`ReportReadError.isDamage`).
    public private(set) var damagedFiles: [ReportReadError] = []
    /// Events by `event_type`, before filtering (verdict lines included).
    public private(set) var events: [String: Int] = [:]
    public private(set) var matched = ReportCount()
    public private(set) var first: Int64?
    public private(set) var last: Int64?
    private var rules: [String: ReportCount] = [:]
    private var sources: [IPAddress: ReportCount] = [:]
    private var destinations: [IPAddress: ReportCount] = [:]
    private var reasons: [String: ReportCount] = [:]
    private var ports: [String: ReportCount] = [:]
    /// Question names, at most `maximumDNSNames` distinct; the rest count as "(other)".
    private var dnsNames: [String: ReportCount] = [:]
    public static let maximumDNSNames = 100_000
    public private(set) var timeline = Timeline()
    /// Losses, anomalies, runs, reloads and rulesets, from every line (filters apply to
    /// verdicts only).
    public private(set) var history = ReportHistory()

    public init(filter: ReportFilter) {
        self.filter = filter
    }

    /// Reads a whole log file into the report.
    public mutating func read(_ reader: ReportReader) throws(ReportReadError) {
        files.append(reader.path)
        do {
            try reader.forEachLine { line in
                guard let line, let record = ReportRecord(line: line) else {
                    readDamaged()
                    return
                }
                add(record)
            }
        } catch where error.isDamage {
            // Garbage after gzip data, a cut stream, a bomb: counted as one damaged line.
            readDamaged()
            damagedFiles.append(error)
        }
    }

    /// Counts a line that is not one JSON object.
    mutating func readDamaged() {
        lines += 1
        damagedLines += 1
    }

    /// Counts one parsed line.
    public mutating func add(_ record: ReportRecord) {
        lines += 1
        countEvent(record.eventType)
        history.add(record)
        guard record.eventType == "verdict", filter.matches(record) else { return }
        matched.add(record.verdict)
        if let time = record.time {
            first = min(first ?? time, time)
            last = max(last ?? time, time)
            timeline.add(time, verdict: record.verdict)
        }
        rules[Self.ruleKey(record), default: ReportCount()].add(record.verdict)
        if let source = record.source { sources[source, default: ReportCount()].add(record.verdict) }
        if let destination = record.destination { destinations[destination, default: ReportCount()].add(record.verdict) }
        reasons[Self.reasonKey(record), default: ReportCount()].add(record.verdict)
        if let name = record.dnsName?.lowercased() {
            let key = dnsNames[name] != nil || dnsNames.count < Self.maximumDNSNames ? name : "(other)"
            dnsNames[key, default: ReportCount()].add(record.verdict)
        }
        if let port = record.destinationPort {
            ports["\(record.proto ?? "?")/\(port)", default: ReportCount()].add(record.verdict)
        } else if let proto = record.proto {
            ports[proto, default: ReportCount()].add(record.verdict)
        }
    }

    /// The tables to show when none is asked for: the standard ones, and DNS names when the
    /// log has any.
    public var defaultDimensions: [ReportDimension] {
        ReportDimension.standard + (dnsNames.isEmpty ? [] : [.dnsName])
    }

    /// Event types are open-ended (a newer writer adds some): past `maximumEventTypes`
    /// distinct names, the rest count as "(other)".
    public static let maximumEventTypes = 64

    private mutating func countEvent(_ type: String?) {
        let key = type ?? "(none)"
        events[events[key] != nil || events.count < Self.maximumEventTypes ? key : "(other)", default: 0] += 1
    }

    /// The `n` largest groups of `dimension` (all when `n` is nil), largest first, ties by key.
    public func top(_ dimension: ReportDimension, _ n: Int?) -> (rows: [ReportRow], groups: Int) {
        let rows: [ReportRow]
        switch dimension {
        case .rule: rows = rules.map { ReportRow(key: $0.key, count: $0.value) }
        // IPv4 dotted quads and RFC 5952 IPv6 text, one key per address whatever form the log used.
        case .src: rows = sources.map { ReportRow(key: $0.key.description, count: $0.value) }
        case .dst: rows = destinations.map { ReportRow(key: $0.key.description, count: $0.value) }
        case .reason: rows = reasons.map { ReportRow(key: $0.key, count: $0.value) }
        case .port: rows = ports.map { ReportRow(key: $0.key, count: $0.value) }
        case .dnsName: rows = dnsNames.map { ReportRow(key: $0.key, count: $0.value) }
        }
        let sorted = rows.sorted { ($0.count.total, $1.key) > ($1.count.total, $0.key) }
        return (n.map { Array(sorted.prefix($0)) } ?? sorted, rows.count)
    }

    /// `FILE:LINE "label"` for a rule; `(policy)`, `(decode)`, `(internal)` otherwise.
    static func ruleKey(_ record: ReportRecord) -> String {
        guard let file = record.ruleFile, let line = record.ruleLine else { return "(\(record.reason ?? "unknown"))" }
        if let label = record.ruleLabel { return "\(file):\(line) \"\(label)\"" }
        return "\(file):\(line)"
    }

    /// The reason, with the decode error's own reason: `decode/bad-checksum`.
    static func reasonKey(_ record: ReportRecord) -> String {
        let reason = record.reason ?? "unknown"
        if let detail = record.decodeReason { return "\(reason)/\(detail)" }
        return reason
    }
}

/// Verdicts per time bucket. Starts at one-second buckets and coarsens (10 s, 1 min, ...)
/// whenever more than `maximumBuckets` are in use, so memory stays bounded on any span.
public struct Timeline: Sendable {
    public static let widths: [Int64] = [1, 10, 60, 600, 3600, 21_600, 86_400, 604_800].map { $0 * 1_000_000 }
    public static let maximumBuckets = 20_000
    /// Microseconds per bucket.
    public private(set) var width: Int64 = widths[0]
    /// Bucket start (microseconds) → counts.
    public private(set) var buckets: [Int64: ReportCount] = [:]

    mutating func add(_ time: Int64, verdict: String?) {
        buckets[ReportTime.floorDivide(time, width).0 * width, default: ReportCount()].add(verdict)
        if buckets.count > Self.maximumBuckets, let next = Self.widths.first(where: { $0 > width }) {
            coarsen(to: next)
        }
    }

    private mutating func coarsen(to next: Int64) {
        var merged: [Int64: ReportCount] = [:]
        for (start, count) in buckets {
            let key = ReportTime.floorDivide(start, next).0 * next
            var sum = merged[key, default: ReportCount()]
            sum.total += count.total
            sum.accepted += count.accepted
            sum.dropped += count.dropped
            merged[key] = sum
        }
        buckets = merged
        width = next
    }

    /// Buckets for display: at most about `target` of them, contiguous (empty ones included)
    /// from the first to the last, with the width used.
    public func display(target: Int = 120) -> (width: Int64, buckets: [(start: Int64, count: ReportCount)]) {
        guard let low = buckets.keys.min(), let high = buckets.keys.max() else { return (width, []) }
        let span = high - low + width
        // Past the widest width (a span of centuries, from damaged or forged times), whole
        // weeks enough to stay near `target` buckets (found by the Report fuzz target).
        let widest = Self.widths.last!
        let chosen = Self.widths.first { $0 >= width && span / $0 <= Int64(target) }
            ?? widest * max(1, span / Int64(max(target, 1)) / widest + 1)
        var copy = self
        if chosen > width { copy.coarsen(to: chosen) }
        let start = ReportTime.floorDivide(low, chosen).0 * chosen
        var result: [(Int64, ReportCount)] = []
        var at = start
        while at <= high {
            result.append((at, copy.buckets[at] ?? ReportCount()))
            at += chosen
        }
        return (chosen, result)
    }
}
