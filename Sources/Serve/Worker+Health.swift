import Engine
import Log
import QueueIO
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// What the loop has seen go wrong since it last reported it.
struct HealthState {
    var lastPacketID: UInt32?
    /// Ids skipped since start / since the last anomaly report.
    var missingPacketIDs: UInt64 = 0
    var reportedMissingPacketIDs: UInt64 = 0
    var reportedSocketOverflows: UInt64 = 0
    var reportedLostLines: UInt64 = 0
    var lostLinesOnStderr: UInt64 = 0
    var internalErrors: UInt64 = 0
    var reportedInternalErrors: UInt64 = 0
    var droppedForLog: UInt64 = 0
    /// Rejected packets that came back still marked (no kernel REJECT rule), and were dropped.
    var rejectsUnanswered: UInt64 = 0
    var reportedRejectsUnanswered: UInt64 = 0
    var kernel: KernelQueueStatistics?
    var nextStats = 0.0
    var nextKernelCheck = 0.0
    var nextMetrics = 0.0
    var reloadsSucceeded: UInt64 = 0
    var reloadsFailed: UInt64 = 0
    var startTime = 0
    var metricsFailureReported = false
    /// When free space is next compared with `--log-min-free`, and the lines written then.
    var nextDiskCheck = 0.0
    var linesAtDiskCheck: UInt64 = 0

    mutating func start(now: Double) {
        nextKernelCheck = now + 1
        startTime = time(nil)
    }
}

extension Worker {
    /// Counts packet ids the kernel assigned but we never received (lost at the socket).
    func notePacketID(_ id: UInt32) {
        if let last = health.lastPacketID {
            let gap = id &- last &- 1
            // Ids increase by one per packet; a wrap-around or a huge jump backwards is not a loss.
            if gap > 0 && gap < 1 << 31 { health.missingPacketIDs += UInt64(gap) }
        }
        health.lastPacketID = id
    }

    /// After each batch: flush, and report what was lost during it.
    func afterBatch() {
        writer.flush()
        let overflows = session.counters.socketOverflows
        if overflows > health.reportedSocketOverflows {
            writer.writeAnomaly(
                queue: session.queue, kind: .socketOverflow, count: overflows - health.reportedSocketOverflows,
                message: "the socket's receive buffer overflowed; the kernel dropped packets meant for us",
                details: [("total", overflows)])
            health.reportedSocketOverflows = overflows
        }
        if health.missingPacketIDs > health.reportedMissingPacketIDs {
            writer.writeAnomaly(
                queue: session.queue, kind: .packetIDGap,
                count: health.missingPacketIDs - health.reportedMissingPacketIDs,
                message: "packet ids skipped: packets numbered by the kernel never reached Portcullis",
                details: [("total", health.missingPacketIDs), ("after_packet_id", UInt64(health.lastPacketID ?? 0))])
            health.reportedMissingPacketIDs = health.missingPacketIDs
        }
        if health.internalErrors > health.reportedInternalErrors {
            writer.writeAnomaly(
                queue: session.queue, kind: .internalError,
                count: health.internalErrors - health.reportedInternalErrors,
                message: "packets hit an internal error and were dropped")
            health.reportedInternalErrors = health.internalErrors
        }
        if health.rejectsUnanswered > health.reportedRejectsUnanswered {
            writer.writeAnomaly(
                queue: session.queue, kind: .rejectUnanswered,
                count: health.rejectsUnanswered - health.reportedRejectsUnanswered,
                message: "rejected packets came back to the queue: no REJECT rule matches the reject mark before the NFQUEUE rule (scripts/install-iptables installs it); they were dropped",
                details: [("mark", UInt64(options.rejectMark))])
            health.reportedRejectsUnanswered = health.rejectsUnanswered
        }
        writer.flush()
        if !writer.isFailing { reportLostLines() }
    }

    /// Once a second: the kernel's counters, a retry of a failing log, stats when due.
    public func housekeeping(now: Double) {
        logGateHousekeeping(now: now)
        if now >= health.nextKernelCheck {
            health.nextKernelCheck = now + 1
            checkKernelCounters()
            reportLostLines()
        }
        if let path = options.metricsFile, now >= health.nextMetrics {
            health.nextMetrics = now + Double(options.metricsInterval)
            writeMetrics(to: path)
        }
        if options.statsInterval > 0 {
            if health.nextStats == 0 { health.nextStats = now + Double(options.statsInterval) }
            if now >= health.nextStats {
                health.nextStats = now + Double(options.statsInterval)
                writer.writeStats(queue: session.queue, StatsSnapshot(
                    intervalSeconds: options.statsInterval, engine: engine.counters,
                    program: ruleset.program, queue: queueCounters()))
                writer.flush()
            }
        }
    }

    /// The Prometheus textfile; a failure is said once on stderr and retried next time.
    func writeMetrics(to path: String) {
        let queue = session.counters
        let kernel = health.kernel
        let snapshot = MetricsWriter.Snapshot(
            queue: session.queue, engine: engine.counters, program: ruleset.program,
            counters: [
                ("received_packets_total", "Packets received from the kernel.", queue.packetsReceived),
                ("socket_overflows_total", "Receive buffer overflows (ENOBUFS).", queue.socketOverflows),
                ("packet_id_gaps_total", "Packets the kernel numbered that never arrived.", health.missingPacketIDs),
                ("kernel_queue_dropped_total", "Packets the kernel dropped because the queue was full.", kernel?.queueDropped ?? 0),
                ("kernel_user_dropped_total", "Packets the kernel could not deliver to the socket.", kernel?.userDropped ?? 0),
                ("log_lines_lost_total", "Verdict log lines that could not be written.", writer.lostLines),
                ("dropped_log_unavailable_total", "Packets dropped because the log could not be written (--require-log).", health.droppedForLog),
                ("log_lines_suppressed_total", "Verdict lines held back by the log limit or --log-min-free (in suppressed events).", gate.suppressed),
                ("rejects_unanswered_total", "Rejected packets that came back still marked (no kernel REJECT rule) and were dropped.", health.rejectsUnanswered),
            ],
            reloadsSucceeded: health.reloadsSucceeded, reloadsFailed: health.reloadsFailed,
            startTime: health.startTime,
            info: [
                ("version", options.version), ("pid", "\(getpid())"), ("rules_file", ruleset.path),
                ("ruleset", ruleset.sha256), ("log", options.logPath ?? "-"),
            ],
            logHealthy: !writer.isFailing, interval: options.metricsInterval)
        if !MetricsWriter(path: path).write(snapshot), !health.metricsFailureReported {
            health.metricsFailureReported = true
            StandardError.write("portcullis: cannot write metrics to \(path)\n")
        }
    }

    private func queueCounters() -> [(StaticString, UInt64)] {
        let queue = session.counters
        var counters: [(StaticString, UInt64)] = [
            ("received", queue.packetsReceived), ("verdicts_sent", queue.verdictsSent),
            ("socket_overflows", queue.socketOverflows), ("packet_id_gaps", health.missingPacketIDs),
            ("dropped_log_unavailable", health.droppedForLog),
            ("verdict_lines_logged", gate.admitted), ("verdict_lines_suppressed", gate.suppressed),
        ]
        if let kernel = health.kernel {
            counters += [("kernel_queue_dropped", kernel.queueDropped), ("kernel_user_dropped", kernel.userDropped)]
        }
        return counters
    }

    /// Reports rises in the kernel's own drop counters for our queue.
    private func checkKernelCounters() {
        guard let current = KernelQueueStatistics.read(queue: session.queue) else { return }
        defer { health.kernel = current }
        guard let previous = health.kernel else { return }
        if current.queueDropped > previous.queueDropped {
            writer.writeAnomaly(
                queue: session.queue, kind: .kernelQueueFull, count: current.queueDropped - previous.queueDropped,
                message: "the kernel dropped packets because the queue was full",
                details: [("total", current.queueDropped)])
        }
        if current.userDropped > previous.userDropped {
            writer.writeAnomaly(
                queue: session.queue, kind: .kernelDeliveryFailed, count: current.userDropped - previous.userDropped,
                message: "the kernel could not deliver packets to Portcullis's socket",
                details: [("total", current.userDropped)])
        }
        writer.flush()
    }

    /// Reports lost log lines: on stderr, and as an anomaly in the log itself, which is
    /// also the probe that tells when a failing log works again. At most once a second
    /// while the log is failing (called from housekeeping then).
    private func reportLostLines() {
        let lost = writer.lostLines
        guard lost > health.reportedLostLines else { return }
        if lost > health.lostLinesOnStderr {
            health.lostLinesOnStderr = lost
            StandardError.write(
                "portcullis: cannot write the verdict log; \(lost) lines lost so far"
                    + (options.requireLog ? "; dropping packets until it can (--require-log)\n" : "\n"))
        }
        writer.writeAnomaly(
            queue: session.queue, kind: .logWriteFailed, count: lost - health.reportedLostLines,
            message: "verdict log lines could not be written", details: [("total", lost)])
        writer.flush()
        if !writer.isFailing { health.reportedLostLines = lost }
    }
}
