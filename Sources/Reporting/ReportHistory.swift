import Log
/// What the log's non-verdict lines say happened: losses, anomalies, starts and stops,
/// reloads, the rulesets in force and the log modes. Built one line at a time.
///
/// Memory is bounded whatever the number of lines: lists keep their first and last
/// `listLimit` entries (`BoundedList`), totals are counters, per-queue state is keyed by
/// the queue number (at most 65,536), and the other maps are capped (`maximumKeys`).
public struct ReportHistory: Sendable {
    public static let listLimit = 10
    public static let maximumKeys = 64

    public private(set) var losses: [ReportLoss: ReportTally] = [:]
    public private(set) var lossEvents = BoundedList<ReportIncident>(limit: listLimit)
    /// Anomalies that are not losses (internal errors, kinds this version does not know).
    public private(set) var anomalies: [String: ReportTally] = [:]
    public private(set) var anomalyEvents = BoundedList<ReportIncident>(limit: listLimit)
    public private(set) var runs = BoundedList<ReportRun>(limit: listLimit)
    public private(set) var starts = 0
    public private(set) var stops = 0
    public private(set) var selfTestsPassed = 0
    public private(set) var selfTestsFailed = 0
    public private(set) var reloads = BoundedList<ReportReload>(limit: listLimit)
    public private(set) var reloadsFailed = 0
    /// Log mode → how many start and reload lines put it in force.
    public private(set) var logModes: [String: Int] = [:]
    /// Suppression breakdowns: dimension ("reason", "src_net", ...) → key → count.
    public private(set) var suppressedBy: [String: [String: Int]] = [:]
    private var closedRulesets = BoundedList<ReportRulesetInterval>(limit: listLimit)
    private var openRulesets: [Int: ReportRulesetInterval] = [:]
    private var lastCounters: [Int: ReportCounters] = [:]
    private var foldedCounters = ReportCounters()
    private var foldedRuns = 0

    public init() {}

    /// Takes in one parsed line of any event type.
    mutating func add(_ record: ReportRecord) {
        let control = record.control
        let type = record.eventType ?? ""
        track(record, type: type)
        switch type {
        case "anomaly": addAnomaly(record)
        case "suppressed": addSuppressed(record)
        case "start", "stop": addRun(record, isStart: type == "start")
        case "reload":
            reloads.append(ReportReload(time: record.time, control: control))
            if control.success != true { reloadsFailed += 1 }
            if control.success == true, let mode = control.logMode { countMode(mode) }
        case "stats":
            if let counters = control.counters { overlay(counters, queue: control.queue ?? -1) }
        default:
            break
        }
    }

    private mutating func addAnomaly(_ record: ReportRecord) {
        let kind = record.control.kind ?? "(no kind)"
        let count = record.control.count ?? 0
        let incident = ReportIncident(
            time: record.time, queue: record.control.queue, kind: kind, count: count, detail: record.control.message)
        if let loss = ReportLoss(rawValue: kind), loss != .suppressed {
            losses[loss, default: ReportTally()].add(count, at: record.time)
            lossEvents.append(incident)
        } else {
            let key = anomalies[kind] != nil || anomalies.count < Self.maximumKeys ? kind : "(other)"
            anomalies[key, default: ReportTally()].add(count, at: record.time)
            anomalyEvents.append(incident)
        }
    }

    private mutating func addSuppressed(_ record: ReportRecord) {
        let count = record.control.count ?? 0
        losses[.suppressed, default: ReportTally()].add(count, at: record.time)
        lossEvents.append(ReportIncident(
            time: record.time, queue: record.control.queue, kind: ReportLoss.suppressed.rawValue, count: count,
            detail: record.control.cause))
        for item in record.control.breakdown {
            guard suppressedBy[item.dimension] != nil || suppressedBy.count < 8 else { continue }
            var table = suppressedBy[item.dimension, default: [:]]
            let key = table[item.key] != nil || table.count < Self.maximumKeys ? item.key : "(other)"
            table[key, default: 0] += max(item.count, 0)
            suppressedBy[item.dimension] = table
        }
    }

    private mutating func addRun(_ record: ReportRecord, isStart: Bool) {
        let control = record.control
        runs.append(ReportRun(time: record.time, isStart: isStart, control: control))
        let queue = control.queue ?? -1
        if isStart {
            starts += 1
            if let mode = control.logMode { countMode(mode) }
            if let passed = control.selfTest?.passed { if passed { selfTestsPassed += 1 } else { selfTestsFailed += 1 } }
            // A new process on this queue: its counters start again from zero.
            if let previous = lastCounters.removeValue(forKey: queue) { fold(previous) }
        } else {
            stops += 1
            if let counters = control.counters { overlay(counters, queue: queue) }
        }
    }

    /// A stop line lacks some counters a stats line has (the kernel's): later values win,
    /// missing ones keep the last value seen for this process.
    private mutating func overlay(_ counters: ReportCounters, queue: Int) {
        lastCounters[queue] = (lastCounters[queue] ?? ReportCounters()).overlaid(with: counters)
    }

    private mutating func countMode(_ mode: String) {
        if logModes[mode] != nil || logModes.count < 8 { logModes[mode, default: 0] += 1 }
    }

    private mutating func fold(_ counters: ReportCounters) {
        foldedRuns += 1
        foldedCounters = foldedCounters.adding(counters)
    }

    /// The ruleset intervals: a start, a successful reload or a changed `ruleset` hash ends
    /// the queue's current interval and opens the next; a stop ends it.
    private mutating func track(_ record: ReportRecord, type: String) {
        guard let hash = record.control.ruleset else { return }
        let queue = record.control.queue ?? -1
        // The common case, a verdict under the ruleset already in force: counted in place.
        if type == "verdict", openRulesets[queue]?.ruleset == hash {
            openRulesets[queue]?.lines += 1
            openRulesets[queue]?.verdicts += 1
            if let time = record.time { openRulesets[queue]?.to = time }
            return
        }
        if type == "start" || openRulesets[queue]?.ruleset != hash {
            if let current = openRulesets.removeValue(forKey: queue) { closedRulesets.append(current) }
            let named = type == "start" || (type == "reload" && record.control.success == true)
            openRulesets[queue] = ReportRulesetInterval(
                ruleset: hash, queue: record.control.queue, rulesFile: named ? record.control.rulesFile : nil,
                since: named ? type : "log", logMode: named ? record.control.logMode : nil, from: record.time)
        }
        guard var current = openRulesets[queue] else { return }
        current.to = record.time ?? current.to
        current.lines += 1
        if type == "verdict" { current.verdicts += 1 }
        if type == "stop" {
            openRulesets[queue] = nil
            closedRulesets.append(current)
        } else {
            openRulesets[queue] = current
        }
    }

    /// The rulesets in force, in order of their first line: the first and last `listLimit`
    /// closed intervals and every open one, with how many closed ones lay between.
    public var rulesets: (intervals: [ReportRulesetInterval], omitted: Int) {
        let open = openRulesets.values.sorted { ($0.from ?? .min, $0.queue ?? -1) < ($1.from ?? .min, $1.queue ?? -1) }
        return (closedRulesets.kept + open, closedRulesets.omitted)
    }

    /// The processes' own counters: for each process (queue and run), its last stats or stop
    /// line, summed; nil when no line carried counters.
    public var counters: (sum: ReportCounters, processes: Int)? {
        let runs = foldedRuns + lastCounters.count
        guard runs > 0 else { return nil }
        return (lastCounters.values.reduce(foldedCounters) { $0.adding($1) }, runs)
    }

    /// One row per kind of loss that the log records, by its events or by the processes'
    /// own counters (a loss whose anomaly line is missing still shows through the counters).
    public var lossRows: [(loss: ReportLoss, tally: ReportTally?, counter: Int?)] {
        let sum = counters?.sum
        return ReportLoss.allCases.compactMap { loss in
            let counter = sum.flatMap { loss.counter($0) }
            guard losses[loss] != nil || (counter ?? 0) > 0 else { return nil }
            return (loss, losses[loss], counter)
        }
    }

    /// The larger of the events' total and the processes' counter for `loss`.
    public func lost(_ loss: ReportLoss) -> Int {
        max(losses[loss]?.count ?? 0, counters.flatMap { loss.counter($0.sum) } ?? 0)
    }
}

extension ReportCounters {
    /// Each field from `newer`, or from `self` where `newer` has none.
    func overlaid(with newer: ReportCounters) -> ReportCounters {
        ReportCounters(
            packets: newer.packets ?? packets, accepted: newer.accepted ?? accepted, dropped: newer.dropped ?? dropped,
            socketOverflows: newer.socketOverflows ?? socketOverflows, packetIDGaps: newer.packetIDGaps ?? packetIDGaps,
            kernelQueueDropped: newer.kernelQueueDropped ?? kernelQueueDropped,
            kernelUserDropped: newer.kernelUserDropped ?? kernelUserDropped, logLinesLost: newer.logLinesLost ?? logLinesLost,
            droppedLogUnavailable: newer.droppedLogUnavailable ?? droppedLogUnavailable,
            droppedWhileBinding: newer.droppedWhileBinding ?? droppedWhileBinding)
    }

    /// Field-wise sum; a field stays nil only when nil on both sides.
    func adding(_ other: ReportCounters) -> ReportCounters {
        func sum(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
        return ReportCounters(
            packets: sum(packets, other.packets), accepted: sum(accepted, other.accepted),
            dropped: sum(dropped, other.dropped), socketOverflows: sum(socketOverflows, other.socketOverflows),
            packetIDGaps: sum(packetIDGaps, other.packetIDGaps),
            kernelQueueDropped: sum(kernelQueueDropped, other.kernelQueueDropped),
            kernelUserDropped: sum(kernelUserDropped, other.kernelUserDropped),
            logLinesLost: sum(logLinesLost, other.logLinesLost),
            droppedLogUnavailable: sum(droppedLogUnavailable, other.droppedLogUnavailable),
            droppedWhileBinding: sum(droppedWhileBinding, other.droppedWhileBinding))
    }
}

/// What a log mode means for the verdict counts of a report.
public enum ReportLogMode {
    /// One sentence per mode; "unknown" when no start or reload line named it.
    public static func meaning(_ mode: String?) -> String {
        switch mode {
        case "drops": "accepted: not logged (log drops); only rules marked log write accepted packets"
        case "all": "every verdict is logged (log all)"
        case "control": "accepted: only SYN, FIN and RST segments and rules marked log are logged (log control)"
        case "none": "accepted and dropped: not logged (log none); only internal errors and rules marked log"
        case nil: "unknown: no start or reload line in these logs names the log mode"
        case let other?: "log \(other): a mode this version does not know"
        }
    }
}
