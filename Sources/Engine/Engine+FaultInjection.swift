#if canImport(Glibc)
import Glibc
#endif

/// A seam for proving fail-safe behaviour: packets carrying a chosen mark are treated as
/// if judging them had failed inside Portcullis (verdict drop, reason `internal`).
///
/// It exists only in builds compiled with `PORTCULLIS_FAULT_INJECTION` (debug builds, which
/// the tests use; never release builds), and only when switched on at run time. In every
/// other build `faultInjected` is a constant `false`.
extension Engine {
    #if PORTCULLIS_FAULT_INJECTION
    /// The packet mark that triggers an injected internal error; nil: off.
    public static let faultMark: UInt32? = {
        guard let text = getenv("PORTCULLIS_FAULT_MARK").map({ String(cString: $0) }) else { return nil }
        return text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
    }()

    func faultInjected(_ metadata: PacketMetadata) -> Bool {
        guard let mark = Self.faultMark else { return false }
        return metadata.mark == mark
    }
    #else
    public static let faultMark: UInt32? = nil

    @inline(__always)
    func faultInjected(_ metadata: PacketMetadata) -> Bool { false }
    #endif
}
