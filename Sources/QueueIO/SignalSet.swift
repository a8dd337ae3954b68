import CLinux
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Signals delivered as readable events on a file descriptor (signalfd), so the run loop
/// can wait for packets and signals in one `poll` with no global state or handlers.
///
/// `init` blocks the signals for the process's (single) thread; they are then only
/// reported through `next()`.
public final class SignalSet {
    public let fileDescriptor: Int32

    public init(_ signals: [Int32]) throws(QueueError) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        // pthread_sigmask returns its error number instead of setting errno.
        let blocked = pthread_sigmask(SIG_BLOCK, &set, nil)
        guard blocked == 0 else { throw QueueError(operation: .signals, errno: Errno(rawValue: blocked)) }
        do throws(Errno) {
            fileDescriptor = try SystemCall.checked { signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) }
        } catch {
            throw QueueError(operation: .signals, errno: error)
        }
    }

    deinit {
        close(fileDescriptor)
    }

    /// The next pending signal number, or nil when none is pending.
    public func next() -> Int32? {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        let count = read(fileDescriptor, &info, size)
        guard count == size else { return nil }
        return Int32(info.ssi_signo)
    }

    /// The conventional name of the signals we handle, for the log.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGUSR1: "SIGUSR1"
        default: "signal \(signal)"
        }
    }
}
