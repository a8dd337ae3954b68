import Log
extension Report {
    /// One self-contained HTML page (inline CSS and SVG, no external assets): the summary,
    /// a timeline of verdicts per bucket, and bar charts of the top rules, sources,
    /// destinations, reasons and ports.
    public func html(top: Int?) -> String {
        let n = top ?? 10
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Portcullis verdict report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#1d2733;background:#fff}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}
            .meta{color:#566;font-size:13px}.cards{display:flex;gap:12px;margin:14px 0}
            .card{border:1px solid #d5dde5;border-radius:6px;padding:8px 14px;min-width:110px}
            .card b{display:block;font-size:22px}.accept{fill:#3a9d5d}.drop{fill:#d0453a}
            .grid{display:grid;grid-template-columns:1fr 1fr;gap:8px 28px}
            svg text{font-size:11px;fill:#1d2733}.axis{stroke:#889;stroke-width:1}
            .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
            \(Self.historyCSS)</style></head><body>
            <h1>Portcullis verdict report</h1>

            """
        page += "<p class=\"meta\">\(Self.escape(files.joined(separator: ", "))): \(lines) lines, \(damagedLines) damaged"
        if let first, let last {
            page += "; \(ReportTime.format(microseconds: first)) to \(ReportTime.format(microseconds: last))"
        }
        if !filter.description.isEmpty { page += "<br>filter: \(Self.escape(filter.description.joined(separator: ", ")))" }
        page += "</p>\n<div class=\"cards\">"
        for (title, value) in [("verdicts", matched.total), ("accepted", matched.accepted), ("dropped", matched.dropped), ("damaged lines", damagedLines)] {
            page += "<div class=\"card\">\(title)<b>\(value)</b>\(title == "accepted" ? acceptedCaveat : "")</div>"
        }
        let lostPackets = [ReportLoss.kernelQueueFull, .kernelDeliveryFailed, .packetIDGap].reduce(0) { $0 + history.lost($1) }
        let lostLines = [ReportLoss.logWriteFailed, .suppressed].reduce(0) { $0 + history.lost($1) }
        page += "<div class=\"card loss\">packets lost before judging<b>\(lostPackets)</b></div>"
        page += "<div class=\"card loss\">verdict lines lost or suppressed<b>\(lostLines)</b></div>"
        page += "<div class=\"card\">reloads (failed)<b>\(history.reloads.total) (\(history.reloadsFailed))</b></div>"
        page += "</div>\n" + historyHTML()
        page += "<h2>Verdicts over time</h2>\n" + timelineSVG()
        page += "<div class=\"grid\">\n"
        for dimension in defaultDimensions {
            let (rows, groups) = self.top(dimension, n)
            page += "<section><h2>Top \(dimension.title) (\(rows.count) of \(groups))</h2>\n"
            page += barsSVG(rows, id: "top-\(dimension.title.replacingSpaces())") + "</section>\n"
        }
        page += "</div>\n</body></html>\n"
        return page
    }

    /// Under the accepted count: what the log modes in force leave out of it.
    private var acceptedCaveat: String {
        let partial = history.logModes.keys.filter { $0 != "all" }.sorted()
        guard !partial.isEmpty else { return "" }
        return "<small>not all logged (log \(Self.escape(partial.joined(separator: ", "))))</small>"
    }

    /// Stacked bars (dropped over accepted) per time bucket, with a time axis.
    func timelineSVG() -> String {
        let (width, buckets) = timeline.display()
        let chartWidth = 1100.0, chartHeight = 220.0, left = 50.0, bottom = 30.0
        var svg = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(chartWidth))\" height=\"\(Int(chartHeight))\" role=\"img\" aria-label=\"verdicts per bucket\">\n"
        guard !buckets.isEmpty else { return svg + "<text x=\"\(left)\" y=\"40\">no verdicts match</text></svg>\n" }
        let peak = Double(buckets.map(\.count.total).max() ?? 1)
        let plotWidth = chartWidth - left - 10, plotHeight = chartHeight - bottom - 10
        let barWidth = plotWidth / Double(buckets.count)
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(10 + plotHeight)\" x2=\"\(chartWidth - 10)\" y2=\"\(10 + plotHeight)\"/>\n"
        svg += "<text x=\"4\" y=\"16\">\(Int(peak))</text><text x=\"4\" y=\"\(10 + plotHeight)\">0</text>\n"
        for (index, bucket) in buckets.enumerated() {
            let x = left + Double(index) * barWidth
            let accepted = Double(bucket.count.accepted) / peak * plotHeight
            let dropped = Double(bucket.count.dropped) / peak * plotHeight
            let title = "<title>\(ReportTime.format(microseconds: bucket.start)): accepted \(bucket.count.accepted), dropped \(bucket.count.dropped)</title>"
            let w = Self.number(max(barWidth - 1, 0.5))
            if accepted > 0 {
                svg += "<rect class=\"accept\" x=\"\(Self.number(x))\" y=\"\(Self.number(10 + plotHeight - accepted))\" width=\"\(w)\" height=\"\(Self.number(accepted))\">\(title)</rect>\n"
            }
            if dropped > 0 {
                svg += "<rect class=\"drop\" x=\"\(Self.number(x))\" y=\"\(Self.number(10 + plotHeight - accepted - dropped))\" width=\"\(w)\" height=\"\(Self.number(dropped))\">\(title)</rect>\n"
            }
        }
        svg += lossMarkers(
            from: buckets[0].start, bucketWidth: width, barWidth: barWidth, left: left, right: chartWidth - 10, bottom: 10 + plotHeight)
        // Up to six time labels along the axis.
        let step = max(1, buckets.count / 6)
        for index in stride(from: 0, to: buckets.count, by: step) where left + Double(index) * barWidth + 130 < chartWidth {
            let label = ReportTime.format(microseconds: buckets[index].start).prefix(19).replacingT()
            svg += "<text x=\"\(Self.number(left + Double(index) * barWidth))\" y=\"\(chartHeight - 8)\">\(label)</text>\n"
        }
        svg += "</svg>\n<p class=\"legend meta\">bucket \(width / 1_000_000) s<span style=\"background:#3a9d5d\"></span>accepted<span style=\"background:#d0453a\"></span>dropped<span style=\"background:#6b2fb3\"></span>loss (kernel drops, overflows, lost or suppressed lines)</p>\n"
        return svg
    }

    /// Horizontal bars, one per row, split into dropped and accepted.
    func barsSVG(_ rows: [ReportRow], id: String) -> String {
        let rowHeight = 20.0, labelWidth = 230.0, barSpace = 200.0
        let height = max(rowHeight, Double(rows.count) * rowHeight) + 4
        var svg = "<svg id=\"\(id)\" class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barSpace + 70))\" height=\"\(Int(height))\">\n"
        guard let peak = rows.map(\.count.total).max(), peak > 0 else { return svg + "<text x=\"0\" y=\"14\">none</text></svg>\n" }
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 2
            let dropped = Double(row.count.dropped) / Double(peak) * barSpace
            let accepted = Double(row.count.accepted) / Double(peak) * barSpace
            let label = row.key.count > 36 ? String(row.key.prefix(35)) + "…" : row.key
            svg += "<text x=\"0\" y=\"\(Self.number(y + 13))\">\(Self.escape(label))<title>\(Self.escape(row.key))</title></text>\n"
            svg += "<rect class=\"drop\" x=\"\(labelWidth)\" y=\"\(Self.number(y + 2))\" width=\"\(Self.number(dropped))\" height=\"\(rowHeight - 5)\"/>"
            svg += "<rect class=\"accept\" x=\"\(Self.number(labelWidth + dropped))\" y=\"\(Self.number(y + 2))\" width=\"\(Self.number(accepted))\" height=\"\(rowHeight - 5)\"/>"
            svg += "<text x=\"\(Self.number(labelWidth + dropped + accepted + 4))\" y=\"\(Self.number(y + 13))\">\(row.count.total)</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// Text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension StringProtocol {
    fileprivate func replacingSpaces() -> String { String(map { $0 == " " ? "-" : $0 }) }
    fileprivate func replacingT() -> String { String(map { $0 == "T" ? " " : $0 }) }
}
