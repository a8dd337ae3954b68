/// The option bytes of an IPv4 or TCP header, stored inline (no heap allocation): up to 40
/// bytes packed big-endian into five `UInt64` words. Bytes past `count` are always zero, which
/// makes equality a plain comparison of words.
///
/// A decoded header keeps the options it accepted here, without the end-of-list option and
/// without padding: its `emit` writes these bytes and fills the rest of the header with zeros
/// (which read as end-of-list, then padding).
public struct OptionBytes: RandomAccessCollection, Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    public private(set) var endIndex: Int = 0
    public var startIndex: Int { 0 }

    /// The largest options area: a header length field of 15 words, minus the fixed 20 bytes.
    public static let capacity = 40

    /// No options.
    public init() {}

    /// Options copied from `bytes`; nil when there are more than 40.
    public init?(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            guard append(byte) else { return nil }
        }
    }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < endIndex, "option index out of range")
        return UInt8(truncatingIfNeeded: word(position &>> 3) &>> (UInt64(7 - position & 7) &* 8))
    }

    /// Adds one byte at the end; returns false (and changes nothing) when 40 are held.
    @discardableResult
    public mutating func append(_ byte: UInt8) -> Bool {
        guard endIndex < Self.capacity else { return false }
        let shift = UInt64(7 - endIndex & 7) &* 8
        setWord(endIndex &>> 3, word(endIndex &>> 3) | UInt64(byte) &<< shift)
        endIndex &+= 1
        return true
    }

    /// Appends `bytes[range]`; the caller keeps the total within 40 (a header cannot hold more).
    @inline(__always)
    mutating func append(_ bytes: RawSpan, _ range: Range<Int>) {
        for index in range {
            append(bytes.byte(at: index))
        }
    }

    /// The bytes of `bytes` (at most 40), copied eight at a time: the fast path for an options
    /// area that is kept as received.
    init(copying bytes: RawSpan) {
        let count = Swift.min(bytes.byteCount, Self.capacity)
        words = (
            Self.word(bytes, 0, count), Self.word(bytes, 8, count), Self.word(bytes, 16, count),
            Self.word(bytes, 24, count), Self.word(bytes, 32, count))
        endIndex = count
    }

    /// Bytes `start..<start + 8` of `bytes` as a big-endian word, zero past `count`.
    @inline(__always)
    private static func word(_ bytes: RawSpan, _ start: Int, _ count: Int) -> UInt64 {
        if start + 8 <= count {
            return UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: start, as: UInt64.self))
        }
        var word: UInt64 = 0
        var index = start
        // Options come in whole 32-bit words unless end-of-list cuts them: a half word at once.
        if index + 4 <= count {
            word = UInt64(UInt32(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: index, as: UInt32.self))) &<< 32
            index += 4
        }
        while index < count {
            word |= UInt64(bytes.byte(at: index)) &<< (UInt64(7 - index & 7) &* 8)
            index &+= 1
        }
        return word
    }

    /// Removes every byte.
    public mutating func removeAll() {
        self = OptionBytes()
    }

    /// The options area length these bytes need on the wire: `count` rounded up to whole words.
    public var paddedCount: Int { (count + 3) & ~3 }

    /// Writes the bytes into `out[offset..<offset + length]`, zero-filled past `count`, eight
    /// bytes at a time. `length` must be at least `count` and at most 40.
    @inline(__always)
    func emit(into out: inout MutableRawSpan, at offset: Int, length: Int) {
        if length >= 8 { out.storeBytes(of: words.0.bigEndian, toByteOffset: offset, as: UInt64.self) }
        if length >= 16 { out.storeBytes(of: words.1.bigEndian, toByteOffset: offset + 8, as: UInt64.self) }
        if length >= 24 { out.storeBytes(of: words.2.bigEndian, toByteOffset: offset + 16, as: UInt64.self) }
        if length >= 32 { out.storeBytes(of: words.3.bigEndian, toByteOffset: offset + 24, as: UInt64.self) }
        if length >= 40 { out.storeBytes(of: words.4.bigEndian, toByteOffset: offset + 32, as: UInt64.self) }
        // Option areas are whole 32-bit words, so this is at most one half word.
        var index = length & ~7
        while index < length {
            let byte = UInt8(truncatingIfNeeded: word(index &>> 3) &>> (UInt64(7 - index & 7) &* 8))
            out.store(byte, at: offset + index)
            index &+= 1
        }
    }

    /// The unfolded RFC 1071 sum of the bytes as big-endian 16-bit words, as `emit` writes them
    /// (bytes past `count` are zero, so they add nothing).
    var wordSum: UInt64 {
        @inline(__always)
        func halves(_ word: UInt64) -> UInt64 {
            (word &>> 48) &+ (word &>> 32 & 0xFFFF) &+ (word &>> 16 & 0xFFFF) &+ (word & 0xFFFF)
        }
        return halves(words.0) &+ halves(words.1) &+ halves(words.2) &+ halves(words.3) &+ halves(words.4)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.endIndex == rhs.endIndex && lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(endIndex)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
        hasher.combine(words.4)
    }

    @inline(__always)
    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        case 3: words.3
        default: words.4
        }
    }

    @inline(__always)
    private mutating func setWord(_ index: Int, _ value: UInt64) {
        switch index {
        case 0: words.0 = value
        case 1: words.1 = value
        case 2: words.2 = value
        case 3: words.3 = value
        default: words.4 = value
        }
    }
}
