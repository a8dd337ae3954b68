import Log
extension Report {
    /// One JSON object (and a newline) for scripts: totals, the groups of `dimensions` with
    /// `top` rows each, and the display timeline.
    public func json(dimensions: [ReportDimension], top: Int?) -> [UInt8] {
        var out = JSONBuffer(capacity: 1 << 16)
        out.beginObject()
        out.beginArray("files")
        for file in files { out.element(file) }
        out.endArray()
        out.field("lines", lines)
        out.field("damaged_lines", damagedLines)
        // Event types are open-ended (JSONBuffer keys are fixed): an array of pairs.
        out.beginArray("events")
        for (type, count) in events.sorted(by: { $0.key < $1.key }) {
            out.beginObject()
            out.field("event_type", type)
            out.field("count", count)
            out.endObject()
        }
        out.endArray()
        out.beginArray("filter")
        for part in filter.description { out.element(part) }
        out.endArray()
        out.beginObject("matched")
        counts(matched, into: &out)
        if let first { out.field("first", ReportTime.format(microseconds: first)) }
        if let last { out.field("last", ReportTime.format(microseconds: last)) }
        out.endObject()
        historyJSON(into: &out)
        out.beginObject("groups")
        for dimension in dimensions {
            let (rows, groups) = self.top(dimension, top)
            out.beginObject(dimension.jsonKey)
            out.field("groups", groups)
            out.beginArray("top")
            for row in rows {
                out.beginObject()
                out.field("key", row.key)
                counts(row.count, into: &out)
                out.endObject()
            }
            out.endArray()
            out.endObject()
        }
        out.endObject()
        let (width, buckets) = timeline.display()
        out.beginObject("timeline")
        out.field("bucket_seconds", width / 1_000_000)
        out.beginArray("buckets")
        for bucket in buckets {
            out.beginObject()
            out.field("start", ReportTime.format(microseconds: bucket.start))
            counts(bucket.count, into: &out)
            out.endObject()
        }
        out.endArray()
        out.endObject()
        out.endObject()
        out.endLine()
        return out.bytes
    }

    private func counts(_ count: ReportCount, into out: inout JSONBuffer) {
        out.field("count", count.total)
        out.field("accepted", count.accepted)
        out.field("dropped", count.dropped)
        out.field("rejected", count.rejected)
    }
}

extension ReportDimension {
    var jsonKey: StaticString {
        switch self {
        case .rule: "rule"
        case .src: "src"
        case .dst: "dst"
        case .reason: "reason"
        case .port: "port"
        case .dnsName: "dns_name"
        }
    }
}
