import Engine
import Rules
import SystemCalls
import SystemPackage
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Writes the Prometheus text exposition format (version 0.0.4) for node_exporter's
/// textfile collector: the whole file is written to a temporary name beside the target
/// and renamed over it, so a scraper never reads half a file.
public struct MetricsWriter {
    public var path: String

    /// Everything one snapshot reports.
    public struct Snapshot {
        public var queue: UInt16
        public var engine: EngineCounters
        public var program: Program
        /// Counters from the queue layer, the kernel and the loop, by metric name suffix.
        public var counters: [(name: String, help: String, value: UInt64)]
        public var reloadsSucceeded: UInt64
        public var reloadsFailed: UInt64
        public var startTime: Int

        public init(
            queue: UInt16, engine: EngineCounters, program: Program,
            counters: [(name: String, help: String, value: UInt64)],
            reloadsSucceeded: UInt64, reloadsFailed: UInt64, startTime: Int
        ) {
            self.queue = queue
            self.engine = engine
            self.program = program
            self.counters = counters
            self.reloadsSucceeded = reloadsSucceeded
            self.reloadsFailed = reloadsFailed
            self.startTime = startTime
        }
    }

    public init(path: String) {
        self.path = path
    }

    /// The exposition text for a snapshot.
    public static func render(_ snapshot: Snapshot) -> String {
        let queue = "queue=\"\(snapshot.queue)\""
        let engine = snapshot.engine
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP portcullis_\(name) \(help)\n# TYPE portcullis_\(name) \(type)\n"
            for sample in samples {
                text += "portcullis_\(name){\(queue)\(sample.labels.isEmpty ? "" : ",")\(sample.labels)} \(sample.value)\n"
            }
        }
        family("packets_total", "counter", "Packets judged, by verdict and reason.", [
            ("verdict=\"accept\",reason=\"rule\"", "\(engine.acceptedByRule)"),
            ("verdict=\"accept\",reason=\"policy\"", "\(engine.acceptedByPolicy)"),
            ("verdict=\"drop\",reason=\"rule\"", "\(engine.droppedByRule)"),
            ("verdict=\"drop\",reason=\"policy\"", "\(engine.droppedByPolicy)"),
            ("verdict=\"drop\",reason=\"decode\"", "\(engine.decodeErrors)"),
            ("verdict=\"drop\",reason=\"internal\"", "\(engine.internalErrors)"),
        ])
        family("rebuilt_packets_total", "counter", "Accepted packets sent on as rebuilt bytes.", [("", "\(engine.rebuilt)")])
        // By the version nibble the decoder was chosen by; an empty packet or another version is
        // in neither (and in packets_total as a decode drop).
        family("family_packets_total", "counter", "Packets judged, by IP family.", [
            ("family=\"ipv4\"", "\(engine.ipv4Packets)"), ("family=\"ipv6\"", "\(engine.ipv6Packets)"),
        ])
        family("decode_errors_total", "counter", "Packets that failed to decode, by layer.",
               DecodeError.Layer.allCases.enumerated().map { index, layer in
                   ("layer=\"\(layer.rawValue)\"", "\(engine.decodeErrorsByLayer[index])")
               })
        family("rule_hits_total", "counter", "Packets decided by each rule of the ruleset in force (restarts on reload).",
               snapshot.program.rules.enumerated().compactMap { index, rule in
                   guard index < engine.ruleHits.count else { return nil }
                   let label = rule.label.map { ",label=\"\(escape($0))\"" } ?? ""
                   return ("file=\"\(escape(rule.location.file))\",line=\"\(rule.location.line)\"\(label)", "\(engine.ruleHits[index])")
               })
        for counter in snapshot.counters {
            family(counter.name, "counter", counter.help, [("", "\(counter.value)")])
        }
        family("reloads_total", "counter", "Rules reloads, by result.", [
            ("result=\"success\"", "\(snapshot.reloadsSucceeded)"), ("result=\"failure\"", "\(snapshot.reloadsFailed)"),
        ])
        family("start_time_seconds", "gauge", "When the process started, in seconds since the epoch.",
               [("", "\(snapshot.startTime)")])
        return text
    }

    /// Writes the snapshot atomically. Returns false (and leaves the old file) on failure.
    @discardableResult
    public func write(_ snapshot: Snapshot) -> Bool {
        let temporary = "\(path).tmp.\(getpid())"
        // The temporary name is created afresh (a leftover is removed first, never followed);
        // rename then replaces the target itself, even if it is a symlink.
        unlink(temporary)
        guard let fd = try? OutputFile.open(temporary, mode: .truncate, permissions: 0o644) else { return false }
        var text = Self.render(snapshot)
        let complete = text.withUTF8 { SystemCall.writeAll(fd, UnsafeRawBufferPointer($0)).failure == nil }
        try? FileDescriptor(rawValue: fd).close()
        guard complete, (try? SystemCall.retryingInterrupts({ rename(temporary, path) })) != nil else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// Label values escape backslash, double quote and newline (exposition format).
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
