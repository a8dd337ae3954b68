import Engine
import Log
import QueueIO
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// The run loop of one queue: it alone owns the session, the engine and the log writer.
///
/// Waits for packets and signals together; a batch of packets is judged and answered,
/// and its log lines flushed, before any signal is acted on, so a reload or a stop
/// always falls between packets.
final class Worker {
    private let session: QueueSession<MNLSocket>
    private let engine: Engine
    private var writer: JSONLinesWriter
    private let signals: SignalSet
    private var ruleset: RulesetFile
    private let destination: LogDestination
    private var interfaceNames: [UInt32: String] = [:]

    init(
        session: QueueSession<MNLSocket>, engine: Engine, writer: JSONLinesWriter,
        signals: SignalSet, ruleset: RulesetFile, destination: LogDestination
    ) {
        self.session = session
        self.engine = engine
        self.writer = writer
        self.signals = signals
        self.ruleset = ruleset
        self.destination = destination
    }

    /// Serves until SIGTERM/SIGINT or a socket failure; always unbinds and logs `stop`.
    func serve() throws(Failure) {
        writer.writeStart(StartInfo(
            version: Portcullis.version, queue: session.queue, rulesFile: ruleset.path,
            pid: getpid(), program: ruleset.program
        ))
        writer.flush()
        var stopSignal: String?
        var failure: Failure?
        loop: while true {
            do {
                let ready = try session.wait(alsoFor: signals.fileDescriptor)
                if ready.contains(.socket) {
                    try session.receiveBatch { message in self.judge(message) }
                    writer.flush()
                }
            } catch {
                failure = Failure(message: error.description, status: ExitStatus.io)
                break loop
            }
            while let signal = signals.next() {
                switch signal {
                case SIGHUP: reload()
                case SIGUSR1: reopenLog()
                default:
                    stopSignal = SignalSet.name(signal)
                    break loop
                }
            }
        }
        do {
            try session.unbind()
        } catch {
            FileHandleStream.standardError.write("portcullis: \(error)\n")
        }
        writeStop(signal: stopSignal)
        if let failure { throw failure }
    }

    private func judge(_ message: QueueMessage) -> QueueAnswer {
        let metadata = PacketMetadata(
            queue: session.queue, packetID: message.packetID,
            inInterface: message.inInterface, outInterface: message.outInterface,
            mark: message.mark, packetLength: message.packetLength,
            context: .init(
                checksumNotReady: message.skbInfo.contains(.checksumNotReady),
                isGSO: message.skbInfo.contains(.gso)
            ),
            inInterfaceName: interfaceName(message.inInterface).flatMap { InterfaceName($0) },
            outInterfaceName: interfaceName(message.outInterface).flatMap { InterfaceName($0) },
            // TODO(merge): QueueIO sets NFQA_CFG_F_CONNTRACK and parses NFQA_CT_INFO; then:
            // ConnectionState.fromKernel(conntrackInfo: message.conntrackInfo, conntrackEnabled: true)
            connectionState: nil
        )
        let (outcome, event) = engine.judge(message.payload, metadata: metadata)
        if event.shouldLog {
            writer.writeVerdict(
                event, inInterface: interfaceName(message.inInterface),
                outInterface: interfaceName(message.outInterface)
            )
        }
        switch outcome {
        case .drop: return .drop
        case .accept: return .accept
        case .acceptRebuilt(let bytes): return .acceptRebuilt(bytes)
        }
    }

    /// Re-reads the rules file; swaps it in only if it loads without errors.
    private func reload() {
        do {
            let next = try RulesetFile.load(path: ruleset.path)
            ruleset = next
            engine.swap(program: next.program)
            writer.ruleset = next.sha256
            writer.writeReload(queue: session.queue, rulesFile: next.path, errors: [])
        } catch {
            FileHandleStream.standardError.write("portcullis: reload failed, keeping the running rules:\n\(error.message)\n")
            writer.writeReload(queue: session.queue, rulesFile: ruleset.path, errors: error.lines)
        }
        writer.flush()
    }

    /// Reopens the log file (after logrotate moved it). Keeps the old one on failure.
    private func reopenLog() {
        guard case .file = destination else { return }
        writer.flush()
        do {
            writer = try JSONLinesWriter(destination: destination, ruleset: ruleset.sha256)
        } catch {
            FileHandleStream.standardError.write("portcullis: \(error.description); still writing to the old log file\n")
        }
    }

    private func writeStop(signal: String?) {
        let queue = session.counters
        let judged = engine.counters
        writer.writeStop(queue: session.queue, signal: signal, counters: [
            ("packets", judged.packets), ("accepted", judged.accepted), ("dropped", judged.dropped),
            ("rebuilt", judged.rebuilt), ("decode_errors", judged.decodeErrors),
            ("internal_errors", judged.internalErrors), ("dropped_by_rule", judged.droppedByRule),
            ("dropped_by_policy", judged.droppedByPolicy),
            ("received", queue.packetsReceived), ("verdicts_sent", queue.verdictsSent),
            ("socket_overflows", queue.socketOverflows), ("dropped_during_setup", queue.droppedDuringSetup),
            ("verdict_errors", queue.verdictErrors), ("malformed_messages", queue.malformedMessages),
            ("log_lines_lost", writer.lostLines),
        ])
        writer.flush()
    }

    /// The interface's name, looked up once per index (nil for index 0 or unknown).
    private func interfaceName(_ index: UInt32) -> String? {
        guard index != 0 else { return nil }
        if let name = interfaceNames[index] { return name }
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        interfaceNames[index] = name
        return name
    }
}
