import Engine
import Rules
import Wire

extension JSONLinesWriter {
    /// How many networks and ports a `suppressed` event lists by name; the rest is in the
    /// `*_other` fields.
    public static let suppressedTopCount = 10

    /// The `suppressed` event: the packets of `summary` whose verdict lines were not written.
    /// Every breakdown sums to `count`: `by_verdict`, `by_reason`; `by_src_net` +
    /// `src_net_other` + `src_net_none`; `by_dest_port` + `dest_port_other` + `dest_port_none`.
    /// `limit` is the limit in force when the cause is the rate limit.
    public func writeSuppressed(queue: UInt16, _ summary: SuppressionSummary, limit: LogLimit?) {
        guard summary.count > 0 else { return }
        begin("suppressed", queue: queue)
        buffer.field("cause", summary.cause.rawValue)
        buffer.field("count", summary.count)
        if let since = summary.since {
            buffer.key("since")
            buffer.timestamp(seconds: since.seconds, microseconds: since.microseconds)
        }
        if let limit {
            buffer.beginObject("limit")
            buffer.field("rate", limit.rate)
            buffer.field("period", limit.period.rawValue)
            buffer.field("burst", limit.burst)
            buffer.endObject()
        }
        buffer.beginObject("by_verdict")
        buffer.field("drop", summary.dropped)
        buffer.field("accept", summary.count - summary.dropped)
        buffer.endObject()
        buffer.beginObject("by_reason")
        buffer.field("rule", summary.byReason.rule)
        buffer.field("policy", summary.byReason.policy)
        buffer.field("decode", summary.byReason.decode)
        buffer.field("internal", summary.byReason.internal)
        buffer.endObject()
        let sources = summary.sources.topWide(Self.suppressedTopCount)
        buffer.beginArray("by_src_net")
        for (key, count) in sources.top {
            let (network, prefix) = SuppressionSummary.sourceNetwork(key)
            buffer.beginObject()
            buffer.field("net", "\(network)/\(prefix)")
            buffer.field("count", count)
            buffer.endObject()
        }
        buffer.endArray()
        buffer.field("src_net_other", sources.other)
        buffer.field("src_net_none", summary.noSource)
        let ports = summary.ports.top(Self.suppressedTopCount)
        buffer.beginArray("by_dest_port")
        for (port, count) in ports.top {
            buffer.beginObject()
            buffer.field("port", port)
            buffer.field("count", count)
            buffer.endObject()
        }
        buffer.endArray()
        buffer.field("dest_port_other", ports.other)
        buffer.field("dest_port_none", summary.noPort)
        end()
    }
}
