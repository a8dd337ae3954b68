import ArgumentParser
import Engine
import Log
import QueueIO

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

    @Option(help: ArgumentHelp("The NFQUEUE number to bind (iptables --queue-num).", valueName: "n"))
    var queue: UInt16

    @Option(help: ArgumentHelp("The rules file.", valueName: "file"))
    var rules: String

    @Option(help: ArgumentHelp("Where to append the JSON-lines verdict log; - for standard output.", valueName: "file"))
    var log: String

    @Option(help: ArgumentHelp("Kernel queue length limit (packets); the kernel default when absent.", valueName: "n"))
    var queueMaxlen: UInt32?

    @Option(help: ArgumentHelp("Write packets to a pcap as they arrived: drops, or all (logged as a capture event).", valueName: "drops|all"))
    var capture: CaptureMode?

    @Option(help: ArgumentHelp("The pcap file --capture writes (created or truncated).", valueName: "file"))
    var captureFile: String?

    @Option(help: ArgumentHelp("With --capture all, also write the bytes sent for each rebuilt packet to this pcap.", valueName: "file"))
    var captureRebuilt: String?

    func validate() throws {
        if rules.isEmpty { throw ValidationError("--rules needs a file name") }
        if log.isEmpty { throw ValidationError("--log needs a file name, or - for standard output") }
        if (capture == nil) != (captureFile == nil) { throw ValidationError("--capture and --capture-file go together") }
        if captureRebuilt != nil, capture != .all { throw ValidationError("--capture-rebuilt needs --capture all") }
    }

    func run() throws {
        do {
            try runOrFail()
        } catch {
            error.exit()
        }
    }

    private func runOrFail() throws(Failure) {
        let ruleset: RulesetFile
        do {
            ruleset = try RulesetFile.load(path: rules)
        } catch where error.status == ExitStatus.ruleErrors {
            FileHandleStream.standardError.write(error.message + "\n")
            throw Failure(message: "\(rules) has errors; not starting", status: ExitStatus.ruleErrors)
        }
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
            let socket = try MNLSocket(receiveBufferBytes: 8 << 20)
            session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: queue, maxLength: queueMaxlen))
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
        let worker = Worker(
            session: session, engine: Engine(program: ruleset.program), writer: writer,
            signals: signals, ruleset: ruleset, destination: destination
        )
        if let capture, let captureFile {
            do {
                worker.capture = try PcapCapture(mode: capture, file: captureFile, rebuiltFile: captureRebuilt)
            } catch {
                throw Failure(message: error.description, status: ExitStatus.io)
            }
        }
        try worker.serve()
    }
}

extension CaptureMode: ExpressibleByArgument {}
