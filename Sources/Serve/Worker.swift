import Engine
import Log
import QueueIO
import Rules
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// The run loop of one queue: it alone owns the session, the engine and the log writer.
///
/// Waits for packets, signals and a one-second housekeeping tick together; a batch of
/// packets is judged and answered, and its log lines flushed, before any signal is acted
/// on, so a reload or a stop always falls between packets. Generic over the socket so that
/// tests and benchmarks drive this same code over a fake one; the clock and the interface
/// lookup are injected for the same reason.
public final class Worker<Socket: NetlinkSocket> {
    public let session: QueueSession<Socket>
    public let engine: Engine
    public let writer: JSONLinesWriter
    let signals: any SignalSource
    public internal(set) var ruleset: RulesetFile
    public let options: WorkerOptions
    let clock: any MonotonicClock
    let interfaceDirectory: any InterfaceDirectory
    /// Interface facts by index, looked up once each (Worker+Judge.swift).
    var interfaces: [UInt32: InterfaceInfo] = [:]
    /// Loss and health bookkeeping between anomaly reports (Worker+Health.swift).
    var health = HealthState()
    /// `run --capture`: the pcap the judged packets go to, when asked.
    public var capture: PcapCapture?
    /// Which verdict lines are written and which are summarised (Worker+LogGate.swift).
    public internal(set) var gate: VerdictLogGate
    /// The monotonic time of the batch being judged, read once per batch for the gate.
    var batchClock: UInt64 = 0

    public init(
        session: QueueSession<Socket>, engine: Engine, writer: JSONLinesWriter,
        signals: any SignalSource, ruleset: RulesetFile, options: WorkerOptions,
        clock: any MonotonicClock = SystemClock(), interfaces: any InterfaceDirectory = SystemInterfaces()
    ) {
        self.session = session
        self.engine = engine
        self.writer = writer
        self.signals = signals
        self.ruleset = ruleset
        self.options = options
        self.clock = clock
        self.interfaceDirectory = interfaces
        gate = VerdictLogGate(limit: ruleset.program.logLimit, now: clock.nanoseconds())
    }

    /// Serves until SIGTERM/SIGINT or a socket failure; always unbinds and logs `stop`.
    /// Throws the socket's failure after the `stop` event is written.
    public func serve() throws(QueueError) {
        writeStart()
        health.start(now: clock.seconds())
        var stopSignal: String?
        var failure: QueueError?
        loop: while true {
            let ready: Readiness
            do {
                ready = try session.wait(alsoFor: signals.pollDescriptor, timeoutMilliseconds: 1000)
                if ready.contains(.socket) { try serveBatch() }
            } catch {
                failure = error
                break loop
            }
            // Read the signals only when poll says one is waiting: one system call less
            // per batch on the hot path.
            while ready.contains(.signals), let signal = signals.next() {
                switch signal {
                case SIGHUP: reload()
                case SIGUSR1: reopenLog()
                default:
                    stopSignal = SignalSet.name(signal)
                    break loop
                }
            }
            housekeeping(now: clock.seconds())
        }
        do {
            try session.unbind()
        } catch {
            StandardError.write("portcullis: \(error)\n")
        }
        afterBatch()
        writeStop(signal: stopSignal)
        if let path = options.metricsFile { writeMetrics(to: path) }
        capture?.close()
        if let failure { throw failure }
    }

    /// One readable socket's worth of work: receives the waiting batch, judges and answers
    /// every packet in it, flushes its log lines and reports what was lost during it.
    /// Allocates nothing once every interface seen has been looked up.
    public func serveBatch() throws(QueueError) {
        batchClock = clock.nanoseconds()
        try session.receiveBatch { message in self.judge(message) }
        afterBatch()
        capture?.flush()
    }

    /// The `start` event, and on stderr what an operator must know before the first packet.
    private func writeStart() {
        writer.writeStart(StartInfo(
            version: options.version, queue: session.queue, rulesFile: ruleset.path,
            pid: getpid(), program: ruleset.program, faultInjectionMark: Engine.faultMark,
            selfTest: (options.knownAnswers, ruleset.ruleProbes), failOpen: options.failOpen,
            stateMarkShift: options.stateMarkShift,
            logMinFree: options.logPath == nil || options.logMinFree.isOff ? nil : options.logMinFree.description
        ))
        if options.failOpen {
            StandardError.write(
                "portcullis: --fail-open: when queue \(session.queue) is full the kernel accepts packets unjudged\n")
        }
        if let mark = Engine.faultMark {
            StandardError.write("portcullis: TEST BUILD: fault injection on for packets with mark \(mark)\n")
        }
        if let capture {
            writer.writeCapture(queue: session.queue, mode: capture.mode.rawValue, file: capture.original.path, rebuiltFile: capture.rebuilt?.path)
        }
        writer.flush()
    }
}
