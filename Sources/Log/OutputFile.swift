import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// An output file (log, capture, report, metrics) could not be opened safely.
public struct OutputFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The path ends in a symbolic link; output files are never reached through one.
        case symlink
        /// A directory on the path is writable by everyone and has no sticky bit, so anyone
        /// could replace the file (or a directory leading to it) between check and use.
        case worldWritableDirectory(String)
        /// A symbolic link on the path lives in a world-writable directory and belongs to
        /// someone else: it may have been planted.
        case plantedSymlink(String)
        /// In a world-writable directory, the existing file is not a regular file of ours
        /// with a single name (a planted file, hard link, FIFO or device).
        case notOurs
        case system(Int32)
    }

    public var path: String
    public var reason: Reason

    public var description: String {
        switch reason {
        case .symlink:
            "refusing \(path): it is a symbolic link (write to the real path)"
        case .worldWritableDirectory(let directory):
            "refusing \(path): directory \(directory) is writable by everyone and not sticky"
        case .plantedSymlink(let link):
            "refusing \(path): \(link) is a symbolic link owned by another user in a world-writable directory"
        case .notOurs:
            "refusing \(path): in a world-writable directory it must be a regular file owned by us with one link"
        case .system(let code):
            "cannot open \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Opens files Portcullis writes, as root or not, without following an attacker's symlink.
///
/// Guarantees, when `open` returns a descriptor:
/// - the last component was not a symbolic link (`O_NOFOLLOW`), and a file that existed was
///   not truncated before these checks passed;
/// - no directory on the path is world-writable without the sticky bit;
/// - no symbolic link on the way sits in a world-writable directory unless it belongs to us
///   or to root (what `fs.protected_symlinks` enforces, checked here whether or not the
///   sysctl is on);
/// - in a world-writable (sticky) directory, the file is a regular file owned by the
///   effective user with exactly one link, so a planted file, hard link or FIFO is refused
///   (and a FIFO cannot block the open: it is opened non-blocking there).
/// The descriptor is close-on-exec. See docs/operations.md, "Output files".
public enum OutputFile {
    /// How to open: `append` (the log), or `truncate` (capture, report, metrics).
    public enum Mode: Sendable { case append, truncate }

    /// Linux's O_PATH (a handle for fstat/openat, no read permission needed); Glibc's
    /// Swift overlay does not export it.
    private static let pathOnly: Int32 = 0o10000000

    /// Opens `path` for writing, creating it with `permissions` (before the umask).
    public static func open(_ path: String, mode: Mode, permissions: mode_t = 0o640) throws(OutputFileError) -> Int32 {
        let (directory, name) = split(path)
        try checkAncestors(of: directory, path: path)
        let directoryFD = try call(path) { Glibc.open(directory, pathOnly | O_DIRECTORY | O_CLOEXEC) }
        defer { try? FileDescriptor(rawValue: directoryFD).close() }
        var status = stat()
        _ = try call(path) { fstat(directoryFD, &status) }
        let shared = status.st_mode & S_IWOTH != 0
        if shared, status.st_mode & S_ISVTX == 0 {
            throw OutputFileError(path: path, reason: .worldWritableDirectory(directory))
        }
        var flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC
        if mode == .append { flags |= O_APPEND }
        if shared { flags |= O_NONBLOCK }
        let fd: Int32
        do throws(Errno) {
            fd = try SystemCall.retryingInterrupts { openat(directoryFD, name, flags, permissions) }
        } catch {
            // O_NOFOLLOW fails with ELOOP on a symlink, but some kernels answer EACCES first
            // (a symlink in a sticky directory): name the symlink whatever the errno.
            var link = stat()
            let isLink = fstatat(directoryFD, name, &link, AT_SYMLINK_NOFOLLOW) == 0 && link.st_mode & S_IFMT == S_IFLNK
            throw OutputFileError(path: path, reason: isLink ? .symlink : .system(error.rawValue))
        }
        do throws(OutputFileError) {
            try finish(fd, path: path, shared: shared, truncate: mode == .truncate)
        } catch {
            try? FileDescriptor(rawValue: fd).close()
            throw error
        }
        return fd
    }

    /// The checks after the open, then non-blocking off and truncation.
    private static func finish(_ fd: Int32, path: String, shared: Bool, truncate: Bool) throws(OutputFileError) {
        var status = stat()
        _ = try call(path) { fstat(fd, &status) }
        if shared, status.st_mode & S_IFMT != S_IFREG || status.st_uid != geteuid() || status.st_nlink != 1 {
            throw OutputFileError(path: path, reason: .notOurs)
        }
        if shared { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
        if truncate, status.st_mode & S_IFMT == S_IFREG {
            _ = try call(path) { ftruncate(fd, 0) }
        }
    }

    /// Walks the directories leading to the file, as written: each must not be world-writable
    /// without the sticky bit, and a symlink among them must not sit in a world-writable
    /// directory unless it is ours or root's.
    static func checkAncestors(of directory: String, path: String) throws(OutputFileError) {
        var prefix = directory.hasPrefix("/") ? "/" : "."
        var parentShared = try isShared(prefix, path: path)
        for component in directory.split(separator: "/") where component != "." {
            prefix = prefix.hasSuffix("/") ? prefix + component : prefix + "/" + component
            var link = stat()
            _ = try call(path) { lstat(prefix, &link) }
            if link.st_mode & S_IFMT == S_IFLNK, parentShared, link.st_uid != geteuid(), link.st_uid != 0 {
                throw OutputFileError(path: path, reason: .plantedSymlink(prefix))
            }
            parentShared = try isShared(prefix, path: path)
        }
    }

    /// Whether the directory is world-writable (then it must be sticky).
    private static func isShared(_ directory: String, path: String) throws(OutputFileError) -> Bool {
        var status = stat()
        _ = try call(path) { stat(directory, &status) }
        guard status.st_mode & S_IWOTH != 0 else { return false }
        if status.st_mode & S_ISVTX == 0 {
            throw OutputFileError(path: path, reason: .worldWritableDirectory(directory))
        }
        return true
    }

    /// One system call through `SystemCall` (errno captured at once, `EINTR` retried); a
    /// failure is `.system` for `path`.
    private static func call<Result: BinaryInteger>(_ path: String, _ body: () -> Result) throws(OutputFileError) -> Result {
        do throws(Errno) {
            return try SystemCall.retryingInterrupts(body)
        } catch {
            throw OutputFileError(path: path, reason: .system(error.rawValue))
        }
    }

    /// `a/b/c` → (`a/b`, `c`); `c` → (`.`, `c`); `/c` → (`/`, `c`).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, name)
    }
}
