import Engine
import Log
import SystemCalls

/// The verdict-line gate in the loop: the ruleset's rate limit and the disk guard
/// (`--log-min-free`), with their `suppressed` summaries and the low-disk anomaly.
extension Worker {
    /// How many lines may be written between two free-space checks, besides once a second:
    /// with `limit none` a flood writes fast, and the check must keep up with it.
    static var linesPerDiskCheck: UInt64 { 4096 }

    /// Once per loop turn: the due rate-limit summary, and the free space when a check is due.
    public func logGateHousekeeping(now: Double) {
        gate.writeDue(to: writer, queue: session.queue, now: clock.nanoseconds())
        checkFreeSpace(now: now)
        writer.flush()
    }

    /// Every open summary, before the stop event, a reload or a log reopen.
    func writeSuppressionSummaries() {
        gate.writeAll(to: writer, queue: session.queue)
        writer.flush()
    }

    /// Compares the log filesystem's free space with `--log-min-free`, at most once a second
    /// (or every `linesPerDiskCheck` lines): a `statvfs`, never per packet. Going under it
    /// writes one `log_disk_low` anomaly; coming back writes the summary of what was held back.
    private func checkFreeSpace(now: Double) {
        guard let path = options.logPath, !options.logMinFree.isOff else { return }
        let lines = writer.linesWritten &- health.linesAtDiskCheck
        guard now >= health.nextDiskCheck || lines >= Self.linesPerDiskCheck else { return }
        health.nextDiskCheck = now + 1
        health.linesAtDiskCheck = writer.linesWritten
        guard let space = FilesystemSpace.of(path: path) else { return }
        let low = space.isLow(options.logMinFree)
        guard low != gate.diskLow else { return }
        gate.setDiskLow(low, writer: writer, queue: session.queue)
        if low {
            writer.writeAnomaly(
                queue: session.queue, kind: .logDiskLow, count: 1,
                message: "free space on the log's filesystem is under --log-min-free (\(options.logMinFree)): "
                    + "verdict lines stop; packets are still judged and counted, and summarised when space returns",
                details: [("available_bytes", space.available), ("threshold_bytes", options.logMinFree.bytes(ofTotal: space.total))])
            StandardError.write(
                "portcullis: \(space.available) bytes free on the log's filesystem, under --log-min-free \(options.logMinFree); verdict lines stop until space returns\n")
        } else {
            StandardError.write("portcullis: free space on the log's filesystem is back; verdict lines resume\n")
        }
    }
}
