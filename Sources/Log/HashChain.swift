/// The verdict log's tamper evidence: every line ends with a `chain` field, the SHA-256 of
/// the previous line's chain value (32 raw bytes) followed by this line's bytes up to the
/// chain field. A `start` event restarts the chain from 32 zero bytes (the anchor).
///
/// Each writing process keeps its own chain, keyed by the line's `queue`, so several
/// workers may append to one file. The chain detects any edit, removal or insertion by
/// someone who does not recompute every later chain value; it is not a signature (there
/// is no key), so ship logs off the host to anchor them against a determined attacker.
public struct HashChain: Sendable {
    /// The chain value of the last line (the zero anchor before any line).
    public private(set) var head = ChainValue.anchor

    public init() {}

    /// Restarts from the anchor (at a `start` event).
    public mutating func restart() {
        head = .anchor
    }

    /// Goes back to an earlier value (lines after it were never written).
    public mutating func rewind(to value: ChainValue) {
        head = value
    }

    /// Advances over one line's content (its bytes up to, not including, the chain field)
    /// and returns the new chain value.
    public mutating func advance(over content: UnsafeRawBufferPointer) -> ChainValue {
        head = Self.link(head, content)
        return head
    }

    /// SHA-256(previous || content). Allocates nothing (the hash state is on the stack).
    public static func link(_ previous: ChainValue, _ content: UnsafeRawBufferPointer) -> ChainValue {
        var hasher = SHA256Hasher()
        withUnsafeBytes(of: previous.words) { hasher.update($0) }
        hasher.update(content)
        var value = ChainValue.anchor
        withUnsafeMutableBytes(of: &value.words) { hasher.finalize(into: $0) }
        return value
    }

    /// The text that separates a line's content from its chain value.
    static let marker: StaticString = ",\"chain\":\""
}

/// One 32-byte chain value, stored inline.
public struct ChainValue: Equatable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    /// 32 zero bytes: where every chain starts.
    public static let anchor = ChainValue(words: (0, 0, 0, 0))

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.words == rhs.words }

    /// Parses 64 lower-case hex digits.
    public init?(hex: some Collection<UInt8>) {
        guard hex.count == 64 else { return nil }
        var value = ChainValue.anchor
        var valid = true
        withUnsafeMutableBytes(of: &value.words) { raw in
            var index = hex.startIndex
            for position in 0..<32 {
                guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[hex.index(after: index)]) else {
                    valid = false
                    return
                }
                raw[position] = high << 4 | low
                index = hex.index(index, offsetBy: 2)
            }
        }
        guard valid else { return nil }
        self = value
    }

    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// Calls `body` with each of the 32 bytes in order.
    func forEachByte(_ body: (UInt8) -> Void) {
        withUnsafeBytes(of: words) { for byte in $0 { body(byte) } }
    }


    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
