/// Checks the hash chain of verdict log files (see `HashChain`), oldest file first.
///
/// Each `queue` has its own chain; a `start` line restarts it. The first break found is
/// classified by looking at the next line of the same chain: if that line continues from
/// the broken line's recorded value, the broken line was altered; if it continues from the
/// value before, the broken line was inserted; otherwise lines were removed (or a line was
/// altered together with its chain value).
public struct ChainVerifier {
    /// What is wrong, and where.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case alteredOrRemovedBefore = "altered-or-removed-before", inserted
            case rewritten, missingChain = "no-chain-field"
            case brokenAtEnd = "altered-or-inserted-last"
        }
        public var file: String
        public var line: Int
        public var kind: Kind

        public var description: String {
            let what = switch kind {
            case .alteredOrRemovedBefore: "this line was altered, or lines just before it were removed"
            case .inserted: "this line was inserted"
            case .rewritten: "this line was rewritten together with its chain value"
            case .missingChain: "this line has no chain value"
            case .brokenAtEnd: "this last line of its chain was altered or inserted"
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
        var suspect: (file: String, line: Int, previous: ChainValue, recorded: ChainValue?)?
    }

    private var chains: [Int: Link] = [:]
    public private(set) var result = Result()

    public init() {}

    /// Verifies the files in order (plain or gzip-compressed) and returns the first
    /// problem, if any.
    public static func verify(paths: [String]) throws(ReportReadError) -> Result {
        var verifier = ChainVerifier()
        for path in paths {
            let reader = try ReportReader(path: path)
            var number = 0
            try reader.forEachLine { line in
                number += 1
                // An overlong line (nil) cannot be one we wrote: it has no chain to check.
                let empty = UnsafeRawBufferPointer(start: nil, count: 0)
                if line == nil {
                    verifier.markMissingChain(file: path, line: number)
                } else {
                    verifier.check(line ?? empty, file: path, line: number)
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
        result.lines += 1
        guard let split = Self.chainSplit(line) else {
            result.problem = Problem(file: file, line: number, kind: .missingChain)
            return
        }
        let content = UnsafeRawBufferPointer(rebasing: line[..<split.contentEnd])
        let recorded = ChainValue(hex: split.recorded)
        let queue = Self.integerField("\"queue\":", in: content) ?? -1
        var link = chains[queue] ?? Link()
        if Self.contains("\"event_type\":\"start\"", in: content) {
            link = Link()
            result.anchors += 1
        } else if chains[queue] == nil {
            // Mid-chain: adopt the recorded value; earlier files were not given.
            result.pickedUp.append("\(file):\(number)")
            link.value = recorded ?? .anchor
            chains[queue] = link
            return
        }
        if let suspect = link.suspect {
            let kind: Problem.Kind =
                suspect.recorded.map { HashChain.link($0, content) } == recorded ? .alteredOrRemovedBefore
                : HashChain.link(suspect.previous, content) == recorded ? .inserted
                : .rewritten
            result.problem = Problem(file: suspect.file, line: suspect.line, kind: kind)
            return
        }
        let computed = HashChain.link(link.value, content)
        if computed == recorded {
            link.value = computed
        } else {
            link.suspect = (file, number, link.value, recorded)
        }
        chains[queue] = link
    }

    mutating func markMissingChain(file: String, line: Int) {
        guard result.problem == nil else { return }
        result.lines += 1
        result.problem = Problem(file: file, line: line, kind: .missingChain)
    }

    /// Reports a break that no later line could classify.
    public mutating func finish() {
        guard result.problem == nil else { return }
        if let suspect = chains.values.compactMap(\.suspect).min(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
            result.problem = Problem(file: suspect.file, line: suspect.line, kind: .brokenAtEnd)
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

    static func integerField(_ key: String, in line: UnsafeRawBufferPointer) -> Int? {
        let pattern = Array(key.utf8)
        guard line.count > pattern.count else { return nil }
        for start in 0...(line.count - pattern.count)
        where line[start..<(start + pattern.count)].elementsEqual(pattern) {
            var value = 0
            var index = start + pattern.count
            var digits = 0
            while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9"), digits < 9 {
                value = value * 10 + Int(line[index] - UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }
}
