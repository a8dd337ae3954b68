import Engine
import Log
import QueueIO
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// What the loop does on a signal: reload the rules, reopen the log, stop.
extension Worker {
    /// Re-reads the rules file; swaps it in only if it loads without errors (and, when it
    /// brings `state` rules, the kernel agrees to attach conntrack state). Otherwise the
    /// running rules stay and a `reload` event lists the errors.
    func reload() {
        switch loadForReload() {
        case .success(let next):
            writeSuppressionSummaries()
            ruleset = next
            engine.swap(program: next.program)
            gate.replace(limit: next.program.logLimit, now: clock.nanoseconds())
            writer.ruleset = next.sha256
            writer.writeReload(queue: session.queue, rulesFile: next.path, errors: [], program: next.program)
            health.reloadsSucceeded += 1
        case .failure(let error):
            health.reloadsFailed += 1
            StandardError.write("portcullis: reload failed, keeping the running rules:\n\(error.message)\n")
            writer.writeReload(queue: session.queue, rulesFile: ruleset.path, errors: error.lines)
        }
        writer.flush()
    }

    private func loadForReload() -> Result<RulesetFile, RulesetLoadError> {
        let next: RulesetFile
        do {
            next = try RulesetFile.load(path: ruleset.path, warnings: false)
        } catch {
            return .failure(error)
        }
        if next.program.matchesState, options.stateMarkShift == nil {
            do {
                try session.enableConntrack()
            } catch {
                return .failure(RulesetLoadError(kind: .system, message: error.description))
            }
        }
        return .success(next)
    }

    /// Reopens the log file (after logrotate moved it). Keeps the old one on failure.
    func reopenLog() {
        writeSuppressionSummaries()
        do {
            try writer.reopen()
            writer.writeReopen(queue: session.queue, pid: getpid())
        } catch {
            StandardError.write("portcullis: \(error.description); still writing to the old log file\n")
        }
    }

    func writeStop(signal: String?) {
        writeSuppressionSummaries()
        writer.writeStop(queue: session.queue, signal: signal, counters: stopCounters())
        writer.flush()
    }

    /// Every counter of the process, as the `stop` event names them.
    public func stopCounters() -> [(StaticString, UInt64)] {
        let queue = session.counters
        let judged = engine.counters
        return [
            ("packets", judged.packets), ("accepted", judged.accepted), ("dropped", judged.dropped),
            ("rebuilt", judged.rebuilt), ("ipv4_packets", judged.ipv4Packets), ("ipv6_packets", judged.ipv6Packets),
            ("decode_errors", judged.decodeErrors),
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
}
