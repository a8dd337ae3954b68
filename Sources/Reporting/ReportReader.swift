import CZlib
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
import Log
#endif

/// A log file could not be opened or read (exit status 3 in the CLI), or turned out damaged.
public struct ReportReadError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened, or a read failed.
        case io
        /// The bytes are not a whole log: trailing garbage after gzip data, a cut or corrupt
        /// gzip stream, or more decompressed data than `ReportReader.Limits` allow.
        case damaged
    }

    public var path: String
    public var message: String
    public var kind: Kind = .io
    public var description: String { "cannot read \(path): \(message)" }

    /// Damage found part-way through (the lines before it were delivered).
    public var isDamage: Bool { kind == .damaged }
}

/// Streams the lines of a verdict log, plain or gzip-compressed (one or more gzip members,
/// as `cat a.gz b.gz` makes), in constant memory: one input buffer, one output buffer, one
/// line buffer of at most `Limits.maximumLineLength` bytes.
///
/// A line longer than the limit is not kept: it is handed over as `nil` (damaged) once its
/// end is reached. A last line without a newline is handed over too (a log cut mid-write),
/// and the caller judges whether it parses. Bytes after the last gzip member, a gzip stream
/// cut short or corrupt, and decompressed output beyond the limits end the read with a
/// `.damaged` error after every line before the damage was delivered.
public final class ReportReader {
    /// Bounds on what a log may make the reader do (documented in docs/logs.md).
    public struct Limits: Sendable {
        /// Longer lines are handed over as damaged; a verdict line is well under 2 KiB.
        public var maximumLineLength = 1 << 20
        /// Decompressed bytes one gzip file may produce (1 TiB).
        public var maximumDecompressedBytes: UInt64 = 1 << 40
        /// Past the first `expansionGrace` bytes, output may be at most this many times the
        /// compressed input read. Verdict logs compress about 10:1 (the chain's hex digits
        /// do not compress); a gzip bomb reaches 1000:1.
        public var maximumExpansion: UInt64 = 100
        public var expansionGrace: UInt64 = 16 << 20

        public init() {}
    }

    public let path: String
    public let limits: Limits
    /// The default longest line (`Limits.maximumLineLength`).
    public static let maximumLineLength = Limits().maximumLineLength
    private let descriptor: Int32
    private var source: ReportSource
    private var line: [UInt8] = []
    private var overlong = false

    public init(path: String, limits: Limits = Limits()) throws(ReportReadError) {
        self.path = path
        self.limits = limits
        // "-" is standard input (`replay --log - | report -`), read as it comes.
        do throws(Errno) {
            descriptor = try SystemCall.retryingInterrupts { path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            throw ReportReadError(path: path, message: String(cString: strerror(error.rawValue)))
        }
        do throws(ReportReadError) {
            source = try ReportSource(descriptor: descriptor, path: path, limits: limits)
        } catch {
            try? FileDescriptor(rawValue: descriptor).close()
            throw error
        }
        line.reserveCapacity(4096)
    }

    deinit {
        source.release()
        try? FileDescriptor(rawValue: descriptor).close()
    }

    /// Calls `body` with each line (without its newline; `nil` for an overlong one), in order.
    public func forEachLine(_ body: (UnsafeRawBufferPointer?) -> Void) throws(ReportReadError) {
        try forEachLine(while: { body($0); return true })
    }

    /// As `forEachLine`, stopping (without reading further) once `body` returns false.
    public func forEachLine(while body: (UnsafeRawBufferPointer?) -> Bool) throws(ReportReadError) {
        var going = true
        func hand(_ line: UnsafeRawBufferPointer?) { if going { going = body(line) } }
        while going, let bytes = try source.next(), !bytes.isEmpty {
            var start = 0
            while start < bytes.count {
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    keep(bytes[start...])
                    break
                }
                if line.isEmpty, !overlong {
                    // The common case: the whole line is inside the chunk; no copy.
                    hand(newline - start > limits.maximumLineLength ? nil : UnsafeRawBufferPointer(rebasing: bytes[start..<newline]))
                } else {
                    keep(bytes[start..<newline])
                    deliver(hand)
                }
                start = newline + 1
            }
        }
        guard going else { return }
        if !line.isEmpty || overlong { deliver(hand) }
        if let damage = source.damage { throw damage }
    }

    private func keep(_ bytes: Slice<UnsafeRawBufferPointer>) {
        if overlong { return }
        if line.count + bytes.count > limits.maximumLineLength {
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
