import ArgumentParser
import Log
import Reporting
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// `portcullis report`: filters and groups verdict logs, streaming them in constant memory.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize verdict logs: filter, group, and rank what was accepted and dropped.",
        discussion: """
            Reads each LOG line by line (gzip-rotated files too; - reads standard input), in \
            constant memory. Besides the verdicts, the report shows what the other lines say: \
            the log mode and what it means for the counts, losses (kernel queue drops, socket \
            overflows, packet id gaps, lost and suppressed log lines) with their times, starts \
            and stops with their self-test results, the rulesets in force and every reload. Lines \
            that are not one JSON object are counted as damaged and otherwise skipped. Filters \
            apply to verdict lines; every given filter must hold. Times are RFC 3339 \
            (2026-11-27, 2026-11-27T10:00, 2026-11-27T10:00:00.5+01:00; no zone is UTC); \
            --since is inclusive, --until exclusive. --reason takes a reason (rule, policy, \
            decode, internal) or a decode error's reason (bad-checksum, ...). --rule takes \
            FILE:LINE (FILE may be a path suffix) or a rule label.

            Text is a table per grouping (all of them unless --by); json is one object for \
            scripts; html is one self-contained page with a timeline and bar charts.

            With --verify, report checks the logs' hash chain instead (give rotated files \
            oldest first) and names the first line that was altered, removed or inserted, \
            or that belongs to no chain (only the first file's first line, or a reopen line \
            there, may pick a chain up without its start line); a damaged gzip file \
            (trailing garbage, cut short) is a break too. It exits 1 when the chain is broken.

            Lines longer than 1 MiB are damaged; a gzip file may expand at most 100 times \
            (past 16 MiB) and to at most 1 TiB (docs/logs.md, "Reading limits").

            Exits 0 on success, 2 on usage errors, 3 when a log cannot be read or the output written.
            """
    )

    @Argument(help: ArgumentHelp("Verdict log files (plain or .gz; - for standard input).", valueName: "log"))
    var logs: [String]

    @Option(help: ArgumentHelp("Only verdicts at or after this time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only verdicts before this time.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Only this verdict.", valueName: "accept|drop|reject"))
    var verdict: String?

    @Option(help: ArgumentHelp("Only this reason or decode-error reason.", valueName: "reason"))
    var reason: String?

    @Option(help: ArgumentHelp("Only packets from this address or network, IPv4 or IPv6 (10.1.0.0/24, fd00::/8).", valueName: "cidr"))
    var src: String?

    @Option(help: ArgumentHelp("Only packets to this address or network, IPv4 or IPv6.", valueName: "cidr"))
    var dst: String?

    @Option(help: ArgumentHelp("Only packets decided by this rule.", valueName: "file:line|label"))
    var rule: String?

    @Option(help: ArgumentHelp("Group by one of rule, src, dst, reason, port, dns-name (text and json; default all but dns-name, which is shown when the log has DNS).", valueName: "dimension"))
    var by: ReportDimension?

    @Option(help: ArgumentHelp("Rows per group.", valueName: "n"))
    var top: Int = 10

    @Option(help: ArgumentHelp("Output format.", valueName: "text|json|html"))
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Check the logs' hash chain (oldest file first) instead of summarizing them.")
    var verify = false

    func validate() throws {
        if logs.isEmpty { throw ValidationError("give at least one log file") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        _ = try filter()
    }

    func run() throws {
        if verify { return try runVerify() }
        var report = Reporting.Report(filter: try filter())
        do {
            for path in logs { try report.read(ReportReader(path: path)) }
        } catch {
            Failure(message: error.description, status: ExitStatus.io).exit()
        }
        for damage in report.damagedFiles {
            StandardError.write("portcullis: \(damage.path) is damaged: \(damage.message); the lines before it are counted\n")
        }
        let dimensions = by.map { [$0] } ?? report.defaultDimensions
        let bytes: [UInt8] = switch format {
        case .text: Array(report.text(dimensions: dimensions, top: top).utf8)
        case .json: report.json(dimensions: dimensions, top: top)
        case .html: Array(report.html(top: top).utf8)
        }
        if let failure = Self.write(bytes, to: output) { failure.exit() }
    }

    /// `--verify`: one line of verdict, exit 1 when the chain is broken.
    private func runVerify() throws {
        let result: ChainVerifier.Result
        do {
            result = try ChainVerifier.verify(paths: logs)
        } catch {
            Failure(message: error.description, status: ExitStatus.io).exit()
        }
        for place in result.pickedUp {
            StandardError.write(
                "portcullis: \(place): chain picked up without its start line (give earlier files first)\n")
        }
        if let problem = result.problem {
            print("chain broken: \(problem)")
            throw ExitCode(1)
        }
        print("chain intact: \(counted(result.lines, "line")), \(counted(result.anchors, "start anchor")), \(counted(logs.count, "file"))")
    }

    /// The filter from the options; a `ValidationError` names the malformed one.
    private func filter() throws -> ReportFilter {
        var filter = ReportFilter()
        if let since {
            guard let time = ReportTime.parse(since) else { throw ValidationError("--since: not an RFC 3339 time: \(since)") }
            filter.since = time
        }
        if let until {
            guard let time = ReportTime.parse(until) else { throw ValidationError("--until: not an RFC 3339 time: \(until)") }
            filter.until = time
        }
        if let verdict {
            guard ["accept", "drop", "reject"].contains(verdict) else { throw ValidationError("--verdict is accept, drop or reject") }
            filter.verdict = verdict
        }
        filter.reason = reason
        if let src {
            guard let network = ReportFilter.network(src) else { throw ValidationError("--src: not an address or CIDR: \(src)") }
            filter.source = network
        }
        if let dst {
            guard let network = ReportFilter.network(dst) else { throw ValidationError("--dst: not an address or CIDR: \(dst)") }
            filter.destination = network
        }
        filter.rule = rule.map(RuleSelector.init)
        return filter
    }

    /// Writes the whole output; a failure to report otherwise.
    private static func write(_ bytes: [UInt8], to path: String?) -> Failure? {
        let fd: Int32
        do {
            fd = try path.map { path throws(OutputFileError) in try OutputFile.open(path, mode: .truncate, permissions: 0o644) } ?? STDOUT_FILENO
        } catch {
            return Failure(message: error.description, status: ExitStatus.io)
        }
        let descriptor = FileDescriptor(rawValue: fd)
        defer { if path != nil { try? descriptor.close() } }
        do {
            _ = try descriptor.writeAll(bytes)
            return nil
        } catch {
            let code = (error as? Errno)?.rawValue ?? EIO
            return Failure(message: "cannot write \(path ?? "-"): \(String(cString: strerror(code)))", status: ExitStatus.io)
        }
    }
}

/// `report --format`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, html
}

extension ReportDimension: ExpressibleByArgument {}
