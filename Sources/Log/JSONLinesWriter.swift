import Engine
import Rules
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Where the verdict log goes.
public enum LogDestination: Sendable, Equatable {
    case standardOutput
    /// A file opened for appending (created 0640 when missing).
    case file(String)
}

/// The log file could not be opened.
public struct LogOpenError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String {
        "cannot open log file \(path): \(String(cString: strerror(errno)))"
    }
}

/// What the `start` event records.
public struct StartInfo: Sendable {
    public var version: String
    public var queue: UInt16
    public var rulesFile: String
    public var pid: Int32
    public var program: Program

    public init(version: String, queue: UInt16, rulesFile: String, pid: Int32, program: Program) {
        self.version = version
        self.queue = queue
        self.rulesFile = rulesFile
        self.pid = pid
        self.program = program
    }
}

/// Writes the verdict log: one JSON object a line, EVE-like names (docs/DESIGN).
///
/// Lines are built in a buffer reserved at startup and written whole, many at a time, with
/// one `write` per `flush` to a file opened `O_APPEND`, so concurrent writers never tear a
/// line. A failed write is counted in `lostLines`, never fatal: judging goes on.
public final class JSONLinesWriter {
    /// The SHA-256 (hex) of the ruleset text in force, written on every line.
    public var ruleset: String
    public private(set) var lostLines: UInt64 = 0
    public private(set) var linesWritten: UInt64 = 0
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer = JSONBuffer(capacity: 1 << 17)
    private var pendingLines: UInt64 = 0

    /// Opens the destination. After it succeeds, writing never throws.
    public init(destination: LogDestination, ruleset: String) throws(LogOpenError) {
        self.ruleset = ruleset
        switch destination {
        case .standardOutput:
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw LogOpenError(path: path, errno: Glibc.errno) }
            descriptor = fd
            ownsDescriptor = true
        }
    }

    deinit {
        flush()
        if ownsDescriptor { close(descriptor) }
    }

    public func writeStart(_ info: StartInfo) {
        begin("start", queue: info.queue)
        buffer.field("version", info.version)
        buffer.field("rules_file", info.rulesFile)
        buffer.field("pid", info.pid)
        buffer.field("policy", info.program.policy.rawValue)
        buffer.field("log", info.program.logMode.rawValue)
        buffer.field("rule_count", info.program.rules.count)
        end()
    }

    /// The `stop` event with the process's counters, named as given.
    public func writeStop(queue: UInt16, signal: String?, counters: [(StaticString, UInt64)]) {
        begin("stop", queue: queue)
        if let signal { buffer.field("signal", signal) }
        buffer.beginObject("counters")
        for (name, value) in counters { buffer.field(name, value) }
        buffer.endObject()
        end()
    }

    /// One verdict line. Interface names are resolved by the caller (`nil`: unknown).
    public func writeVerdict(_ event: VerdictEvent, inInterface: String? = nil, outInterface: String? = nil) {
        begin("verdict", queue: event.metadata.queue)
        buffer.field("packet_id", event.metadata.packetID)
        buffer.field("verdict", event.verdict.rawValue)
        buffer.field("reason", event.reason.rawValue)
        if let rule = event.rule {
            buffer.beginObject("rule")
            buffer.field("file", rule.location.file)
            buffer.field("line", rule.location.line)
            if let label = rule.label { buffer.field("label", label) }
            buffer.endObject()
        }
        if let name = inInterface { buffer.field("in_iface", name) }
        if let name = outInterface { buffer.field("out_iface", name) }
        if let summary = event.summary { summaryFields(summary) }
        buffer.field("length", event.metadata.packetLength)
        if let error = event.decodeError {
            buffer.beginObject("decode_error")
            buffer.field("layer", error.layer.rawValue)
            buffer.field("field", error.field.rawValue)
            buffer.field("offset", error.offset)
            buffer.field("reason", error.reason.rawValue)
            buffer.field("message", error.message)
            buffer.endObject()
        }
        if !event.normalized.isEmpty {
            buffer.beginArray("normalized")
            for (flag, name) in Normalizations.names where event.normalized.contains(flag) {
                buffer.element(name)
            }
            buffer.endArray()
        }
        end()
    }

    /// Writes every buffered line with one system call.
    public func flush() {
        guard buffer.count > 0 else { return }
        let complete = buffer.bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if Glibc.errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
        if complete { linesWritten += pendingLines } else { lostLines += pendingLines }
        pendingLines = 0
        buffer.removeAll()
    }

    // MARK: line framing

    private func begin(_ type: StaticString, queue: UInt16) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        buffer.beginObject()
        buffer.key("timestamp")
        buffer.timestamp(seconds: now.tv_sec, microseconds: now.tv_nsec / 1000)
        buffer.field("event_type", type)
        buffer.field("queue", queue)
        buffer.field("ruleset", ruleset)
    }

    private func end() {
        buffer.endObject()
        buffer.endLine()
        pendingLines += 1
        if buffer.count > 1 << 16 { flush() }
    }

    private func summaryFields(_ summary: PacketSummary) {
        buffer.field("src_ip", summary.source.description)
        if let port = summary.sourcePort { buffer.field("src_port", port) }
        buffer.field("dest_ip", summary.destination.description)
        if let port = summary.destinationPort { buffer.field("dest_port", port) }
        // EVE writes the protocol in upper case ("TCP"); unknown ones by number.
        if let name = summary.proto.name {
            buffer.field("proto", name.uppercased())
        } else {
            buffer.field("proto", summary.proto.rawValue)
        }
        if let type = summary.icmpType { buffer.field("icmp_type", type) }
        if let code = summary.icmpCode { buffer.field("icmp_code", code) }
    }
}

extension JSONLinesWriter {
    /// The `reload` event: success (no errors) with the new ruleset hash, or the errors
    /// that kept the old ruleset in force.
    public func writeReload(queue: UInt16, rulesFile: String, errors: [String]) {
        begin("reload", queue: queue)
        buffer.field("rules_file", rulesFile)
        buffer.field("success", errors.isEmpty)
        if !errors.isEmpty {
            buffer.beginArray("errors")
            for error in errors { buffer.element(error) }
            buffer.endArray()
        }
        end()
    }
}
