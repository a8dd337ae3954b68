import QueueIO
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// `run` with several queues: one worker process per queue, each this same binary started
/// afresh (posix_spawn, never a fork of a running Swift process) as `run --queue N` with
/// the other options unchanged. The supervisor binds nothing and judges nothing: it
/// restarts a worker that dies (its queue drops traffic meanwhile: fail closed), passes
/// SIGHUP and SIGUSR1 on, and on SIGTERM/SIGINT stops every worker and waits for them.
final class Supervisor {
    private let queues: [UInt16]
    private let argumentsForQueue: (UInt16) -> [String]
    private var workers: [Int32: UInt16] = [:]
    private var restarts: [UInt16: Int] = [:]

    /// `argumentsForQueue` gives a worker's full argv (after the program path).
    init(queues: [UInt16], argumentsForQueue: @escaping (UInt16) -> [String]) {
        self.queues = queues
        self.argumentsForQueue = argumentsForQueue
    }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    func run() throws(Failure) -> Int32 {
        let signals: SignalSet
        do {
            signals = try SignalSet([SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD])
        } catch {
            throw Failure(message: error.description, status: ExitStatus.io)
        }
        for queue in queues { try spawn(queue) }
        while true {
            var entry = pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = try? SystemCall.retryingInterrupts { poll(&entry, 1, -1) }
            while let signal = signals.next() {
                switch signal {
                case SIGCHLD:
                    try reapAndRestart()
                case SIGHUP, SIGUSR1:
                    for pid in workers.keys { kill(pid, signal) }
                default:
                    return stopAll()
                }
            }
        }
    }

    private func spawn(_ queue: UInt16) throws(Failure) {
        let arguments = [Self.executablePath()] + argumentsForQueue(queue)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The worker starts with no signal blocked; it sets up its own signalfd.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], nil, &attributes, &argv, environ)
        guard result == 0 else {
            throw Failure(message: "cannot start the worker for queue \(queue): \(String(cString: strerror(result)))", status: ExitStatus.io)
        }
        workers[pid] = queue
    }

    /// Collects dead workers and starts a new one for each queue, after a pause that grows
    /// with repeated deaths (up to 5 s) so a worker that cannot start does not spin.
    private func reapAndRestart() throws(Failure) {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0, let queue = workers.removeValue(forKey: pid) else { return }
            let count = (restarts[queue] ?? 0) + 1
            restarts[queue] = count
            StandardError.write(
                "portcullis: the worker for queue \(queue) (pid \(pid)) ended (\(Self.describe(status))); "
                    + "its queue drops traffic until the restart\n")
            usleep(UInt32(min(5_000_000, 200_000 * count)))
            try spawn(queue)
        }
    }

    private func stopAll() -> Int32 {
        for pid in workers.keys { kill(pid, SIGTERM) }
        var worst: Int32 = 0
        for pid in workers.keys {
            var status: Int32 = 0
            _ = try? SystemCall.retryingInterrupts { waitpid(pid, &status, 0) }
            let code = Self.exitCode(status)
            if code != 0 { worst = code }
        }
        workers = [:]
        return worst
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: spelled out (sys/wait.h).
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    private static func describe(_ status: Int32) -> String {
        status & 0x7F == 0 ? "exit status \((status >> 8) & 0xFF)" : "signal \(status & 0x7F)"
    }

    /// This binary, as the kernel knows it (not argv[0], which may be relative or a name).
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The command line with every queue option removed and `--queue N` put back, and the
    /// metrics file made per queue (`NAME.prom` → `NAME-qN.prom`) so workers do not clobber
    /// one another's.
    static func workerArguments(from original: [String], queue: UInt16) -> [String] {
        var result: [String] = []
        var index = 0
        while index < original.count {
            let argument = original[index]
            if argument == "--queue" || argument == "--queues" {
                index += 2
                continue
            }
            if argument.hasPrefix("--queue=") || argument.hasPrefix("--queues=") {
                index += 1
                continue
            }
            if argument == "--metrics-file", index + 1 < original.count {
                result += [argument, perQueue(original[index + 1], queue)]
                index += 2
                continue
            }
            if argument.hasPrefix("--metrics-file=") {
                result.append("--metrics-file=" + perQueue(String(argument.dropFirst("--metrics-file=".count)), queue))
                index += 1
                continue
            }
            result.append(argument)
            index += 1
        }
        return result + ["--queue", String(queue)]
    }

    static func perQueue(_ path: String, _ queue: UInt16) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let stem = path.dropLast(name.distance(from: dot, to: name.endIndex))
            return "\(stem)-q\(queue)\(name[dot...])"
        }
        return "\(path)-q\(queue)"
    }
}
