#if canImport(Glibc)
import Glibc
#endif

/// Reads a file line by line in constant memory (a fixed read buffer plus the longest
/// line). Lines are handed out without their `\n`; a last line without one is still a line.
public final class LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var finished = false

    /// Opens `path` for reading.
    public init(path: String) throws(LogOpenError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogOpenError(path: path, errno: Glibc.errno) }
        descriptor = fd
        buffer = [UInt8](repeating: 0, count: 1 << 16)
    }

    deinit {
        close(descriptor)
    }

    /// Calls `body` with each line's bytes (valid only during the call) until the end of
    /// the file. Returns the number of lines.
    @discardableResult
    public func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Int {
        var count = 0
        while true {
            if let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n")) {
                try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<newline])) }
                start = newline + 1
                count += 1
                continue
            }
            if finished {
                if start < end {
                    try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                    count += 1
                }
                return count
            }
            refill()
        }
    }

    /// Moves the partial line to the front, grows the buffer if a line fills it, reads more.
    private func refill() {
        if start > 0 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start
            start = 0
        }
        if end == buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let capacity = buffer.count - end
        let count = buffer.withUnsafeMutableBytes { raw in
            read(descriptor, raw.baseAddress! + end, capacity)
        }
        if count <= 0 {
            if count < 0 && errno == EINTR { return }
            finished = true
        } else {
            end += count
        }
    }
}
