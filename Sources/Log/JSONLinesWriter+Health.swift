import Engine
import Rules
import Wire

/// What a `stats` event reports: everything cumulative since start.
public struct StatsSnapshot {
    public var intervalSeconds: Int
    public var engine: EngineCounters
    public var program: Program
    /// Named counters from the queue layer and the kernel (received, socket overflows, ...).
    public var queue: [(StaticString, UInt64)]

    public init(intervalSeconds: Int, engine: EngineCounters, program: Program, queue: [(StaticString, UInt64)]) {
        self.intervalSeconds = intervalSeconds
        self.engine = engine
        self.program = program
        self.queue = queue
    }
}

/// Something out of the ordinary that an investigator must see (docs/architecture.md: every decision can be explained afterwards).
/// Raw values are the log's `kind`.
public enum AnomalyKind: String, Sendable {
    /// The socket's receive buffer overflowed (ENOBUFS): the kernel dropped messages for us.
    case socketOverflow = "socket_overflow"
    /// Packet ids jumped: packets the kernel numbered never reached us.
    case packetIDGap = "packet_id_gap"
    /// The kernel dropped packets because the queue was full.
    case kernelQueueFull = "kernel_queue_full"
    /// The kernel could not deliver packets to our socket.
    case kernelDeliveryFailed = "kernel_delivery_failed"
    /// Log lines could not be written.
    case logWriteFailed = "log_write_failed"
    /// A packet hit an internal error (it was dropped).
    case internalError = "internal_error"
    /// Free space on the log's filesystem fell under `run --log-min-free`: verdict lines stop.
    case logDiskLow = "log_disk_low"
    /// A rejected packet came back to the queue still carrying the reject mark: no kernel
    /// REJECT rule answered it before the NFQUEUE rule. It was dropped instead.
    case rejectUnanswered = "reject_unanswered"
}

extension JSONLinesWriter {
    /// The periodic `stats` event.
    public func writeStats(queue: UInt16, _ stats: StatsSnapshot) {
        begin("stats", queue: queue)
        buffer.field("interval", stats.intervalSeconds)
        let engine = stats.engine
        buffer.beginObject("counters")
        buffer.field("packets", engine.packets)
        buffer.field("accepted", engine.accepted)
        buffer.field("dropped", engine.dropped)
        buffer.field("rejected", engine.rejected)
        buffer.field("rebuilt", engine.rebuilt)
        buffer.field("ipv4_packets", engine.ipv4Packets)
        buffer.field("ipv6_packets", engine.ipv6Packets)
        for (name, value) in stats.queue { buffer.field(name, value) }
        buffer.field("log_lines_written", linesWritten)
        buffer.field("log_lines_lost", lostLines)
        buffer.endObject()
        buffer.beginObject("by_reason")
        buffer.field("rule_accept", engine.acceptedByRule)
        buffer.field("rule_drop", engine.droppedByRule)
        buffer.field("policy_accept", engine.acceptedByPolicy)
        buffer.field("policy_drop", engine.droppedByPolicy)
        buffer.field("rule_reject", engine.rejectedByRule)
        buffer.field("policy_reject", engine.rejectedByPolicy)
        buffer.field("decode", engine.decodeErrors)
        buffer.field("internal", engine.internalErrors)
        buffer.endObject()
        buffer.beginObject("decode_errors")
        for (index, layer) in DecodeError.Layer.allCases.enumerated() {
            buffer.key(layer.staticName)
            buffer.integer(engine.decodeErrorsByLayer[index])
        }
        buffer.endObject()
        buffer.beginArray("rules")
        for (index, rule) in stats.program.rules.enumerated() where index < engine.ruleHits.count {
            buffer.beginObject()
            buffer.field("file", rule.location.file)
            buffer.field("line", rule.location.line)
            if let label = rule.label { buffer.field("label", label) }
            buffer.field("hits", engine.ruleHits[index])
            buffer.endObject()
        }
        buffer.endArray()
        end()
    }

    /// One `anomaly` event: what happened, how many times since the last report of this
    /// kind, and optional details.
    public func writeAnomaly(
        queue: UInt16, kind: AnomalyKind, count: UInt64, message: String,
        details: [(StaticString, UInt64)] = []
    ) {
        begin("anomaly", queue: queue)
        buffer.field("kind", kind.rawValue)
        buffer.field("count", count)
        buffer.field("message", message)
        for (name, value) in details { buffer.field(name, value) }
        end()
    }
}

extension DecodeError.Layer {
    /// The layer's log name as a static string (for JSON keys).
    var staticName: StaticString {
        switch self {
        case .ipv4: "ipv4"
        case .tcp: "tcp"
        case .udp: "udp"
        case .icmp: "icmp"
        case .ipv6: "ipv6"
        case .ipv6HopByHop: "ipv6_hop_by_hop"
        case .ipv6Routing: "ipv6_routing"
        case .ipv6Fragment: "ipv6_fragment"
        case .ipv6DestinationOptions: "ipv6_destination_options"
        case .icmpv6: "icmpv6"
        case .igmp: "igmp"
        case .esp: "esp"
        case .ah: "ah"
        case .vrrp: "vrrp"
        case .sctp: "sctp"
        case .gre: "gre"
        case .dns: "dns"
        }
    }
}
