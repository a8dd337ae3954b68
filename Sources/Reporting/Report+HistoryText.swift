import Log
extension Report {
    /// The log modes in force and what each means for the counts, one line each.
    public var logModeLines: [String] {
        let modes = history.logModes.sorted { $0.key < $1.key }
        guard !modes.isEmpty else { return ["log mode: \(ReportLogMode.meaning(nil))"] }
        return modes.map { "log mode: \($0.key) (\($0.value) start/reload line(s)): \(ReportLogMode.meaning($0.key))" }
    }

    /// The history sections of the text report: log mode, the filter's own counters,
    /// losses, runs, rulesets, reloads and other anomalies.
    func historyText() -> String {
        var out = logModeLines.joined(separator: "\n") + "\n"
        if let suppressed = history.losses[.suppressed], suppressed.count > 0 {
            out += "note: \(suppressed.count) verdict line(s) were suppressed and are not in the counts above (see losses)\n"
        }
        if let (sum, processes) = history.counters {
            out += "filter's own counters (last stats/stop line of \(processes) process(es)): "
                + "packets \(Self.text(sum.packets)), accepted \(Self.text(sum.accepted)), dropped \(Self.text(sum.dropped))\n"
        }
        out += "\n" + lossesText() + "\n" + runsText() + "\n" + rulesetsText() + "\n" + reloadsText()
        if !history.anomalies.isEmpty { out += "\n" + anomaliesText() }
        return out
    }

    func lossesText() -> String {
        let rows = history.lossRows
        guard !rows.isEmpty else { return "losses: none recorded (no loss anomaly, suppressed line or loss counter)\n" }
        var out = "losses:\n"
        for (loss, tally, counter) in rows {
            let tally = tally ?? ReportTally()
            out += "  \(loss.title): \(tally.count) \(loss.unit) in \(tally.events) event(s)"
            if let first = tally.first, let last = tally.last {
                out += ", first \(ReportTime.format(microseconds: first)), last \(ReportTime.format(microseconds: last))"
            }
            if let counter { out += " (process counters: \(counter))" }
            if (counter ?? 0) > tally.count { out += " -- the counters show more than the events did" }
            out += "\n"
        }
        for (dimension, rows) in suppressedBreakdown() {
            out += "  suppressed by \(dimension): " + rows.map { "\($0.key) \($0.count)" }.joined(separator: ", ") + "\n"
        }
        out += incidentsText(history.lossEvents, title: "loss events")
        return out
    }

    /// The suppressed lines by dimension, largest first (zero counts left out), at most 10 a dimension.
    func suppressedBreakdown() -> [(dimension: String, rows: [(key: String, count: Int)])] {
        history.suppressedBy.sorted { $0.key < $1.key }.compactMap { dimension, table in
            let rows = table.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(10)
            return rows.isEmpty ? nil : (dimension, rows.map { (key: $0.key, count: $0.value) })
        }
    }

    func incidentsText(_ list: BoundedList<ReportIncident>, title: String) -> String {
        var out = "  \(title) (\(list.total)):\n"
        for (index, incident) in list.kept.enumerated() {
            if index == list.first.count, list.omitted > 0 { out += "    ... \(list.omitted) more ...\n" }
            let title = ReportLoss(rawValue: incident.kind)?.title ?? incident.kind
            out += "    \(Self.time(incident.time))  queue \(Self.text(incident.queue))  \(title) \(incident.count)"
            if let detail = incident.detail { out += ": \(Self.oneLine(detail))" }
            out += "\n"
        }
        return out
    }

    func runsText() -> String {
        let runs = history.runs
        var out = "starts and stops: \(history.starts) start(s), \(history.stops) stop(s); "
            + "self-test passed \(history.selfTestsPassed), failed \(history.selfTestsFailed)\n"
        for (index, run) in runs.kept.enumerated() {
            if index == runs.first.count, runs.omitted > 0 { out += "    ... \(runs.omitted) more ...\n" }
            out += "    \(Self.time(run.time))  " + Self.describe(run) + "\n"
        }
        return out
    }

    /// One start or stop as a line of text.
    static func describe(_ run: ReportRun) -> String {
        let control = run.control
        guard run.isStart else {
            var out = "stop   queue \(text(control.queue))"
            if let signal = control.signal { out += " signal \(signal)" }
            if let counters = control.counters {
                out += ": packets \(text(counters.packets)), accepted \(text(counters.accepted)), dropped \(text(counters.dropped))"
            }
            return out
        }
        var out = "start  queue \(text(control.queue)) pid \(text(control.pid)) rules \(control.rulesFile ?? "?")"
        out += " ruleset \(short(control.ruleset)) policy \(control.policy ?? "?") log \(control.logMode ?? "?")"
        out += " rules \(text(control.ruleCount))"
        if let test = control.selfTest {
            out += test.passed == true ? "; self-test passed" : "; self-test FAILED"
            out += " (\(text(test.knownAnswers)) known answers, \(text(test.ruleProbes)) rule probes)"
        } else {
            out += "; no self-test result"
        }
        return out
    }

    func rulesetsText() -> String {
        let (intervals, omitted) = history.rulesets
        var out = "rulesets in force (\(intervals.count + omitted) interval(s)):\n"
        for (index, interval) in intervals.enumerated() {
            if index == ReportHistory.listLimit, omitted > 0 { out += "    ... \(omitted) more ...\n" }
            out += "    \(Self.time(interval.from)) to \(Self.time(interval.to))  queue \(Self.text(interval.queue))"
                + "  \(Self.short(interval.ruleset))  \(interval.rulesFile ?? "(file not named)")  since \(interval.since)"
                + "  log \(interval.logMode ?? "?")  \(interval.verdicts) verdict(s) of \(interval.lines) line(s)\n"
        }
        return out
    }

    func reloadsText() -> String {
        let reloads = history.reloads
        var out = "reloads: \(reloads.total) (\(reloads.total - history.reloadsFailed) succeeded, \(history.reloadsFailed) failed)\n"
        for (index, reload) in reloads.kept.enumerated() {
            if index == reloads.first.count, reloads.omitted > 0 { out += "    ... \(reloads.omitted) more ...\n" }
            let control = reload.control
            out += "    \(Self.time(reload.time))  queue \(Self.text(control.queue))  \(reload.succeeded ? "ok    " : "FAILED")"
                + "  \(control.rulesFile ?? "?")  ruleset \(Self.short(control.ruleset))"
            out += reload.succeeded ? "\n" : " (old ruleset kept)\n"
            for error in control.errors { out += "        \(Self.oneLine(error))\n" }
            if control.errorCount > control.errors.count { out += "        ... \(control.errorCount - control.errors.count) more error(s)\n" }
        }
        return out
    }

    func anomaliesText() -> String {
        var out = "other anomalies:\n"
        for (kind, tally) in history.anomalies.sorted(by: { $0.key < $1.key }) {
            out += "  \(kind): \(tally.count) in \(tally.events) event(s)\n"
        }
        return out + incidentsText(history.anomalyEvents, title: "anomaly events")
    }

    static func time(_ microseconds: Int64?) -> String {
        microseconds.map { ReportTime.format(microseconds: $0) } ?? "(no time)"
    }

    static func text(_ value: Int?) -> String { value.map(String.init) ?? "?" }

    /// The first 12 hex digits of a hash, enough to tell rulesets apart.
    static func short(_ hash: String?) -> String { hash.map { String($0.prefix(12)) } ?? "?" }

    /// Control characters from the log shown escaped, so a line stays a line.
    static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
