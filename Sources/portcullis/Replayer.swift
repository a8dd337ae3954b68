import Engine
import Log
import Rules
import Reporting
import Wire
import Serve
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// The replay loop: a `PcapReader` feeding the engine (and a second engine with
/// `--compare`), verdict lines to the log, accepted packets to a pcap, then a summary.
final class Replayer {
    private var reader: PcapReader
    private let ruleset: RulesetFile
    private let engine: Engine
    private let comparison: (ruleset: RulesetFile, engine: Engine)?
    private let writer: JSONLinesWriter?
    private let accepted: PcapWriter?
    private let report: (String) -> Void
    private var differences = 0
    /// Verdicts by family, for the summary: the engine's counters add both families up.
    private var families = FamilyVerdicts()

    /// Loads the rules and opens every file; throws the operator-facing failure.
    init(
        capture: String, rules: String, compare: String?, log: String?, writeAccepted: String?,
        context: PacketContext, append: Bool = false
    ) throws(Failure) {
        ruleset = try Self.loadRules(rules)
        engine = Engine(program: ruleset.program)
        if let compare {
            let second = try Self.loadRules(compare)
            comparison = (second, Engine(program: second.program))
        } else {
            comparison = nil
        }
        do {
            reader = try PcapReader(path: capture, context: context)
            accepted = try writeAccepted.map { path throws(PcapError) in try PcapWriter(path: path) }
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
        writer = try Self.openLog(log, ruleset: ruleset.sha256, append: append)
        // The summary must not mix into a log written to standard output.
        report = log == "-" ? { StandardError.write($0 + "\n") } : { print($0) }
    }

    /// Judges the whole capture. A read error stops it, after the summary of what was read.
    func run() throws(Failure) {
        var failure: Failure?
        do {
            try engine.judgeAll(from: &reader) { packet, outcome, event in
                self.record(packet, outcome, event)
            }
        } catch {
            failure = Failure(message: error.description, status: ExitStatus.io)
        }
        writer?.flush()
        accepted?.close()
        for line in summary() { report(line) }
        if let failure { throw failure }
        if let writer, writer.lostLines > 0 {
            throw Failure(message: "\(writer.lostLines) log lines could not be written", status: ExitStatus.io)
        }
    }

    private func record(_ packet: borrowing SourcedPacket, _ outcome: Outcome, _ event: VerdictEvent) {
        families.count(packet.bytes, event.verdict)
        if event.shouldLog {
            writer?.writeVerdict(event, timestamp: packet.timestamp, frame: packet.frame)
        }
        switch outcome {
        case .drop: break
        case .accept:
            accepted?.write(packet.bytes, originalLength: packet.metadata.packetLength, timestamp: packet.timestamp)
        case .acceptRebuilt(let bytes):
            accepted?.write(bytes, timestamp: packet.timestamp)
        }
        guard let comparison else { return }
        let (_, second) = comparison.engine.judge(packet.bytes, metadata: packet.metadata)
        if second.verdict != event.verdict {
            differences += 1
            report(difference(packet, event, second, comparedFile: comparison.ruleset.path))
        }
    }

    /// One line: `frame N TIME PROTO SRC -> DST: VERDICT by WHY (RULES) | VERDICT by WHY (OTHER)`.
    private func difference(_ packet: borrowing SourcedPacket, _ first: VerdictEvent, _ second: VerdictEvent, comparedFile: String) -> String {
        let time = packet.timestamp.map(ReportTime.format) ?? "-"
        return "frame \(packet.frame ?? 0) \(time) \(Self.describe(first.summary)): "
            + "\(Self.decision(first)) (\(ruleset.path)) | \(Self.decision(second)) (\(comparedFile))"
    }

    static func describe(_ summary: PacketSummary?) -> String {
        guard let summary else { return "undecodable" }
        let proto = summary.proto.name?.uppercased() ?? "proto \(summary.proto.rawValue)"
        let source = endpoint("\(summary.source)", summary.sourcePort)
        let destination = endpoint("\(summary.destination)", summary.destinationPort)
        return "\(proto) \(source) -> \(destination)"
    }

    /// `10.0.0.1:80`, `[2001:db8::1]:80` (RFC 5952 §6: brackets keep the port apart), or
    /// the address alone.
    static func endpoint(_ address: String, _ port: UInt16?) -> String {
        guard let port else { return address }
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// `accept by rule FILE:LINE "label"`, `drop by policy`, `drop by decode (ipv4 bad-checksum)`.
    static func decision(_ event: VerdictEvent) -> String {
        var text = "\(event.verdict.rawValue) by \(event.reason.rawValue)"
        if let rule = event.rule {
            text += " \(rule.location.file):\(rule.location.line)"
            if let label = rule.label { text += " \"\(label)\"" }
        }
        if let error = event.decodeError { text += " (\(error.layer.rawValue) \(error.reason.rawValue))" }
        return text
    }

    private func summary() -> [String] {
        let seen = reader.counters
        let judged = engine.counters
        let notIP = seen.notIP.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = [
            "replay: \(reader.path) (\(reader.linkType.name)) with \(ruleset.path) sha256 \(ruleset.sha256)",
            "frames: \(seen.frames)",
            "ipv4: \(seen.ipv4) (accepted \(families.ipv4.accepted), dropped \(families.ipv4.dropped))",
            "ipv6: \(seen.ipv6) (accepted \(families.ipv6.accepted), dropped \(families.ipv6.dropped))",
            "accepted: \(judged.accepted) (rebuilt \(judged.rebuilt))",
            "dropped: \(judged.dropped) (rule \(judged.droppedByRule), policy \(judged.droppedByPolicy), decode \(judged.decodeErrors), internal \(judged.internalErrors))",
            "not_ip: \(seen.notIPTotal)" + (notIP.isEmpty ? "" : " (\(notIP))"),
            "padding_trimmed: \(seen.paddingTrimmed)",
            "truncated_frames: \(seen.truncated)",
        ]
        if let writer { lines.append("log_lines: \(writer.linesWritten)") }
        if let accepted { lines.append("accepted_written: \(accepted.packetsWritten) to \(accepted.path)") }
        if let comparison { lines.append("differences: \(differences) of \(seen.delivered) packets (\(ruleset.path) vs \(comparison.ruleset.path))") }
        return lines
    }

    /// Opens `--log`. An existing non-empty file is refused unless `append`; appending
    /// continues the file's hash chain from its last line, so the whole file verifies.
    private static func openLog(_ log: String?, ruleset: String, append: Bool) throws(Failure) -> JSONLinesWriter? {
        guard let log else { return nil }
        guard log != "-" else {
            do { return try JSONLinesWriter(destination: .standardOutput, ruleset: ruleset) } catch {
                throw Failure(message: error.description, status: ExitStatus.io)
            }
        }
        var status = stat()
        let existing = lstat(log, &status) == 0 && status.st_mode & S_IFMT == S_IFREG && status.st_size > 0
        if existing, !append {
            throw Failure(message: "refusing to add to \(log): it is not empty (give --append to add to it, or another file)", status: ExitStatus.io)
        }
        do {
            let writer = try JSONLinesWriter(destination: .file(log), ruleset: ruleset)
            if existing, let last = ChainVerifier.lastChainValue(queue: 0, inFileAt: log) { writer.continueChain(from: last) }
            return writer
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
    }

    private static func loadRules(_ path: String) throws(Failure) -> RulesetFile {
        do {
            return try RulesetFile.load(path: path, warnings: false)
        } catch where error.kind == .ruleErrors {
            StandardError.write(error.message + "\n")
            throw Failure(message: "\(path) has errors", status: ExitStatus.ruleErrors)
        } catch {
            throw Failure(error)
        }
    }
}

/// Accepted and dropped packets of each family, told apart by the version nibble exactly as
/// the decoder chooses its family (`IPDatagram`): 6 is IPv6, anything else IPv4.
struct FamilyVerdicts {
    struct Counts {
        var accepted = 0
        var dropped = 0
    }

    var ipv4 = Counts()
    var ipv6 = Counts()

    mutating func count(_ bytes: UnsafeRawBufferPointer, _ verdict: Action) {
        let isIPv6 = bytes.first.map { $0 >> 4 == 6 } ?? false
        switch (isIPv6, verdict) {
        case (true, .accept): ipv6.accepted += 1
        case (true, .drop): ipv6.dropped += 1
        case (false, .accept): ipv4.accepted += 1
        case (false, .drop): ipv4.dropped += 1
        }
    }
}
