import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
import Log
#endif

/// Checks the hash chain of verdict log files (see `HashChain`), oldest file first.
///
/// Each `queue` (0 to 65535) has its own chain; a `start` line restarts it. A chain may be
/// picked up without its `start` line only where earlier files can legitimately be missing:
/// at the first line of the first file given, or at a `reopen` marker (written by `SIGUSR1`
/// into each new file) in the first file. A line of any other chain that was never started
/// is a break, blamed on that line, so appended forged lines cannot pass as "picked up".
/// A line whose `queue` is not a number from 0 to 65535 is blamed on itself.
///
/// The first break found is classified by looking at the next line of the same chain: if
/// that line continues from the broken line's recorded value, the broken line was altered;
/// if it continues from the value before, the broken line was inserted; otherwise lines were
/// removed (or a line was altered together with its chain value).
///
/// Memory is bounded: at most 65,536 chains are tracked (only started or legitimately picked
/// up ones), and lines are streamed (`ReportReader`).
public struct ChainVerifier {
    /// What is wrong, and where.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case alteredOrRemovedBefore = "altered-or-removed-before", inserted
            case rewritten, missingChain = "no-chain-field"
            case brokenAtEnd = "altered-or-inserted-last"
            case unstarted = "no-chain-start"
            case badQueue = "bad-queue"
            case damagedFile = "damaged-file"
        }
        public var file: String
        public var line: Int
        public var kind: Kind
        /// For `damagedFile`: what the reader found.
        public var detail: String?

        public init(file: String, line: Int, kind: Kind, detail: String? = nil) {
            self.file = file
            self.line = line
            self.kind = kind
            self.detail = detail
        }

        public var description: String {
            let what = switch kind {
            case .alteredOrRemovedBefore: "this line was altered, or lines just before it were removed"
            case .inserted: "this line was inserted"
            case .rewritten: "this line was rewritten together with its chain value"
            case .missingChain: "this line has no chain value"
            case .brokenAtEnd: "this last line of its chain was altered or inserted"
            case .unstarted: "this line belongs to no chain: it is not a start line, and only the first file's first line or a reopen marker there may pick a chain up"
            case .badQueue: "this line's queue is not a number from 0 to 65535"
            case .damagedFile: "the file is damaged after this line: \(detail ?? "unreadable")"
            }
            return "\(file):\(line): \(what)"
        }
    }

    /// The outcome over all files.
    public struct Result: Sendable {
        public var lines = 0
        public var anchors = 0
        /// Places where a chain was picked up without its `start` line (earlier files not given).
        public var pickedUp: [String] = []
        public var problem: Problem?
    }

    private struct Link {
        var value = ChainValue.anchor
        /// A break waiting for the next line of the chain to classify it.
        var suspect: Suspect?
    }

    private struct Suspect {
        var file: String
        /// Files are numbered from 1 in the order given; (fileIndex, line) orders places.
        var fileIndex: Int
        var line: Int
        var previous: ChainValue
        var recorded: ChainValue?
        var position: (Int, Int) { (fileIndex, line) }
    }

    /// At most one entry per queue number (65,536).
    private var chains: [UInt16: Link] = [:]
    private var currentFile: String?
    private var files = 0
    public private(set) var result = Result()

    public init() {}

    /// Verifies the files in order (plain or gzip-compressed) and returns the first
    /// problem, if any. A file that cannot be opened throws; one that turns out damaged
    /// part-way (trailing garbage after gzip data, a cut gzip stream) is a problem.
    public static func verify(paths: [String], limits: ReportReader.Limits = .init()) throws(ReportReadError) -> Result {
        var verifier = ChainVerifier()
        for path in paths {
            let reader = try ReportReader(path: path, limits: limits)
            var number = 0
            do {
                try reader.forEachLine(while: { line in
                    number += 1
                    // An overlong line (nil) cannot be one we wrote: it has no chain to check.
                    if let line { verifier.check(line, file: path, line: number) } else { verifier.markMissingChain(file: path, line: number) }
                    return verifier.result.problem == nil
                })
            } catch where error.isDamage {
                if verifier.result.problem == nil {
                    verifier.fail(Problem(file: path, line: number, kind: .damagedFile, detail: error.message))
                }
            }
            if verifier.result.problem != nil { break }
        }
        verifier.finish()
        return verifier.result
    }

    /// Checks one line. After the first problem, further lines are ignored.
    public mutating func check(_ line: UnsafeRawBufferPointer, file: String, line number: Int) {
        guard result.problem == nil, !line.isEmpty else { return }
        if file != currentFile {
            currentFile = file
            files += 1
        }
        result.lines += 1
        guard let split = Self.chainSplit(line) else {
            fail(Problem(file: file, line: number, kind: .missingChain))
            return
        }
        let content = UnsafeRawBufferPointer(rebasing: line[..<split.contentEnd])
        let recorded = ChainValue(hex: split.recorded)
        guard let queue = Self.queueField(in: content) else {
            fail(Problem(file: file, line: number, kind: .badQueue))
            return
        }
        var link: Link
        if Self.contains(",\"event_type\":\"start\",", in: content) {
            link = Link()
            result.anchors += 1
        } else if let known = chains[queue] {
            link = known
        } else if files == 1, result.lines == 1 || Self.contains(",\"event_type\":\"reopen\",", in: content) {
            // Earlier files were not given: adopt the recorded value.
            result.pickedUp.append("\(file):\(number)")
            chains[queue] = Link(value: recorded ?? .anchor)
            return
        } else {
            fail(Problem(file: file, line: number, kind: .unstarted))
            return
        }
        if let suspect = link.suspect {
            let kind: Problem.Kind =
                suspect.recorded.map { HashChain.link($0, content) } == recorded ? .alteredOrRemovedBefore
                : HashChain.link(suspect.previous, content) == recorded ? .inserted
                : .rewritten
            fail(Problem(file: suspect.file, line: suspect.line, kind: kind), fileIndex: suspect.fileIndex)
            return
        }
        let computed = HashChain.link(link.value, content)
        if computed == recorded {
            link.value = computed
        } else {
            link.suspect = Suspect(file: file, fileIndex: files, line: number, previous: link.value, recorded: recorded)
        }
        chains[queue] = link
    }

    /// Records `problem`, unless a break earlier in the files is still waiting on another
    /// chain: the earliest place is named (a line moved to another chain by an edited
    /// `queue` is blamed on itself, not on its chain's next line).
    private mutating func fail(_ problem: Problem, fileIndex: Int? = nil) {
        let position = (fileIndex ?? files, problem.line)
        if let earlier = earliestSuspect(), earlier.position < position {
            result.problem = Problem(file: earlier.file, line: earlier.line, kind: .alteredOrRemovedBefore)
        } else {
            result.problem = problem
        }
    }

    private func earliestSuspect() -> Suspect? {
        chains.values.compactMap(\.suspect).min { $0.position < $1.position }
    }

    mutating func markMissingChain(file: String, line: Int) {
        guard result.problem == nil else { return }
        if file != currentFile {
            currentFile = file
            files += 1
        }
        result.lines += 1
        fail(Problem(file: file, line: line, kind: .missingChain))
    }

    /// Reports a break that no later line could classify.
    public mutating func finish() {
        guard result.problem == nil else { return }
        if let suspect = earliestSuspect() {
            result.problem = Problem(file: suspect.file, line: suspect.line, kind: .brokenAtEnd)
        }
    }

    /// The chain value of the last line of `queue` within the last 64 KiB of the file at
    /// `path` (what `replay --append` continues from); `nil` when there is none.
    public static func lastChainValue(queue: UInt16, inFileAt path: String) -> ChainValue? {
        guard let fd = try? SystemCall.retryingInterrupts({ open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }) else { return nil }
        defer { try? FileDescriptor(rawValue: fd).close() }
        guard let size = try? SystemCall.retryingInterrupts({ lseek(fd, 0, SEEK_END) }) else { return nil }
        let count = Int(min(size, 1 << 16))
        guard count > 0 else { return nil }
        var tail = [UInt8](repeating: 0, count: count)
        let read = tail.withUnsafeMutableBytes { raw in
            try? SystemCall.retryingInterrupts { pread(fd, raw.baseAddress, count, size - off_t(count)) }
        }
        guard read == count else { return nil }
        return tail.withUnsafeBytes { raw -> ChainValue? in
            var end = raw.count
            while end > 0 {
                let start = raw[..<end].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                if let split = chainSplit(line),
                   queueField(in: UnsafeRawBufferPointer(rebasing: line[..<split.contentEnd])) == queue {
                    return ChainValue(hex: split.recorded)
                }
                end = start == 0 ? 0 : start - 1
            }
            return nil
        }
    }

    // MARK: line scanning (our own fixed format; no general JSON parsing needed)

    /// Where the content ends and the recorded hex value is: `…,"chain":"<64 hex>"}`.
    static func chainSplit(_ line: UnsafeRawBufferPointer) -> (contentEnd: Int, recorded: UnsafeRawBufferPointer)? {
        let marker = Array(",\"chain\":\"".utf8)
        let total = marker.count + 64 + 2
        guard line.count >= total else { return nil }
        let contentEnd = line.count - total
        guard line[contentEnd..<(contentEnd + marker.count)].elementsEqual(marker),
              line[line.count - 2] == UInt8(ascii: "\""), line[line.count - 1] == UInt8(ascii: "}")
        else { return nil }
        let hex = UnsafeRawBufferPointer(rebasing: line[(contentEnd + marker.count)..<(line.count - 2)])
        return (contentEnd, hex)
    }

    static func contains(_ needle: String, in haystack: UnsafeRawBufferPointer) -> Bool {
        let pattern = Array(needle.utf8)
        guard haystack.count >= pattern.count else { return false }
        for start in 0...(haystack.count - pattern.count)
        where haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
            return true
        }
        return false
    }

    /// The `"queue":` value, strictly: decimal digits without a sign or leading zero,
    /// 0 to 65535, ended by `,` or `}`. `nil` for anything else (a string, a negative or
    /// out-of-range number, a missing field).
    static func queueField(in line: UnsafeRawBufferPointer) -> UInt16? {
        let pattern = Array("\"queue\":".utf8)
        guard line.count > pattern.count else { return nil }
        for start in 0...(line.count - pattern.count)
        where line[start..<(start + pattern.count)].elementsEqual(pattern) {
            var value = 0
            var index = start + pattern.count
            let first = index
            while index < line.count, index - first < 6, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
                value = value * 10 + Int(line[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - first
            guard digits > 0, digits < 6, value <= 65535, !(digits > 1 && line[first] == UInt8(ascii: "0")),
                  index < line.count, line[index] == UInt8(ascii: ",") || line[index] == UInt8(ascii: "}")
            else { return nil }
            return UInt16(value)
        }
        return nil
    }
}
