import Log
extension Report {
    /// CSS for the history tables (added to the page's one `<style>`).
    static let historyCSS = """
        table{border-collapse:collapse;font-size:13px;margin:4px 0 10px}
        th,td{border-bottom:1px solid #e1e6ec;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
        th{color:#566;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}td:first-child{white-space:nowrap}
        .bad{color:#b3261e;font-weight:600}.ok{color:#2d7a46}.loss b{color:#b3261e}
        .errors{font-family:ui-monospace,monospace;font-size:12px;color:#b3261e;white-space:pre-wrap}
        .lossmark{stroke:#6b2fb3;stroke-width:2;stroke-dasharray:4 3}

        """

    /// The history sections of the page: what the counts mean, losses, starts and stops,
    /// rulesets in force, reloads and other anomalies. Every value from the log is escaped.
    func historyHTML() -> String {
        var page = "<section id=\"log-mode\"><h2>What the counts mean</h2>\n<ul>"
        for line in logModeLines { page += "<li>\(Self.escape(line))</li>" }
        if let suppressed = history.losses[.suppressed], suppressed.count > 0 {
            page += "<li class=\"bad\">\(suppressed.count) verdict line(s) were suppressed and are not in the counts</li>"
        }
        if let (sum, processes) = history.counters {
            page += "<li>filter's own counters (\(processes) process(es)): packets \(Self.text(sum.packets)), "
                + "accepted \(Self.text(sum.accepted)), dropped \(Self.text(sum.dropped))</li>"
        }
        page += "</ul></section>\n"
        page += lossesHTML() + runsHTML() + rulesetsHTML() + reloadsHTML()
        if !history.anomalies.isEmpty {
            page += "<section id=\"anomalies\"><h2>Other anomalies</h2>\n"
            page += Self.htmlTable(["kind", "count", "events", "first", "last"], history.anomalies.sorted { $0.key < $1.key }.map {
                [$0.key, String($0.value.count), String($0.value.events), Self.time($0.value.first), Self.time($0.value.last)]
            })
            page += incidentsHTML(history.anomalyEvents) + "</section>\n"
        }
        return page
    }

    private func lossesHTML() -> String {
        var page = "<section id=\"losses\" class=\"loss\"><h2>Losses</h2>\n"
        let lossRows = history.lossRows
        guard !lossRows.isEmpty else {
            return page + "<p>none recorded (no loss anomaly, suppressed line or loss counter)</p></section>\n"
        }
        let rows = lossRows.map { loss, tally, counter -> [String] in
            let tally = tally ?? ReportTally()
            return [loss.title, String(tally.count), loss.unit, String(tally.events), Self.time(tally.first),
                    Self.time(tally.last), counter.map(String.init) ?? ""]
        }
        page += Self.htmlTable(["loss", "count", "unit", "events", "first", "last", "process counter"], rows)
        for (dimension, rows) in suppressedBreakdown() {
            page += "<p>suppressed by \(Self.escape(dimension)): "
                + Self.escape(rows.map { "\($0.key) \($0.count)" }.joined(separator: ", ")) + "</p>\n"
        }
        return page + incidentsHTML(history.lossEvents) + "</section>\n"
    }

    private func incidentsHTML(_ list: BoundedList<ReportIncident>) -> String {
        var rows: [[String]] = []
        for (index, incident) in list.kept.enumerated() {
            if index == list.first.count, list.omitted > 0 { rows.append(["…", "", "\(list.omitted) more", "", ""]) }
            rows.append([Self.time(incident.time), Self.text(incident.queue),
                         ReportLoss(rawValue: incident.kind)?.title ?? incident.kind, String(incident.count), incident.detail ?? ""])
        }
        return Self.htmlTable(["time", "queue", "what", "count", "detail"], rows)
    }

    private func runsHTML() -> String {
        var page = "<section id=\"runs\"><h2>Starts and stops</h2>\n<p>\(history.starts) start(s), \(history.stops) stop(s); "
        page += "self-test passed \(history.selfTestsPassed)"
        page += history.selfTestsFailed > 0 ? ", <span class=\"bad\">failed \(history.selfTestsFailed)</span></p>\n" : "</p>\n"
        var rows: [[String]] = []
        for (index, run) in history.runs.kept.enumerated() {
            if index == history.runs.first.count, history.runs.omitted > 0 { rows.append(["…", "\(history.runs.omitted) more", ""]) }
            rows.append([Self.time(run.time), run.isStart ? "start" : "stop", String(Self.describe(run).dropFirst(7))])
        }
        return page + Self.htmlTable(["time", "event", "detail"], rows) + "</section>\n"
    }

    private func rulesetsHTML() -> String {
        let (intervals, omitted) = history.rulesets
        var rows: [[String]] = []
        for (index, interval) in intervals.enumerated() {
            if index == ReportHistory.listLimit, omitted > 0 { rows.append(["…", "\(omitted) more", "", "", "", "", "", ""]) }
            rows.append([Self.time(interval.from), Self.time(interval.to), Self.text(interval.queue), Self.short(interval.ruleset),
                         interval.rulesFile ?? "(file not named)", interval.since, interval.logMode ?? "?", String(interval.verdicts)])
        }
        return "<section id=\"rulesets\"><h2>Rulesets in force</h2>\n"
            + Self.htmlTable(["from", "to", "queue", "ruleset", "file", "since", "log", "verdicts"], rows) + "</section>\n"
    }

    private func reloadsHTML() -> String {
        let reloads = history.reloads
        var page = "<section id=\"reloads\"><h2>Reloads</h2>\n<p>\(reloads.total) reload(s): "
            + "\(reloads.total - history.reloadsFailed) succeeded, \(history.reloadsFailed) failed</p>\n"
        guard reloads.total > 0 else { return page + "</section>\n" }
        page += "<table><tr><th>time</th><th>queue</th><th>result</th><th>file</th><th>ruleset</th></tr>\n"
        for (index, reload) in reloads.kept.enumerated() {
            if index == reloads.first.count, reloads.omitted > 0 { page += "<tr><td>…</td><td colspan=\"4\">\(reloads.omitted) more</td></tr>\n" }
            let control = reload.control
            page += "<tr><td>\(Self.time(reload.time))</td><td>\(Self.text(control.queue))</td>"
            page += reload.succeeded ? "<td class=\"ok\">ok</td>" : "<td class=\"bad\">failed (old ruleset kept)</td>"
            page += "<td>\(Self.escape(control.rulesFile ?? "?"))</td><td>\(Self.escape(Self.short(control.ruleset)))</td></tr>\n"
            if !control.errors.isEmpty {
                var errors = control.errors.joined(separator: "\n")
                if control.errorCount > control.errors.count { errors += "\n… \(control.errorCount - control.errors.count) more" }
                page += "<tr><td></td><td colspan=\"4\" class=\"errors\">\(Self.escape(errors))</td></tr>\n"
            }
        }
        return page + "</table></section>\n"
    }

    /// A dashed vertical line on the timeline at each kept loss event, titled with what was
    /// lost, so that gaps in the bars read as losses, not as quiet. Losses outside the span
    /// of the verdicts are in the losses table only.
    func lossMarkers(
        from start: Int64, bucketWidth: Int64, barWidth: Double, left: Double, right: Double, bottom: Double
    ) -> String {
        var svg = ""
        for incident in history.lossEvents.kept {
            guard let time = incident.time, time >= start else { continue }
            let x = left + Double(time - start) / Double(bucketWidth) * barWidth
            guard x <= right else { continue }
            let title = "\(ReportTime.format(microseconds: time)): \(ReportLoss(rawValue: incident.kind)?.title ?? incident.kind) \(incident.count)"
            svg += "<line class=\"lossmark\" x1=\"\(Self.number(x))\" y1=\"10\" x2=\"\(Self.number(x))\" y2=\"\(Self.number(bottom))\">"
                + "<title>\(Self.escape(title))</title></line>\n"
        }
        return svg
    }

    /// A table whose cells are text (escaped here); numeric-looking cells align right.
    static func htmlTable(_ headings: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p>none</p>\n" }
        var table = "<table><tr>" + headings.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            table += "<tr>" + row.map { cell in
                cell.allSatisfy(\.isNumber) && !cell.isEmpty ? "<td class=\"n\">\(cell)</td>" : "<td>\(escape(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return table + "</table>\n"
    }
}
