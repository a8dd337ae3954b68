import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The one helper through which Portcullis makes the raw C library calls that swift-system's
/// `FileDescriptor` does not cover (poll, signalfd, recvmmsg, prctl, capset, set*id, statvfs).
///
/// A failing call's `errno` is read immediately after the call returns, before any other code
/// (a `String` built for the message, a deallocation) can overwrite it, and `EINTR` is retried
/// in one place instead of in a loop at every call site.
public enum SystemCall {
    /// Calls `body` until it returns something other than -1 with `EINTR`. Returns the result of
    /// the first call that did not fail; throws the `errno` of the first failure that is not
    /// `EINTR`. Allocates nothing.
    @inlinable
    public static func retryingInterrupts<Result: BinaryInteger>(_ body: () -> Result) throws(Errno) -> Result {
        while true {
            let result = body()
            guard result == -1 else { return result }
            let code = Errno(rawValue: errno)
            guard code == .interrupted else { throw code }
        }
    }

    /// Calls `body` once. A result of -1 throws the `errno` read right after the call; any other
    /// result is returned. For calls that must not be repeated (`prctl`, `setresuid`, ...).
    @inlinable
    public static func checked<Result: BinaryInteger>(_ body: () -> Result) throws(Errno) -> Result {
        let result = body()
        guard result == -1 else { return result }
        throw Errno(rawValue: errno)
    }

    /// Writes all of `bytes` to `descriptor`, continuing after short writes and retrying
    /// `EINTR`. Returns how many bytes were written and, when a write failed before the end,
    /// its `errno` (so a caller can undo a partial write). Allocates nothing.
    @inlinable
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, failure: Errno?) {
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try retryingInterrupts { write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
            } catch {
                return (offset, error)
            }
        }
        return (offset, nil)
    }

    /// The `errno` left by the last call, as swift-system's `Errno`: for C calls that report a
    /// failure other than by -1 (a null pointer from libmnl). Read it before doing anything else.
    @inlinable
    public static var lastError: Errno { Errno(rawValue: errno) }
}
