import ArgumentParser
import Engine
import Log
import QueueIO
import Serve
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// `portcullis run`: binds one NFQUEUE and judges every packet until SIGTERM/SIGINT.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge the packets of a kernel NFQUEUE in the foreground.",
        discussion: """
            Needs root or CAP_NET_ADMIN. Reloads the rules on SIGHUP (a file that fails to \
            load never replaces the running one), reopens the log on SIGUSR1, and stops on \
            SIGTERM or SIGINT after answering every packet it has received, writing a stop \
            event with its counters. Packets queued while Portcullis is not running are \
            dropped by the kernel unless the iptables rule says --queue-bypass.
            """
    )

    @Option(help: ArgumentHelp(
        "An NFQUEUE number to bind (iptables --queue-num). Repeat it, or use --queues, for one worker process per queue.",
        valueName: "n"))
    var queue: [UInt16] = []

    @Option(help: ArgumentHelp(
        "A range of queues A-B (or A:B, as iptables --queue-balance writes it), one worker process each.", valueName: "A-B"))
    var queues: String?

    @Option(help: ArgumentHelp("The rules file.", valueName: "file"))
    var rules: String

    @Option(help: ArgumentHelp("Where to append the JSON-lines verdict log; - for standard output.", valueName: "file"))
    var log: String

    @Option(help: ArgumentHelp("Kernel queue length limit (packets); the kernel default when absent.", valueName: "n"))
    var queueMaxlen: UInt32?

    @Option(help: ArgumentHelp(
        "Receive buffer of the queue's socket in bytes (SO_RCVBUFFORCE); a burst larger than this overflows it.",
        valueName: "bytes"))
    var socketBuffer: Int32 = 8 << 20

    @Flag(help: ArgumentHelp(
        "When the kernel queue is full, let the kernel accept packets unjudged (NFQA_CFG_F_FAIL_OPEN) instead of dropping them. Logged in the start event."))
    var failOpen = false

    @Option(help: ArgumentHelp(
        "Read each packet's connection state for `state` rules from mark bits N to N+2 (1 new, 2 established, 3 related, 4 invalid; set by iptables' conntrack match before the NFQUEUE rule), instead of from the kernel's conntrack attachment, which some kernels lack. `mark` rules do not see those bits.",
        valueName: "N"))
    var stateMarkShift: UInt32?

    @Option(help: ArgumentHelp(
        "The mark bits a `reject` verdict hands the packet back with (NF_REPEAT), for the REJECT rule that scripts/install-iptables puts before the NFQUEUE rule (decimal or 0x hex; give install-iptables the same --reject-mark).",
        valueName: "mask"))
    var rejectMark: MarkMask = MarkMask(WorkerOptions.defaultRejectMark)

    @Option(help: ArgumentHelp("Seconds between stats events in the log; 0 turns them off.", valueName: "seconds"))
    var statsInterval: Int = 60

    @Flag(help: "Fail closed on the log: drop packets while verdict lines cannot be written (or are held back by --log-min-free).")
    var requireLog = false

    @Option(help: ArgumentHelp(
        "Stop writing verdict lines while free space on the log's filesystem is under this (bytes with K, M, G or T, or a percentage of the filesystem); packets are still counted, and summarised when space returns. 0 turns it off.",
        valueName: "size|percent"))
    var logMinFree: FreeSpaceThreshold = .default

    @Option(help: ArgumentHelp(
        "Write Prometheus metrics to this file (node_exporter textfile collector), replaced atomically.",
        valueName: "path"))
    var metricsFile: String?

    @Option(help: ArgumentHelp("Seconds between metrics file updates.", valueName: "seconds"))
    var metricsInterval: Int = 15

    @Option(help: ArgumentHelp(
        "After binding the queue and opening the log, run as this user, keeping only CAP_NET_ADMIN.",
        valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp("The group to run as with --user (default: the user's primary group).", valueName: "name"))
    var group: String?

    /// Every queue asked for, in order, without repeats.
    var allQueues: [UInt16] {
        var result = queue
        if let queues, let range = Self.parseRange(queues) { result += Array(range) }
        var seen = Set<UInt16>()
        return result.filter { seen.insert($0).inserted }
    }

    /// `A-B`, or iptables' `A:B` (`--queue-balance A:B`).
    static func parseRange(_ text: String) -> ClosedRange<UInt16>? {
        let separator: Character = text.contains(":") ? ":" : "-"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 2, let low = UInt16(parts[0]), let high = UInt16(parts[1]), low <= high else { return nil }
        return low...high
    }
    @Option(help: ArgumentHelp("Write packets to a pcap as they arrived: drops, or all (logged as a capture event).", valueName: "drops|all"))
    var capture: CaptureMode?

    @Option(help: ArgumentHelp("The pcap file --capture writes (created or truncated).", valueName: "file"))
    var captureFile: String?

    @Option(help: ArgumentHelp("With --capture all, also write the bytes sent for each rebuilt packet to this pcap.", valueName: "file"))
    var captureRebuilt: String?

    func validate() throws {
        if let queues, Self.parseRange(queues) == nil {
            throw ValidationError("--queues needs a range like 0-3 (or iptables' 0:3)")
        }
        if allQueues.isEmpty { throw ValidationError("give the queue to bind: --queue N (or --queues A-B)") }
        if rules.isEmpty { throw ValidationError("--rules needs a file name") }
        if log.isEmpty { throw ValidationError("--log needs a file name, or - for standard output") }
        if socketBuffer < 4096 { throw ValidationError("--socket-buffer must be at least 4096 bytes") }
        if metricsInterval < 1 { throw ValidationError("--metrics-interval must be at least 1 second") }
        if group != nil && user == nil { throw ValidationError("--group needs --user") }
        if statsInterval < 0 { throw ValidationError("--stats-interval must be 0 (off) or a number of seconds") }
        if (capture == nil) != (captureFile == nil) { throw ValidationError("--capture and --capture-file go together") }
        if captureRebuilt != nil, capture != .all { throw ValidationError("--capture-rebuilt needs --capture all") }
        if let stateMarkShift, stateMarkShift > 29 { throw ValidationError("--state-mark-shift must be 0 to 29 (three bits of the 32-bit mark)") }
        if let stateMarkShift, rejectMark.value & (7 << stateMarkShift) != 0 {
            throw ValidationError("--reject-mark \(rejectMark) overlaps the state bits of --state-mark-shift \(stateMarkShift); choose bits apart")
        }
    }

    func run() throws {
        do {
            if allQueues.count > 1 {
                try checkBeforeSupervising()
                let original = Array(CommandLine.arguments.dropFirst())
                let status = try Supervisor(queues: allQueues) { queue in
                    Supervisor.workerArguments(from: original, queue: queue)
                }.run()
                throw ExitCode(status)
            }
            try runOrFail()
        } catch let failure as Failure {
            failure.exit()
        }
    }

    /// With several queues, refuse a broken rules file before starting any worker.
    private func checkBeforeSupervising() throws(Failure) {
        _ = try loadRules()
    }

    /// The rules file, or a failure that has already printed every diagnostic.
    private func loadRules() throws(Failure) -> RulesetFile {
        do {
            return try RulesetFile.load(path: rules, warnings: false)
        } catch where error.kind == .ruleErrors {
            StandardError.write(error.message + "\n")
            throw Failure(message: "\(rules) has errors; not starting", status: ExitStatus.ruleErrors)
        } catch {
            throw Failure(error)
        }
    }

    private func runOrFail() throws(Failure) {
        let ruleset = try loadRules()
        // Before anything is bound: a build that decodes or rebuilds wrongly must not go live.
        let selfTest = Engine.selfTest()
        if let failure = selfTest.failure {
            throw Failure(message: "self-test failed: \(failure); not starting", status: ExitStatus.io)
        }
        let account = try user.map { name throws(Failure) in try Privileges.resolve(user: name, group: group) }
        let destination: LogDestination = log == "-" ? .standardOutput : .file(log)
        let writer: JSONLinesWriter
        do {
            writer = try JSONLinesWriter(destination: destination, ruleset: ruleset.sha256)
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
        let signals: SignalSet
        let session: QueueSession<MNLSocket>
        do {
            signals = try SignalSet([SIGTERM, SIGINT, SIGHUP, SIGUSR1])
            let socket = try MNLSocket(receiveBufferBytes: socketBuffer)
            session = try QueueSession(socket: socket, configuration: QueueConfiguration(
                queue: allQueues[0], maxLength: queueMaxlen, conntrack: ruleset.program.matchesState && stateMarkShift == nil,
                failOpen: failOpen))
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
        if let metricsFile {
            do {
                try MetricsWriter(path: metricsFile).checkWritable()
            } catch {
                throw Failure(message: "cannot write metrics to \(metricsFile): \(error.description)", status: ExitStatus.io)
            }
        }
        if let account {
            try Privileges.drop(to: account)
        }
        let worker = Worker(
            session: session, engine: Engine(program: ruleset.program), writer: writer,
            signals: signals, ruleset: ruleset,
            options: WorkerOptions(
                version: Portcullis.version, statsInterval: statsInterval, requireLog: requireLog,
                metricsFile: metricsFile, metricsInterval: metricsInterval, knownAnswers: selfTest.checked,
                failOpen: failOpen, stateMarkShift: stateMarkShift,
                logPath: log == "-" ? nil : log, logMinFree: logMinFree, rejectMark: rejectMark.value)
        )
        if let capture, let captureFile {
            do {
                worker.capture = try PcapCapture(mode: capture, file: captureFile, rebuiltFile: captureRebuilt)
            } catch {
                throw Failure(message: error.description, status: ExitStatus.io)
            }
        }
        StandardError.write(Self.startLine(queue: allQueues[0], ruleset: ruleset, log: log))
        do {
            try worker.serve()
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
    }
}

extension Run {
    /// The one line `run` prints once the queue is bound, for the journal.
    static func startLine(queue: UInt16, ruleset: RulesetFile, log: String) -> String {
        let count = ruleset.program.rules.count
        return "portcullis: queue \(queue) started: pid \(getpid()), rules \(ruleset.path) "
            + "(\(count) rule\(count == 1 ? "" : "s"), sha256 \(ruleset.sha256.prefix(12))), "
            + "log \(log == "-" ? "standard output" : log)\n"
    }
}

extension CaptureMode: ExpressibleByArgument {}

/// A nonzero 32-bit mark mask, written in decimal or `0x` hex (as iptables writes marks).
struct MarkMask: ExpressibleByArgument, CustomStringConvertible {
    var value: UInt32

    init(_ value: UInt32) { self.value = value }

    init?(argument: String) {
        let parsed = argument.hasPrefix("0x") || argument.hasPrefix("0X")
            ? UInt32(argument.dropFirst(2), radix: 16) : UInt32(argument)
        guard let parsed, parsed != 0 else { return nil }
        value = parsed
    }

    var description: String { "0x" + String(value, radix: 16) }
    var defaultValueDescription: String { description }
}

extension FreeSpaceThreshold: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}
