import CZlib

#if canImport(Glibc)
import Glibc
#endif

/// A log file could not be opened or read (exit status 3 in the CLI).
public struct ReportReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "cannot read \(path): \(message)" }
}

/// Streams the lines of a verdict log, plain or gzip-compressed (zlib's `gzread` passes a
/// plain file through unchanged), in constant memory: one read buffer and one line buffer.
///
/// A line longer than `maximumLineLength` is not kept: it is handed over as `nil` (damaged)
/// once its end is reached. A last line without a newline is handed over too (a log cut
/// mid-write), and the caller judges whether it parses.
public final class ReportReader {
    public let path: String
    /// Longer lines are reported damaged; a verdict line is well under 2 KiB.
    public static let maximumLineLength = 1 << 20
    private let file: gzFile
    private var chunk: UnsafeMutableRawBufferPointer
    private var line: [UInt8] = []
    private var overlong = false

    public init(path: String) throws(ReportReadError) {
        self.path = path
        // "-" is standard input (`replay --log - | report -`); zlib reads a pipe as it comes.
        let opened = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb")
        guard let file = opened else {
            throw ReportReadError(path: path, message: String(cString: strerror(errno)))
        }
        self.file = file
        gzbuffer(file, 1 << 18)
        chunk = .allocate(byteCount: 1 << 18, alignment: 16)
        line.reserveCapacity(4096)
    }

    deinit {
        gzclose(file)
        chunk.deallocate()
    }

    /// Calls `body` with each line (without its newline; `nil` for an overlong one), in order.
    public func forEachLine(_ body: (UnsafeRawBufferPointer?) -> Void) throws(ReportReadError) {
        while true {
            let count = gzread(file, chunk.baseAddress, UInt32(chunk.count))
            if count < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw ReportReadError(path: path, message: message)
            }
            if count == 0 { break }
            var start = 0
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<Int(count)])
            while start < bytes.count {
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    keep(bytes[start...])
                    break
                }
                if line.isEmpty, !overlong {
                    // The common case: the whole line is inside the chunk; no copy.
                    body(UnsafeRawBufferPointer(rebasing: bytes[start..<newline]))
                } else {
                    keep(bytes[start..<newline])
                    deliver(body)
                }
                start = newline + 1
            }
        }
        if !line.isEmpty || overlong { deliver(body) }
    }

    private func keep(_ bytes: Slice<UnsafeRawBufferPointer>) {
        if overlong { return }
        if line.count + bytes.count > Self.maximumLineLength {
            overlong = true
            line.removeAll(keepingCapacity: false)
        } else {
            line.append(contentsOf: bytes)
        }
    }

    private func deliver(_ body: (UnsafeRawBufferPointer?) -> Void) {
        if overlong {
            body(nil)
        } else {
            line.withUnsafeBytes { body($0) }
        }
        overlong = false
        line.removeAll(keepingCapacity: line.capacity <= 1 << 16)
    }
}
