#if canImport(Glibc)
import Glibc
#endif

/// The monotonic clock the loop reads: once per batch for the log gate, once per turn for
/// housekeeping. Behind a protocol so that tests and benchmarks can set the time.
public protocol MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point; never decreases.
    func nanoseconds() -> UInt64
}

extension MonotonicClock {
    /// The same instant in seconds, for the once-a-second housekeeping schedule.
    public func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}

/// `CLOCK_MONOTONIC`, as `VerdictLogGate` expects it.
public struct SystemClock: MonotonicClock {
    public init() {}

    public func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
