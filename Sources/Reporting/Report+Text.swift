import Log
extension Report {
    /// A plain-text summary and one table per dimension (`dimensions`), `top` rows each.
    public func text(dimensions: [ReportDimension], top: Int?) -> String {
        var out = "portcullis report: \(files.count) file\(files.count == 1 ? "" : "s"), \(lines) line\(lines == 1 ? "" : "s"), \(damagedLines) damaged\n"
        let kinds = events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out += "events: \(kinds.isEmpty ? "none" : kinds)\n"
        if !filter.description.isEmpty { out += "filter: \(filter.description.joined(separator: ", "))\n" }
        out += "matched: \(matched.total) verdicts (accepted \(matched.accepted), dropped \(matched.dropped))"
        if let first, let last {
            out += " from \(ReportTime.format(microseconds: first)) to \(ReportTime.format(microseconds: last))"
        }
        out += "\n"
        out += historyText()
        for dimension in dimensions {
            let (rows, groups) = self.top(dimension, top)
            out += "\nby \(dimension.rawValue): top \(rows.count) of \(groups) \(dimension.title)\n"
            out += Self.table(rows, total: matched.total, heading: dimension.rawValue.uppercased())
        }
        return out
    }

    static func table(_ rows: [ReportRow], total: Int, heading: String) -> String {
        let widths = [
            max(5, rows.map { String($0.count.total).count }.max() ?? 0),
            max(6, rows.map { String($0.count.accepted).count }.max() ?? 0),
            max(4, rows.map { String($0.count.dropped).count }.max() ?? 0),
        ]
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var out = "  \(pad("COUNT", widths[0]))  \(pad("ACCEPT", widths[1]))  \(pad("DROP", widths[2]))   SHARE  \(heading)\n"
        for row in rows {
            let share = total == 0 ? 0 : Double(row.count.total) * 100 / Double(total)
            out += "  \(pad(String(row.count.total), widths[0]))  \(pad(String(row.count.accepted), widths[1]))"
                + "  \(pad(String(row.count.dropped), widths[2]))  \(pad(percent(share), 6))  \(row.key)\n"
        }
        return out
    }

    /// One decimal, without Foundation: `12.5%`.
    static func percent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
