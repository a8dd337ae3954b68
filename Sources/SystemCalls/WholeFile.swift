import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reading a whole file of bounded size, through swift-system's `FileDescriptor` (which retries
/// `EINTR` on every read).
public enum WholeFile {
    /// Why a file could not be read.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// `open`, `fstat` or `read` failed with this errno.
        case system(Errno)
        /// The file holds more than the limit given (`limit` bytes).
        case tooLarge(limit: Int)
        /// The file is not a regular file: "a FIFO", "a directory", ...
        case notRegular(kind: String)

        public var description: String {
            switch self {
            case .system(let code): String(cString: strerror(code.rawValue))
            case .tooLarge(let limit): "larger than \(limit) bytes"
            case .notRegular(let kind): "not a regular file (\(kind))"
            }
        }
    }

    /// The bytes of `path`, at most `maximumBytes` of them (more is `tooLarge`). For small
    /// kernel files (/proc, /sys), whose size `stat` does not tell.
    public static func read(_ path: String, maximumBytes: Int = 1 << 20) throws(Failure) -> [UInt8] {
        let fd = try open(path, options: [.closeOnExec])
        return try readAll(fd, maximumBytes: maximumBytes)
    }

    /// The first `count` bytes of `path` (fewer if the file is shorter); the rest is not read.
    public static func readPrefix(_ path: String, count: Int) throws(Failure) -> [UInt8] {
        let fd = try open(path, options: [.closeOnExec])
        return try readAll(fd, maximumBytes: count, truncating: true)
    }

    /// The bytes of `path` if it is a regular file of at most `maximumBytes`. Never blocks: the
    /// file is opened with `O_NONBLOCK` (a FIFO with no writer would otherwise block `open`
    /// forever) and its type is checked with `fstat` on the open descriptor before anything is
    /// read, so nothing can be swapped in between.
    public static func readRegular(_ path: String, maximumBytes: Int) throws(Failure) -> [UInt8] {
        let fd = try open(path, options: [.closeOnExec, .nonBlocking, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)])
        var status = stat()
        do throws(Errno) {
            _ = try SystemCall.checked { fstat(fd.rawValue, &status) }
        } catch {
            try? fd.close()
            throw .system(error)
        }
        if let kind = nonRegularKind(status.st_mode) {
            try? fd.close()
            throw .notRegular(kind: kind)
        }
        return try readAll(fd, maximumBytes: maximumBytes)
    }

    /// "a FIFO", "a directory", ... for a file type that is not regular; nil for a regular file.
    public static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFIFO: "a FIFO"
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "of an unknown type"
        }
    }

    private static func open(_ path: String, options: FileDescriptor.OpenOptions) throws(Failure) -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .readOnly, options: options)
        } catch {
            throw .system(error as? Errno ?? .ioError)
        }
    }

    /// Reads `fd` to its end and closes it. `st_size` is only a hint (files in /proc say 0), so
    /// the cap is enforced on what is read: past it, `tooLarge`, or with `truncating` the bytes
    /// up to it.
    private static func readAll(_ fd: FileDescriptor, maximumBytes: Int, truncating: Bool = false) throws(Failure) -> [UInt8] {
        do {
            return try fd.closeAfter { () throws -> [UInt8] in
                var result: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
                    if count == 0 { return result }
                    guard result.count + count <= maximumBytes else {
                        guard truncating else { throw Failure.tooLarge(limit: maximumBytes) }
                        result.append(contentsOf: chunk[0..<(maximumBytes - result.count)])
                        return result
                    }
                    result.append(contentsOf: chunk[0..<count])
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .system(error as? Errno ?? .ioError)
        }
    }
}
