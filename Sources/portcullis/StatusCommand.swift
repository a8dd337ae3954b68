import ArgumentParser
import Reporting
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// `portcullis status [PATH...]`: what each running queue is doing, from its metrics file.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each running queue: pid, uptime, rules, counters, losses, log health.",
        discussion: """
            Reads the metrics files that `run --metrics-file` keeps up to date (the systemd \
            unit writes /run/portcullis/portcullis.prom; several queues write one file each). \
            A PATH is a metrics file or a directory of them (*.prom); the default is \
            /run/portcullis. A queue whose pid is gone is NOT RUNNING; one whose file is older \
            than three metrics intervals is STALLED?. Exits 0 when every queue is running with \
            a healthy log, 1 when one is not, 3 when no metrics file could be read.
            """
    )

    static let defaultDirectory = "/run/portcullis"

    @Argument(help: ArgumentHelp("Metrics files, or directories of *.prom files.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let files = (paths.isEmpty ? [Self.defaultDirectory] : paths).flatMap(Self.metricsFiles)
        var statuses: [(QueueStatus, alive: Bool, age: Int)] = []
        let now = Int(time(nil))
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try WholeFile.read(file, maximumBytes: 4 << 20)
            } catch {
                StandardError.write("portcullis: cannot read \(file): \(error.description)\n")
                continue
            }
            guard let status = QueueStatus(metrics: String(decoding: bytes, as: UTF8.self), file: file) else {
                StandardError.write("portcullis: \(file): not a Portcullis metrics file\n")
                continue
            }
            var info = stat()
            let age = stat(file, &info) == 0 ? now - Int(info.st_mtim.tv_sec) : 0
            statuses.append((status, Self.alive(status.pid), age))
        }
        guard !statuses.isEmpty else {
            let looked = (paths.isEmpty ? [Self.defaultDirectory] : paths).joined(separator: ", ")
            Failure(
                message: "no metrics file found in \(looked): is portcullis running with --metrics-file?",
                status: ExitStatus.io
            ).exit()
        }
        statuses.sort { ($0.0.queue.count, $0.0.queue) < ($1.0.queue.count, $1.0.queue) }
        print(statuses.map { $0.0.text(pidAlive: $0.alive, ageSeconds: $0.age, now: now) }.joined(separator: "\n"), terminator: "")
        if statuses.contains(where: { !$0.0.healthy(pidAlive: $0.alive, ageSeconds: $0.age) }) {
            throw ExitCode(ExitStatus.ruleErrors)
        }
    }

    /// A file as given, or a directory's `*.prom` files in name order.
    static func metricsFiles(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".prom") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    /// Whether `pid` names a live process (EPERM: alive, but not ours to signal).
    static func alive(_ pid: Int32?) -> Bool {
        guard let pid, pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
