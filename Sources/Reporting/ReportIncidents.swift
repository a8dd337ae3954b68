import Log
/// A loss: packets the filter never saw, or verdict lines it did not write. Raw values are
/// the log's anomaly `kind` (and `suppressed`, an event type of its own).
public enum ReportLoss: String, CaseIterable, Sendable {
    case kernelQueueFull = "kernel_queue_full"
    case kernelDeliveryFailed = "kernel_delivery_failed"
    case socketOverflow = "socket_overflow"
    case packetIDGap = "packet_id_gap"
    case logWriteFailed = "log_write_failed"
    case suppressed

    /// What it is, for people.
    public var title: String {
        switch self {
        case .kernelQueueFull: "kernel queue drops"
        case .kernelDeliveryFailed: "kernel delivery failures"
        case .socketOverflow: "socket overflows"
        case .packetIDGap: "packet id gaps"
        case .logWriteFailed: "lost log lines"
        case .suppressed: "suppressed log lines"
        }
    }

    /// What its `count` counts.
    public var unit: String {
        switch self {
        case .kernelQueueFull, .kernelDeliveryFailed, .packetIDGap: "packets"
        case .socketOverflow: "overflows"
        case .logWriteFailed, .suppressed: "lines"
        }
    }

    /// The same loss as the process's own cumulative counter (stats and stop events).
    func counter(_ counters: ReportCounters) -> Int? {
        switch self {
        case .kernelQueueFull: counters.kernelQueueDropped
        case .kernelDeliveryFailed: counters.kernelUserDropped
        case .socketOverflow: counters.socketOverflows
        case .packetIDGap: counters.packetIDGaps
        case .logWriteFailed: counters.logLinesLost
        case .suppressed: nil
        }
    }
}

/// Totals of one kind of loss or anomaly: the sum of the events' `count`s, how many events,
/// and when the first and the last were written.
public struct ReportTally: Sendable, Equatable {
    public var count = 0
    public var events = 0
    public var first: Int64?
    public var last: Int64?

    mutating func add(_ count: Int, at time: Int64?) {
        self.count += max(count, 0)
        events += 1
        if let time {
            first = min(first ?? time, time)
            last = max(last ?? time, time)
        }
    }
}

/// One anomaly or `suppressed` event, as listed.
public struct ReportIncident: Sendable, Equatable {
    public var time: Int64?
    public var queue: Int?
    /// The anomaly's `kind`, or "suppressed".
    public var kind: String
    public var count: Int
    /// The anomaly's `message`, or the suppression's `cause`.
    public var detail: String?
}

/// A `start` or `stop` line.
public struct ReportRun: Sendable, Equatable {
    public var time: Int64?
    public var isStart: Bool
    public var control: ReportControlFields
}

/// A `reload` line.
public struct ReportReload: Sendable, Equatable {
    public var time: Int64?
    public var control: ReportControlFields
    public var succeeded: Bool { control.success == true }
}

/// One ruleset in force on one queue from one line to another.
public struct ReportRulesetInterval: Sendable, Equatable {
    public var ruleset: String
    public var queue: Int?
    /// The rules file, when a start or reload line named it.
    public var rulesFile: String?
    /// "start", "reload", or "log" (first seen on a line without either: a rotated log).
    public var since: String
    public var logMode: String?
    public var from: Int64?
    public var to: Int64?
    public var lines = 0
    public var verdicts = 0
}
