import Engine
import Log
import QueueIO
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// What `run` asked of the loop beyond the queue and the rules.
struct WorkerOptions {
    /// Seconds between `stats` events; 0 turns them off.
    var statsInterval: Int = 60
    /// Fail closed on the log: drop packets while verdict lines cannot be written, or while
    /// the disk guard holds back the line of a packet that would be accepted.
    var requireLog = false
    /// Where to write Prometheus metrics (textfile collector), and how often.
    var metricsFile: String?
    var metricsInterval: Int = 15
    /// Known-answer packets the start-up self-test checked.
    var knownAnswers = 0
    /// The kernel accepts unjudged packets when the queue is full (logged in `start`).
    var failOpen = false
    /// Read the connection state from mark bits `shift ..< shift + 3` (and hide them from
    /// `mark` rules) instead of asking the kernel for NFQA_CT_INFO.
    var stateMarkShift: UInt32?
    /// The log file whose filesystem the disk guard watches; nil for standard output.
    var logPath: String?
    /// `--log-min-free`: verdict lines stop while free space is under it.
    var logMinFree = FreeSpaceThreshold.default
}

/// The run loop of one queue: it alone owns the session, the engine and the log writer.
///
/// Waits for packets, signals and a one-second housekeeping tick together; a batch of
/// packets is judged and answered, and its log lines flushed, before any signal is acted
/// on, so a reload or a stop always falls between packets.
final class Worker {
    let session: QueueSession<MNLSocket>
    let engine: Engine
    let writer: JSONLinesWriter
    private let signals: SignalSet
    private(set) var ruleset: RulesetFile
    let options: WorkerOptions
    private var interfaces: [UInt32: InterfaceInfo] = [:]
    /// Loss and health bookkeeping between anomaly reports (Worker+Health.swift).
    var health = HealthState()
    /// `run --capture`: the pcap the judged packets go to, when asked.
    var capture: PcapCapture?
    /// Which verdict lines are written and which are summarised (Worker+LogGate.swift).
    var gate: VerdictLogGate
    /// The monotonic time of the batch being judged, read once per batch for the gate.
    private var batchClock: UInt64 = 0

    init(
        session: QueueSession<MNLSocket>, engine: Engine, writer: JSONLinesWriter,
        signals: SignalSet, ruleset: RulesetFile, options: WorkerOptions
    ) {
        self.session = session
        self.engine = engine
        self.writer = writer
        self.signals = signals
        self.ruleset = ruleset
        self.options = options
        gate = VerdictLogGate(limit: ruleset.program.logLimit, now: VerdictLogGate.monotonicNow())
    }

    /// Serves until SIGTERM/SIGINT or a socket failure; always unbinds and logs `stop`.
    func serve() throws(Failure) {
        writer.writeStart(StartInfo(
            version: Portcullis.version, queue: session.queue, rulesFile: ruleset.path,
            pid: getpid(), program: ruleset.program, faultInjectionMark: Engine.faultMark,
            selfTest: (options.knownAnswers, ruleset.ruleProbes), failOpen: options.failOpen,
            stateMarkShift: options.stateMarkShift,
            logMinFree: options.logPath == nil || options.logMinFree.isOff ? nil : options.logMinFree.description
        ))
        if options.failOpen {
            FileHandleStream.standardError.write(
                "portcullis: --fail-open: when queue \(session.queue) is full the kernel accepts packets unjudged\n")
        }
        if let mark = Engine.faultMark {
            FileHandleStream.standardError.write("portcullis: TEST BUILD: fault injection on for packets with mark \(mark)\n")
        }
        if let capture {
            writer.writeCapture(queue: session.queue, mode: capture.mode.rawValue, file: capture.original.path, rebuiltFile: capture.rebuilt?.path)
        }
        writer.flush()
        health.start(now: Self.monotonicSeconds())
        var stopSignal: String?
        var failure: Failure?
        loop: while true {
            let ready: Readiness
            do {
                ready = try session.wait(alsoFor: signals.fileDescriptor, timeoutMilliseconds: 1000)
                if ready.contains(.socket) {
                    batchClock = VerdictLogGate.monotonicNow()
                    try session.receiveBatch { message in self.judge(message) }
                    afterBatch()
                    capture?.flush()
                }
            } catch {
                failure = Failure(message: error.description, status: ExitStatus.io)
                break loop
            }
            // Read the signalfd only when poll says a signal is waiting: one system call less
            // per batch on the hot path.
            while ready.contains(.other), let signal = signals.next() {
                switch signal {
                case SIGHUP: reload()
                case SIGUSR1: reopenLog()
                default:
                    stopSignal = SignalSet.name(signal)
                    break loop
                }
            }
            housekeeping(now: Self.monotonicSeconds())
        }
        do {
            try session.unbind()
        } catch {
            FileHandleStream.standardError.write("portcullis: \(error)\n")
        }
        afterBatch()
        writeStop(signal: stopSignal)
        if let path = options.metricsFile { writeMetrics(to: path) }
        capture?.close()
        if let failure { throw failure }
    }

    private func judge(_ message: QueueMessage) -> QueueAnswer {
        notePacketID(message.packetID)
        // Fail closed on the log: nothing passes while verdicts cannot be recorded.
        if options.requireLog && writer.isFailing {
            health.droppedForLog += 1
            return .drop
        }
        let input = interface(message.inInterface), output = interface(message.outInterface)
        var mark = message.mark
        let state: ConnectionState?
        if let shift = options.stateMarkShift {
            state = ConnectionState(markBits: (mark >> shift) & 7)
            mark &= ~(7 << shift)
        } else {
            state = ConnectionState.fromKernel(conntrackInfo: message.conntrackInfo, conntrackEnabled: session.conntrack)
        }
        let metadata = PacketMetadata(
            queue: session.queue, packetID: message.packetID,
            inInterface: message.inInterface, outInterface: message.outInterface,
            mark: mark, packetLength: message.packetLength,
            context: .init(
                checksumNotReady: message.skbInfo.contains(.checksumNotReady),
                isGSO: message.skbInfo.contains(.gso),
                inputMTU: input.mtu
            ),
            inInterfaceName: input.ruleName,
            outInterfaceName: output.ruleName,
            connectionState: state
        )
        let (outcome, event) = engine.judge(message.payload, metadata: metadata)
        if event.reason == .internal { health.internalErrors += 1 }
        capture?.record(message.payload, packetLength: message.packetLength, outcome: outcome)
        if event.shouldLog {
            if gate.admit(event, now: batchClock) {
                writer.writeVerdict(
                    event, inInterface: input.name, outInterface: output.name
                )
                if options.requireLog {
                    writer.flush()
                    if writer.isFailing, outcome.action == .accept {
                        health.droppedForLog += 1
                        return .drop
                    }
                }
            } else if options.requireLog, gate.diskLow, outcome.action == .accept {
                // Fail closed: the disk guard holds this accept's line back.
                health.droppedForLog += 1
                return .drop
            }
        }
        switch outcome {
        case .drop: return .drop
        case .accept: return .accept
        case .acceptRebuilt(let bytes): return .acceptRebuilt(bytes)
        }
    }

    /// Re-reads the rules file; swaps it in only if it loads without errors.
    private func reload() {
        do throws(Failure) {
            let next = try RulesetFile.load(path: ruleset.path, warnings: false)
            if next.program.matchesState, options.stateMarkShift == nil {
                do {
                    try session.enableConntrack()
                } catch {
                    throw Failure(message: error.description, status: ExitStatus.io)
                }
            }
            writeSuppressionSummaries()
            ruleset = next
            engine.swap(program: next.program)
            gate.replace(limit: next.program.logLimit, now: VerdictLogGate.monotonicNow())
            writer.ruleset = next.sha256
            writer.writeReload(queue: session.queue, rulesFile: next.path, errors: [], program: next.program)
            health.reloadsSucceeded += 1
        } catch {
            health.reloadsFailed += 1
            FileHandleStream.standardError.write("portcullis: reload failed, keeping the running rules:\n\(error.message)\n")
            writer.writeReload(queue: session.queue, rulesFile: ruleset.path, errors: error.lines)
        }
        writer.flush()
    }

    /// Reopens the log file (after logrotate moved it). Keeps the old one on failure.
    private func reopenLog() {
        writeSuppressionSummaries()
        do {
            try writer.reopen()
            writer.writeReopen(queue: session.queue, pid: getpid())
        } catch {
            FileHandleStream.standardError.write("portcullis: \(error.description); still writing to the old log file\n")
        }
    }

    private func writeStop(signal: String?) {
        writeSuppressionSummaries()
        writer.writeStop(queue: session.queue, signal: signal, counters: stopCounters())
        writer.flush()
    }

    /// Every counter of the process, as the `stop` event names them.
    func stopCounters() -> [(StaticString, UInt64)] {
        let queue = session.counters
        let judged = engine.counters
        return [
            ("packets", judged.packets), ("accepted", judged.accepted), ("dropped", judged.dropped),
            ("rebuilt", judged.rebuilt), ("decode_errors", judged.decodeErrors),
            ("internal_errors", judged.internalErrors), ("dropped_by_rule", judged.droppedByRule),
            ("dropped_by_policy", judged.droppedByPolicy),
            ("received", queue.packetsReceived), ("verdicts_sent", queue.verdictsSent),
            ("socket_overflows", queue.socketOverflows), ("dropped_while_binding", queue.droppedWhileBinding),
            ("verdict_errors", queue.verdictErrors), ("malformed_messages", queue.malformedMessages),
            ("batch_verdicts", queue.batchMessages), ("send_calls", queue.sendCalls),
            ("receive_calls", queue.receiveCalls),
            ("packet_id_gaps", health.missingPacketIDs), ("dropped_log_unavailable", health.droppedForLog),
            ("log_lines_lost", writer.lostLines),
            ("verdict_lines_logged", gate.admitted), ("verdict_lines_suppressed", gate.suppressed),
        ]
    }

    /// What the loop knows about one interface index, looked up once (name with
    /// if_indextoname, MTU from /sys/class/net/NAME/mtu); index 0 or an unknown index has none.
    struct InterfaceInfo {
        var name: String?
        var ruleName: InterfaceName?
        /// nil when unreadable: then no MTU check is made.
        var mtu: Int?
    }

    /// The cached facts about `index`: one dictionary lookup per packet and interface.
    private func interface(_ index: UInt32) -> InterfaceInfo {
        guard index != 0 else { return InterfaceInfo() }
        if let known = interfaces[index] { return known }
        var info = InterfaceInfo()
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        if if_indextoname(index, &buffer) != nil {
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            info.name = name
            info.ruleName = InterfaceName(name)
            if let bytes = try? RulesetFile.readFile("/sys/class/net/\(name)/mtu"),
               let mtu = Int(String(decoding: bytes, as: UTF8.self).filter(\.isNumber)), mtu >= 68 {
                info.mtu = mtu
            }
        }
        interfaces[index] = info
        return info
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
