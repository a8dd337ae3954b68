import CZlib
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
import Log
#endif

/// The bytes of one log file for `ReportReader`: passed through when plain, inflated member
/// by member when the file starts with the gzip magic (1f 8b, RFC 1952 §2.3.1).
///
/// Unlike zlib's `gzread`, which silently ignores whatever follows the last member, every
/// byte is accounted for: after a member ends, the next bytes must start another member or
/// be the end of the file. Memory is two fixed buffers and zlib's inflate state (its 32 KiB
/// window), whatever the file holds.
struct ReportSource {
    private let descriptor: Int32
    private let path: String
    private let limits: ReportReader.Limits
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var stream: UnsafeMutablePointer<z_stream>?
    /// Plain files: bytes read while sniffing for the gzip magic, not yet handed over.
    private var pending = 0
    private var inputEnded = false
    private var inMember = true
    private var compressedRead: UInt64 = 0
    private var decompressed: UInt64 = 0
    /// Set when the file turned out damaged; `next` returns `nil` from then on.
    private(set) var damage: ReportReadError?

    init(descriptor: Int32, path: String, limits: ReportReader.Limits) throws(ReportReadError) {
        self.descriptor = descriptor
        self.path = path
        self.limits = limits
        input = .allocate(byteCount: 1 << 16, alignment: 16)
        output = .allocate(byteCount: 1 << 18, alignment: 16)
        var count = 0
        do throws(ReportReadError) {
            while count < 2, !inputEnded { count += try read(into: input.baseAddress! + count, capacity: input.count - count) }
        } catch {
            release()
            throw error
        }
        guard count >= 2, input[0] == 0x1F, input[1] == 0x8B else {
            pending = count
            return
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard pcz_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            release()
            throw ReportReadError(path: path, message: "zlib could not start")
        }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(count)
        self.stream = stream
    }

    /// Frees the buffers and the inflate state (once, from the reader's deinit).
    func release() {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
        }
        input.deallocate()
        output.deallocate()
    }

    /// The next bytes of the log; `nil` at the end or after damage (then see `damage`).
    /// The bytes are valid until the next call.
    mutating func next() throws(ReportReadError) -> UnsafeRawBufferPointer? {
        guard damage == nil else { return nil }
        guard let stream else { return try nextPlain() }
        while true {
            if stream.pointee.avail_in < 2, !inputEnded { try refill(stream) }
            if !inMember {
                guard stream.pointee.avail_in > 0 else { return nil }
                guard stream.pointee.avail_in >= 2, stream.pointee.next_in[0] == 0x1F, stream.pointee.next_in[1] == 0x8B else {
                    let offset = compressedRead - UInt64(stream.pointee.avail_in)
                    return fail("trailing garbage after the compressed data, at byte \(offset)")
                }
                inflateReset(stream)
                inMember = true
            }
            if stream.pointee.avail_in == 0, inputEnded { return fail("the gzip data is cut short") }
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            decompressed += UInt64(produced)
            switch status {
            case Z_STREAM_END: inMember = false
            case Z_OK, Z_BUF_ERROR: break
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                _ = fail("corrupt gzip data (\(reason))")
            }
            if let excess = exceeded() { _ = fail(excess) }
            if produced > 0 { return UnsafeRawBufferPointer(rebasing: output[..<produced]) }
            if damage != nil { return nil }
        }
    }

    private mutating func nextPlain() throws(ReportReadError) -> UnsafeRawBufferPointer? {
        if pending > 0 {
            defer { pending = 0 }
            return UnsafeRawBufferPointer(rebasing: input[..<pending])
        }
        let count = try read(into: output.baseAddress!, capacity: output.count)
        return count == 0 ? nil : UnsafeRawBufferPointer(rebasing: output[..<count])
    }

    /// Moves the unread input to the front and reads more behind it.
    private mutating func refill(_ stream: UnsafeMutablePointer<z_stream>) throws(ReportReadError) {
        let kept = Int(stream.pointee.avail_in)
        if kept > 0, let next = stream.pointee.next_in {
            input.baseAddress!.copyMemory(from: next, byteCount: kept)
        }
        let count = try read(into: input.baseAddress! + kept, capacity: input.count - kept)
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(kept + count)
    }

    /// One `read`, retried on EINTR; 0 sets `inputEnded`.
    private mutating func read(into buffer: UnsafeMutableRawPointer, capacity: Int) throws(ReportReadError) -> Int {
        let count: Int
        do throws(Errno) {
            count = try SystemCall.retryingInterrupts { Glibc.read(descriptor, buffer, capacity) }
        } catch {
            throw ReportReadError(path: path, message: String(cString: strerror(error.rawValue)))
        }
        if count == 0 { inputEnded = true }
        compressedRead += UInt64(count)
        return count
    }

    private func exceeded() -> String? {
        if decompressed > limits.maximumDecompressedBytes {
            return "more than \(limits.maximumDecompressedBytes) decompressed bytes (the limit)"
        }
        if decompressed > limits.expansionGrace, decompressed / max(compressedRead, 1) > limits.maximumExpansion {
            return "the gzip data expands more than \(limits.maximumExpansion) times (a gzip bomb?)"
        }
        return nil
    }

    private mutating func fail(_ message: String) -> UnsafeRawBufferPointer? {
        if damage == nil { damage = ReportReadError(path: path, message: message, kind: .damaged) }
        return nil
    }
}
