import SystemPackage

/// Standard error as a plain text sink for operator messages (no Foundation).
public enum StandardError {
    /// Writes all of `text` (retrying short writes and `EINTR`). A failure is ignored: there is
    /// nowhere left to report it.
    public static func write(_ text: String) {
        _ = try? FileDescriptor.standardError.writeAll(text.utf8)
    }
}
