import Engine
import Rules
import SystemCalls
import SystemPackage
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Where the verdict log goes.
public enum LogDestination: Sendable, Equatable {
    case standardOutput
    /// A file opened for appending (created 0640 when missing), never through a planted
    /// symlink (`OutputFile`).
    case file(String)
}

/// The log file could not be opened.
public struct LogOpenError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    /// Set when the path was refused as unsafe (see `OutputFile`).
    public var refusal: OutputFileError?
    public var description: String {
        if let refusal, case .system = refusal.reason {} else if let refusal { return "log file: \(refusal)" }
        return "cannot open log file \(path): \(String(cString: strerror(errno)))"
    }
}

/// What the `start` event records.
public struct StartInfo: Sendable {
    public var version: String
    public var queue: UInt16
    public var rulesFile: String
    public var pid: Int32
    public var program: Program
    /// Debug and test modes switched on (logged: an investigator must know).
    public var faultInjectionMark: UInt32?
    /// The self-test passed before binding: known-answer packets checked, and probes on
    /// which the compiled rules agreed with the reference evaluator.
    public var selfTest: (knownAnswers: Int, ruleProbes: Int)?
    /// `--fail-open` is on: the kernel accepts packets unjudged when the queue is full.
    public var failOpen: Bool
    /// `--state-mark-shift`: `state` rules read the state from these mark bits, not from
    /// the kernel's conntrack attachment.
    public var stateMarkShift: UInt32?
    /// `run --log-min-free` as given ("2%", "64M"); nil when the guard is off.
    public var logMinFree: String?

    public init(
        version: String, queue: UInt16, rulesFile: String, pid: Int32, program: Program,
        faultInjectionMark: UInt32? = nil, selfTest: (knownAnswers: Int, ruleProbes: Int)? = nil,
        failOpen: Bool = false, stateMarkShift: UInt32? = nil, logMinFree: String? = nil
    ) {
        self.logMinFree = logMinFree
        self.failOpen = failOpen
        self.stateMarkShift = stateMarkShift
        self.faultInjectionMark = faultInjectionMark
        self.selfTest = selfTest
        self.version = version
        self.queue = queue
        self.rulesFile = rulesFile
        self.pid = pid
        self.program = program
    }
}

/// Writes the verdict log: one JSON object a line, EVE-like names (docs/logs.md).
///
/// Lines are built in a buffer reserved at startup and written whole, many at a time, with
/// one `write` per `flush` to a file opened `O_APPEND`, so concurrent writers never tear a
/// line. A failed write is counted in `lostLines`, never fatal: judging goes on.
public final class JSONLinesWriter {
    /// The SHA-256 (hex) of the ruleset text in force, written on every line.
    public var ruleset: String
    public private(set) var lostLines: UInt64 = 0
    public private(set) var linesWritten: UInt64 = 0
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    var buffer = JSONBuffer(capacity: 1 << 17)
    private var pendingLines: UInt64 = 0
    private var chain = HashChain()
    /// The chain value of the last line known to be in the file.
    private var flushedHead = ChainValue.anchor
    private var lineStart = 0
    private let destination: LogDestination
    /// True while the last write failed; cleared by the next successful one.
    public private(set) var isFailing = false

    /// Opens the destination. After it succeeds, writing never throws.
    public init(destination: LogDestination, ruleset: String) throws(LogOpenError) {
        self.ruleset = ruleset
        self.destination = destination
        descriptor = try Self.open(destination)
        ownsDescriptor = destination != .standardOutput
    }

    private static func open(_ destination: LogDestination) throws(LogOpenError) -> Int32 {
        switch destination {
        case .standardOutput:
            return STDOUT_FILENO
        case .file(let path):
            do {
                return try OutputFile.open(path, mode: .append, permissions: 0o640)
            } catch {
                let code: Int32 = if case .system(let code) = error.reason { code } else { EPERM }
                throw LogOpenError(path: path, errno: code, refusal: error)
            }
        }
    }

    /// Flushes, then reopens the log file by name (after logrotate moved it away). The hash
    /// chain carries on into the new file. On failure the old file stays in use.
    public func reopen() throws(LogOpenError) {
        guard ownsDescriptor else { return }
        flush()
        let fd = try Self.open(destination)
        // dup2 keeps our descriptor number, so nothing else needs to know it changed.
        _ = try? SystemCall.retryingInterrupts { dup2(fd, descriptor) }
        try? FileDescriptor(rawValue: fd).close()
    }


    deinit {
        flush()
        if ownsDescriptor { try? FileDescriptor(rawValue: descriptor).close() }
    }

    public func writeStart(_ info: StartInfo) {
        begin("start", queue: info.queue, anchor: true)
        buffer.field("version", info.version)
        buffer.field("rules_file", info.rulesFile)
        buffer.field("pid", info.pid)
        buffer.field("policy", info.program.policy.rawValue)
        buffer.field("log", info.program.logMode.rawValue)
        buffer.field("log_limit", info.program.logLimit?.description ?? "none")
        if let minFree = info.logMinFree { buffer.field("log_min_free", minFree) }
        buffer.field("rule_count", info.program.rules.count)
        if let mark = info.faultInjectionMark { buffer.field("fault_injection_mark", mark) }
        if info.failOpen { buffer.field("fail_open", true) }
        if let shift = info.stateMarkShift { buffer.field("state_mark_shift", shift) }
        if let selfTest = info.selfTest {
            buffer.beginObject("self_test")
            buffer.field("passed", true)
            buffer.field("known_answers", selfTest.knownAnswers)
            buffer.field("rule_probes", selfTest.ruleProbes)
            buffer.endObject()
        }
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
    /// `replay` passes the capture's `timestamp` (else the wall clock is stamped) and the
    /// packet's `frame` number in the capture (else no `frame` field).
    public func writeVerdict(
        _ event: VerdictEvent, inInterface: String? = nil, outInterface: String? = nil,
        timestamp: PacketTimestamp? = nil, frame: Int? = nil
    ) {
        begin("verdict", queue: event.metadata.queue, timestamp: timestamp)
        // One access to `buffer` for the whole body: each access to a class's stored property
        // is checked for exclusivity at run time, which cost more than the bytes written.
        Self.verdictFields(event, inInterface: inInterface, outInterface: outInterface, frame: frame, into: &buffer)
        end()
    }

    private static func verdictFields(
        _ event: VerdictEvent, inInterface: String?, outInterface: String?, frame: Int?,
        into buffer: inout JSONBuffer
    ) {
        buffer.field("packet_id", event.metadata.packetID)
        if let frame { buffer.field("frame", frame) }
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
        if let summary = event.summary { summaryFields(summary, into: &buffer) }
        if let dns = event.dns { dnsFields(dns, into: &buffer) }
        flowFields(event, into: &buffer)
        buffer.field("length", event.metadata.packetLength)
        if let error = event.decodeError {
            buffer.beginObject("decode_error")
            buffer.field("layer", error.layer.rawValue)
            buffer.field("field", error.field.rawValue)
            buffer.field("offset", error.offset)
            buffer.field("reason", error.reason.rawValue)
            buffer.field("message", messageOf: error)
            buffer.endObject()
        }
        if !event.normalized.isEmpty {
            buffer.beginArray("normalized")
            for (flag, name) in Normalizations.names where event.normalized.contains(flag) {
                buffer.element(name)
            }
            buffer.endArray()
        }
    }

    /// Writes every buffered line with one system call.
    ///
    /// A failed write loses the whole batch, never part of a line: bytes a short write left
    /// in a regular file are cut off again, and the hash chain goes back to the last line
    /// that reached the file, so what is on disk stays a verifiable chain; the loss is
    /// counted in `lostLines` (and reported by the caller as an anomaly).
    public func flush() {
        guard buffer.count > 0 else { return }
        let (complete, partial) = buffer.bytes.withUnsafeBytes { raw -> (Bool, Int) in
            let result = SystemCall.writeAll(descriptor, raw)
            return result.failure == nil ? (true, 0) : (false, result.written)
        }
        if complete {
            linesWritten += pendingLines
            flushedHead = chain.head
        } else {
            lostLines += pendingLines
            chain.rewind(to: flushedHead)
            if partial > 0 { cutOff(partial) }
        }
        isFailing = !complete
        pendingLines = 0
        buffer.removeAll()
    }

    /// Removes the last `count` bytes of a regular log file (the start of a torn batch).
    private func cutOff(_ count: Int) {
        var status = stat()
        guard (try? SystemCall.retryingInterrupts({ fstat(descriptor, &status) })) != nil,
              status.st_mode & S_IFMT == S_IFREG,
              let end = try? SystemCall.retryingInterrupts({ lseek(descriptor, 0, SEEK_END) })
        else { return }
        if end >= count { _ = try? SystemCall.retryingInterrupts { ftruncate(descriptor, end - off_t(count)) } }
    }

    // MARK: line framing

    /// Starts a line. `anchor` restarts the hash chain (the `start` event); `timestamp`
    /// replaces the wall clock (replay writes the capture's times).
    func begin(_ type: StaticString, queue: UInt16, anchor: Bool = false, timestamp: PacketTimestamp? = nil) {
        if anchor { chain.restart() }
        var seconds = 0, microseconds = 0
        if let timestamp {
            (seconds, microseconds) = (timestamp.seconds, timestamp.microseconds)
        } else {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            (seconds, microseconds) = (now.tv_sec, now.tv_nsec / 1000)
        }
        lineStart = buffer.count
        Self.lineHead(type, queue: queue, ruleset: ruleset, seconds: seconds, microseconds: microseconds, into: &buffer)
    }

    private static func lineHead(
        _ type: StaticString, queue: UInt16, ruleset: String, seconds: Int, microseconds: Int,
        into buffer: inout JSONBuffer
    ) {
        buffer.beginObject()
        buffer.key("timestamp")
        buffer.timestamp(seconds: seconds, microseconds: microseconds)
        buffer.field("event_type", type)
        buffer.field("queue", queue)
        buffer.field("ruleset", ruleset)
    }

    func end() {
        let digest = buffer.bytes.withUnsafeBytes { raw in
            chain.advance(over: UnsafeRawBufferPointer(rebasing: raw[lineStart...]))
        }
        Self.lineTail(digest, into: &buffer)
        pendingLines += 1
        if buffer.count > 1 << 16 { flush() }
    }

    private static func lineTail(_ digest: ChainValue, into buffer: inout JSONBuffer) {
        buffer.append(HashChain.marker)
        buffer.hex(digest)
        buffer.appendByte(UInt8(ascii: "\""))
        buffer.endObject()
        buffer.endLine()
    }

    static func summaryFields(_ summary: PacketSummary, into buffer: inout JSONBuffer) {
        buffer.field("src_ip", summary.source)
        if let port = summary.sourcePort { buffer.field("src_port", port) }
        buffer.field("dest_ip", summary.destination)
        if let port = summary.destinationPort { buffer.field("dest_port", port) }
        protoField(summary.proto, into: &buffer)
        if let type = summary.icmpType { buffer.field("icmp_type", type) }
        if let code = summary.icmpCode { buffer.field("icmp_code", code) }
        if let inner = summary.inner { innerFields(inner, into: &buffer) }
    }

    /// `proto` as EVE writes it: upper case ("TCP"); unknown ones by number.
    static func protoField(_ proto: IPProtocol, into buffer: inout JSONBuffer) {
        switch proto {
        case .tcp: buffer.field("proto", "TCP" as StaticString)
        case .udp: buffer.field("proto", "UDP" as StaticString)
        case .icmp: buffer.field("proto", "ICMP" as StaticString)
        // EVE's name for protocol 58 (Suricata writes what getprotobynumber says, "IPv6-ICMP").
        case .icmpv6: buffer.field("proto", "IPv6-ICMP" as StaticString)
        case .igmp: buffer.field("proto", "IGMP" as StaticString)
        case .esp: buffer.field("proto", "ESP" as StaticString)
        case .ah: buffer.field("proto", "AH" as StaticString)
        case .vrrp: buffer.field("proto", "VRRP" as StaticString)
        case .sctp: buffer.field("proto", "SCTP" as StaticString)
        case .gre: buffer.field("proto", "GRE" as StaticString)
        default: buffer.field("proto", proto.rawValue)
        }
    }
}

extension JSONLinesWriter {
    /// The `reload` event: success (no errors) with the new ruleset hash, or the errors
    /// that kept the old ruleset in force. `program`, the new rules on success, adds their
    /// `policy`, `log` mode and `rule_count` (what `report` shows as in force).
    public func writeReload(queue: UInt16, rulesFile: String, errors: [String], program: Program? = nil) {
        begin("reload", queue: queue)
        buffer.field("rules_file", rulesFile)
        buffer.field("success", errors.isEmpty)
        if let program {
            buffer.field("policy", program.policy.rawValue)
            buffer.field("log", program.logMode.rawValue)
            buffer.field("rule_count", program.rules.count)
        }
        if !errors.isEmpty {
            buffer.beginArray("errors")
            for error in errors { buffer.element(error) }
            buffer.endArray()
        }
        end()
    }

    /// The `reopen` marker, the first line `SIGUSR1` writes into the new file: chained to the
    /// last line of the old one, so `report --verify old new` runs across the rotation, and
    /// the new file given first (or alone) shows where its chain was picked up.
    public func writeReopen(queue: UInt16, pid: Int32) {
        begin("reopen", queue: queue)
        buffer.field("pid", pid)
        end()
        flush()
    }

    /// Continues the hash chain from `value`, the last line already in the file
    /// (`replay --append`), instead of from the anchor.
    public func continueChain(from value: ChainValue) {
        chain.rewind(to: value)
        flushedHead = value
    }

    /// The `capture` event: packet capture switched on (`mode` "drops" or "all"), to `file`,
    /// with the rebuilt packets in `rebuiltFile` when asked.
    public func writeCapture(queue: UInt16, mode: String, file: String, rebuiltFile: String?) {
        begin("capture", queue: queue)
        buffer.field("mode", mode)
        buffer.field("file", file)
        if let rebuiltFile { buffer.field("rebuilt_file", rebuiltFile) }
        end()
    }
}

