/// What one queue's metrics file (`run --metrics-file`) says about the process behind it,
/// for `portcullis status`. Pure: the caller reads the file, its age, and whether the pid
/// is alive, so the judgement and the text are tested without a running filter.
public struct QueueStatus: Sendable, Equatable {
    public var file: String
    public var queue: String
    /// `portcullis_info`'s labels: version, pid, rules_file, ruleset, log.
    public var info: [String: String]
    /// Every sample but `portcullis_info`, keyed `name{label="value",...}` without the queue
    /// label (labels in the order written).
    public var samples: [String: Double]

    /// Parses the text exposition format as `MetricsWriter` writes it; nil when the text has
    /// no `portcullis_` sample at all (not one of our files).
    public init?(metrics text: String, file: String) {
        self.file = file
        queue = "?"
        info = [:]
        samples = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sample = Self.parse(line), sample.name.hasPrefix("portcullis_") else { continue }
            if let queue = sample.labels.first(where: { $0.0 == "queue" })?.1 { self.queue = queue }
            let labels = sample.labels.filter { $0.0 != "queue" }
            if sample.name == "portcullis_info" {
                for (key, value) in labels { info[key] = value }
                continue
            }
            let key = labels.isEmpty ? sample.name : sample.name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
            samples[key] = sample.value
        }
        if samples.isEmpty && info.isEmpty { return nil }
    }

    /// One sample line: `name{a="x",b="y"} value`.
    static func parse(_ line: Substring) -> (name: String, labels: [(String, String)], value: Double)? {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let head = line[..<space]
        guard let brace = head.firstIndex(of: "{") else { return (String(head), [], value) }
        guard head.last == "}" else { return nil }
        var labels: [(String, String)] = []
        var rest = head[head.index(after: brace)..<head.index(before: head.endIndex)]
        while let equals = rest.firstIndex(of: "=") {
            let key = String(rest[..<equals]).trimmingLeadingComma
            var index = rest.index(after: equals)
            guard index < rest.endIndex, rest[index] == "\"" else { return nil }
            index = rest.index(after: index)
            var text = ""
            var closed = false
            while index < rest.endIndex {
                let character = rest[index]
                index = rest.index(after: index)
                if character == "\"" { closed = true; break }
                if character == "\\", index < rest.endIndex {
                    let escaped = rest[index]
                    index = rest.index(after: index)
                    text.append(escaped == "n" ? "\n" : escaped)
                } else {
                    text.append(character)
                }
            }
            guard closed else { return nil }
            labels.append((key, text))
            rest = rest[index...]
        }
        return (String(head[..<brace]), labels, value)
    }

    /// A sample as a count: NaN, negative or absurd values (the file is text anyone with
    /// write access could change) are clamped, never trapped on.
    static func clamped(_ value: Double?, to limit: Double = 1e15) -> Int64 {
        guard let value, value.isFinite else { return 0 }
        return Int64(min(max(value, -limit), limit))
    }

    func value(_ key: String) -> UInt64 { UInt64(max(0, Self.clamped(samples[key]))) }

    /// Packets by verdict (summed over reasons).
    func packets(_ verdict: String) -> UInt64 {
        samples.filter { $0.key.hasPrefix("portcullis_packets_total{verdict=\"\(verdict)\"") }
            .values.reduce(0) { $0 &+ UInt64(max(0, Self.clamped($1))) }
    }

    public var pid: Int32? { info["pid"].flatMap { Int32($0) } }
    public var startTime: Int? { samples["portcullis_start_time_seconds"].map { Int(Self.clamped($0, to: 1e12)) } }
    public var interval: Int { Int(Self.clamped(samples["portcullis_metrics_interval_seconds"] ?? 15, to: 1e9)) }
    public var logHealthy: Bool? { samples["portcullis_log_healthy"].map { $0 != 0 } }

    /// What the process is doing, from outside facts: whether its pid is alive and how old
    /// the file is. A file older than three intervals (and a few seconds) is stale.
    public enum State: Equatable, Sendable {
        case running
        case stopped
        case stale
    }

    public func state(pidAlive: Bool, ageSeconds: Int) -> State {
        guard pidAlive else { return .stopped }
        return ageSeconds > 3 &* interval &+ 5 ? .stale : .running
    }

    /// Whether the queue is judging and recording: running, and the log healthy.
    public func healthy(pidAlive: Bool, ageSeconds: Int) -> Bool {
        state(pidAlive: pidAlive, ageSeconds: ageSeconds) == .running && logHealthy != false
    }

    /// The status as a few lines of text; `now` and `ageSeconds` are seconds.
    public func text(pidAlive: Bool, ageSeconds: Int, now: Int) -> String {
        let pidText = info["pid"].map { "pid \($0)" } ?? "pid unknown"
        let stateText: String
        switch state(pidAlive: pidAlive, ageSeconds: ageSeconds) {
        case .running:
            let uptime = startTime.map { ", up " + Self.duration(now.subtractingReportingOverflow($0).partialValue) } ?? ""
            stateText = "running (\(pidText)\(uptime))"
        case .stopped:
            stateText = "NOT RUNNING (\(pidText) is gone; these figures are \(Self.duration(ageSeconds)) old)"
        case .stale:
            stateText = "STALLED? (\(pidText) is alive but has not updated its metrics for \(Self.duration(ageSeconds)))"
        }
        var out = "queue \(queue): \(stateText)" + (info["version"].map { ", portcullis \($0)" } ?? "") + "\n"
        out += "  rules    \(info["rules_file"] ?? "?") (sha256 \(info["ruleset"] ?? "?"))\n"
        let accepted = packets("accept"), dropped = packets("drop"), rejected = packets("reject")
        let total = accepted + dropped + rejected
        out += "  packets  \(Self.count(total, "packet")): \(accepted) accepted, \(dropped) dropped"
        if rejected > 0 { out += ", \(rejected) rejected" }
        let decode = value("portcullis_packets_total{verdict=\"drop\",reason=\"decode\"}")
        out += " (\(decode) failed to decode), \(value("portcullis_rebuilt_packets_total")) rebuilt\n"
        out += "  losses   \(losses())\n"
        let logName = info["log"] ?? "?"
        switch logHealthy {
        case .some(true): out += "  log      \(logName): healthy"
        case .some(false): out += "  log      \(logName): FAILING (verdict lines are not being written)"
        case .none: out += "  log      \(logName)"
        }
        let lost = value("portcullis_log_lines_lost_total"), suppressed = value("portcullis_log_lines_suppressed_total")
        if lost > 0 || suppressed > 0 { out += "; \(lost) lines lost, \(suppressed) suppressed" }
        out += "\n"
        out += "  reloads  \(value("portcullis_reloads_total{result=\"success\"}")) succeeded, "
            + "\(value("portcullis_reloads_total{result=\"failure\"}")) failed\n"
        out += "  metrics  \(file), written \(Self.duration(ageSeconds)) ago\n"
        return out
    }

    /// Packets lost before or after judging, or "none".
    func losses() -> String {
        let kinds: [(String, String)] = [
            ("portcullis_socket_overflows_total", "socket overflows"),
            ("portcullis_packet_id_gaps_total", "packets never received"),
            ("portcullis_kernel_queue_dropped_total", "dropped by the kernel (queue full)"),
            ("portcullis_kernel_user_dropped_total", "undeliverable by the kernel"),
            ("portcullis_dropped_log_unavailable_total", "dropped for the log (--require-log)"),
            ("portcullis_rejects_unanswered_total", "rejects without a REJECT rule"),
        ]
        let found = kinds.compactMap { key, name in value(key) > 0 ? "\(value(key)) \(name)" : nil }
        return found.isEmpty ? "none" : found.joined(separator: ", ")
    }

    /// `3d 4h`, `2h 05m`, `4m 10s`, `12s`.
    static func duration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s >= 86_400 { return "\(s / 86_400)d \(s % 86_400 / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h \(pad(s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m \(pad(s % 60))s" }
        return "\(s)s"
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `1 packet`, `2 packets`.
    static func count(_ value: UInt64, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }
}

extension String {
    fileprivate var trimmingLeadingComma: String {
        var text = Substring(self)
        while text.first == "," || text.first == " " { text = text.dropFirst() }
        return String(text)
    }
}
