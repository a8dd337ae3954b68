import Log
extension Report {
    /// The history sections of the JSON report, as members of the open top-level object:
    /// `log_modes`, `process_counters`, `losses`, `runs`, `rulesets`, `reloads`, `anomalies`.
    func historyJSON(into out: inout JSONBuffer) {
        out.beginArray("log_modes")
        let modes = history.logModes.sorted { $0.key < $1.key }
        for (mode, count) in modes {
            out.beginObject()
            out.field("log", mode)
            out.field("lines", count)
            out.field("meaning", ReportLogMode.meaning(mode))
            out.endObject()
        }
        if modes.isEmpty {
            out.beginObject()
            out.field("meaning", ReportLogMode.meaning(nil))
            out.endObject()
        }
        out.endArray()
        if let (sum, processes) = history.counters {
            out.beginObject("process_counters")
            out.field("processes", processes)
            Self.counters(sum, into: &out)
            out.endObject()
        }
        lossesJSON(into: &out)
        runsJSON(into: &out)
        rulesetsJSON(into: &out)
        reloadsJSON(into: &out)
        out.beginObject("anomalies")
        out.beginArray("totals")
        for (kind, tally) in history.anomalies.sorted(by: { $0.key < $1.key }) {
            out.beginObject()
            out.field("kind", kind)
            Self.tally(tally, into: &out)
            out.endObject()
        }
        out.endArray()
        Self.incidents(history.anomalyEvents, into: &out)
        out.endObject()
    }

    private func lossesJSON(into out: inout JSONBuffer) {
        out.beginObject("losses")
        out.beginArray("totals")
        for (loss, tally, counter) in history.lossRows {
            out.beginObject()
            out.field("kind", loss.rawValue)
            out.field("title", loss.title)
            out.field("unit", loss.unit)
            Self.tally(tally ?? ReportTally(), into: &out)
            if let counter { out.field("process_counter", counter) }
            out.endObject()
        }
        out.endArray()
        // Breakdown names come from the log (open-ended): an array, not object keys.
        out.beginArray("suppressed_by")
        for (dimension, rows) in suppressedBreakdown() {
            out.beginObject()
            out.field("dimension", dimension)
            out.beginArray("top")
            for row in rows {
                out.beginObject()
                out.field("key", row.key)
                out.field("count", row.count)
                out.endObject()
            }
            out.endArray()
            out.endObject()
        }
        out.endArray()
        Self.incidents(history.lossEvents, into: &out)
        out.endObject()
    }

    private func runsJSON(into out: inout JSONBuffer) {
        out.beginObject("runs")
        out.field("starts", history.starts)
        out.field("stops", history.stops)
        out.field("self_tests_passed", history.selfTestsPassed)
        out.field("self_tests_failed", history.selfTestsFailed)
        out.field("omitted", history.runs.omitted)
        out.beginArray("events")
        for run in history.runs.kept {
            out.beginObject()
            Self.time(run.time, into: &out)
            out.field("event_type", run.isStart ? "start" : "stop")
            let control = run.control
            if let queue = control.queue { out.field("queue", queue) }
            if let pid = control.pid { out.field("pid", pid) }
            if let file = control.rulesFile { out.field("rules_file", file) }
            if let ruleset = control.ruleset { out.field("ruleset", ruleset) }
            if let policy = control.policy { out.field("policy", policy) }
            if let mode = control.logMode { out.field("log", mode) }
            if let count = control.ruleCount { out.field("rule_count", count) }
            if let signal = control.signal { out.field("signal", signal) }
            if let test = control.selfTest {
                out.beginObject("self_test")
                if let passed = test.passed { out.field("passed", passed) }
                if let value = test.knownAnswers { out.field("known_answers", value) }
                if let value = test.ruleProbes { out.field("rule_probes", value) }
                out.endObject()
            }
            if let counters = control.counters {
                out.beginObject("counters")
                Self.counters(counters, into: &out)
                out.endObject()
            }
            out.endObject()
        }
        out.endArray()
        out.endObject()
    }

    private func rulesetsJSON(into out: inout JSONBuffer) {
        let (intervals, omitted) = history.rulesets
        out.beginObject("rulesets")
        out.field("omitted", omitted)
        out.beginArray("intervals")
        for interval in intervals {
            out.beginObject()
            out.field("ruleset", interval.ruleset)
            if let queue = interval.queue { out.field("queue", queue) }
            if let file = interval.rulesFile { out.field("rules_file", file) }
            out.field("since", interval.since)
            if let mode = interval.logMode { out.field("log", mode) }
            if let from = interval.from { out.field("from", ReportTime.format(microseconds: from)) }
            if let to = interval.to { out.field("to", ReportTime.format(microseconds: to)) }
            out.field("lines", interval.lines)
            out.field("verdicts", interval.verdicts)
            out.endObject()
        }
        out.endArray()
        out.endObject()
    }

    private func reloadsJSON(into out: inout JSONBuffer) {
        let reloads = history.reloads
        out.beginObject("reloads")
        out.field("total", reloads.total)
        out.field("failed", history.reloadsFailed)
        out.field("omitted", reloads.omitted)
        out.beginArray("events")
        for reload in reloads.kept {
            out.beginObject()
            Self.time(reload.time, into: &out)
            let control = reload.control
            if let queue = control.queue { out.field("queue", queue) }
            out.field("success", reload.succeeded)
            if let file = control.rulesFile { out.field("rules_file", file) }
            if let ruleset = control.ruleset { out.field("ruleset", ruleset) }
            if let mode = control.logMode { out.field("log", mode) }
            out.beginArray("errors")
            for error in control.errors { out.element(error) }
            out.endArray()
            out.field("error_count", control.errorCount)
            out.endObject()
        }
        out.endArray()
        out.endObject()
    }

    private static func incidents(_ list: BoundedList<ReportIncident>, into out: inout JSONBuffer) {
        out.field("event_count", list.total)
        out.field("omitted", list.omitted)
        out.beginArray("events")
        for incident in list.kept {
            out.beginObject()
            time(incident.time, into: &out)
            if let queue = incident.queue { out.field("queue", queue) }
            out.field("kind", incident.kind)
            out.field("count", incident.count)
            if let detail = incident.detail { out.field("detail", detail) }
            out.endObject()
        }
        out.endArray()
    }

    private static func tally(_ tally: ReportTally, into out: inout JSONBuffer) {
        out.field("count", tally.count)
        out.field("events", tally.events)
        if let first = tally.first { out.field("first", ReportTime.format(microseconds: first)) }
        if let last = tally.last { out.field("last", ReportTime.format(microseconds: last)) }
    }

    private static func time(_ time: Int64?, into out: inout JSONBuffer) {
        if let time { out.field("timestamp", ReportTime.format(microseconds: time)) }
    }

    private static func counters(_ counters: ReportCounters, into out: inout JSONBuffer) {
        let named: [(StaticString, Int?)] = [
            ("packets", counters.packets), ("accepted", counters.accepted), ("dropped", counters.dropped),
            ("socket_overflows", counters.socketOverflows), ("packet_id_gaps", counters.packetIDGaps),
            ("kernel_queue_dropped", counters.kernelQueueDropped), ("kernel_user_dropped", counters.kernelUserDropped),
            ("log_lines_lost", counters.logLinesLost), ("dropped_log_unavailable", counters.droppedLogUnavailable),
            ("dropped_while_binding", counters.droppedWhileBinding),
        ]
        for (name, value) in named { if let value { out.field(name, value) } }
    }
}
