/// A set of DNS names (`tracker.example`) and wildcards (`*.ads.example`: the names strictly
/// below ads.example, not ads.example itself), built once when the ruleset loads and looked up
/// per packet in O(labels) with no allocation.
///
/// Names are kept lowercased (RFC 4343 §3: ASCII letters compare case-insensitively) in wire
/// form, one after another in one byte array; an open-addressing table holds, per name, a
/// 64-bit hash and where its bytes are. The hash runs over the labels from the last to the
/// first, so one walk over a query name yields the hash of each of its suffixes; a hash hit is
/// verified against the stored bytes, so a collision never matches a name that is not listed.
public struct NameSet: Sendable {
    /// One table entry: the name's hash, its bytes in `storage`, and whether it is listed as
    /// an exact name (bit 0), a wildcard (bit 1), or both.
    struct Slot: Sendable {
        var hash: UInt64 = 0
        var offset: UInt32 = 0
        var length: UInt8 = 0
        var kinds: UInt8 = 0
    }

    static let exact: UInt8 = 1
    static let wildcard: UInt8 = 2

    private var storage: [UInt8] = []
    private var slots: [Slot] = []
    private var mask = 0
    /// One bit per hash (its high bits), per kind: 4 bits per table slot, so a few percent of
    /// false positives. A name that is not listed (most queries) costs a probe of these small
    /// bitsets, which stay in cache, rather than of the large table.
    private var exactFilter: [UInt64] = []
    private var wildcardFilter: [UInt64] = []
    private var filterMask = 0
    /// Distinct entries (a name listed both exactly and as a wildcard counts twice).
    public private(set) var count = 0

    /// Bytes held (names and table), for the memory figure `check` and the benchmark report.
    public var memoryBytes: Int {
        storage.capacity + slots.capacity * MemoryLayout<Slot>.stride + (exactFilter.capacity + wildcardFilter.capacity) * 8
    }

    /// An empty set.
    public init() {
        slots = [Slot](repeating: Slot(), count: 16)
        mask = 15
        rebuildFilters()
    }

    /// Builds the set from names in text form (see `insert(text:)`); nil when one is not a
    /// valid name. For tests and small lists.
    public init?(_ names: [String]) {
        self.init()
        for name in names {
            var name = name
            guard name.withUTF8({ insert(text: $0) }) else { return nil }
        }
    }

    /// Whether the set holds no entry.
    public var isEmpty: Bool { count == 0 }

    /// Adds a name written as text: `example.com`, `Example.COM.` (a final dot and any case
    /// allowed), or `*.example.com` for the names strictly below example.com. Each label is 1-63
    /// letters, digits, `-` or `_`, and the name at most 255 octets in wire form (RFC 1035
    /// §2.3.4); internationalized names are written as A-labels (`xn--...`, RFC 5890). False,
    /// adding nothing, when the text is not such a name. A repeated name changes nothing.
    @discardableResult
    public mutating func insert(text: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = text.count
        var kind = Self.exact
        if end >= 2, text[0] == UInt8(ascii: "*"), text[1] == UInt8(ascii: ".") {
            kind = Self.wildcard
            start = 2
        }
        if end > start, text[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard end > start, end - start + 1 <= 254 else { return false }
        let tail = storage.count
        guard appendLabels(text, from: start, to: end) else {
            storage.removeSubrange(tail...)
            return false
        }
        let length = storage.count - tail
        let hash = storage.withUnsafeBufferPointer { Self.hash(of: UnsafeBufferPointer(rebasing: $0[tail...]), from: 0) }
        if (count + 1) * 2 > slots.count { grow() }
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].kinds != 0 {
            if slots[index].hash == hash, Int(slots[index].length) == length, storedEqual(Int(slots[index].offset), tail, length) {
                if slots[index].kinds & kind == 0 { count += 1 }
                slots[index].kinds |= kind
                setFilterBit(hash: hash, kind: kind)
                storage.removeSubrange(tail...)
                return true
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(hash: hash, offset: UInt32(tail), length: UInt8(length), kinds: kind)
        setFilterBit(hash: hash, kind: kind)
        count += 1
        return true
    }

    /// Appends `text[start..<end]` as lowercased wire labels; false on an empty or long label or
    /// a byte that is not a letter, digit, `-` or `_`.
    private mutating func appendLabels(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var labelStart = start
        while labelStart <= end {
            var labelEnd = labelStart
            while labelEnd < end, text[labelEnd] != UInt8(ascii: ".") { labelEnd += 1 }
            let length = labelEnd - labelStart
            guard length >= 1, length <= 63 else { return false }
            storage.append(UInt8(length))
            for index in labelStart..<labelEnd {
                let byte = Self.lowercased(text[index])
                guard byte &- 0x61 < 26 || byte &- 0x30 < 10 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") else { return false }
                storage.append(byte)
            }
            labelStart = labelEnd + 1
        }
        return true
    }

    private func storedEqual(_ first: Int, _ second: Int, _ length: Int) -> Bool {
        storage.withUnsafeBufferPointer { bytes in
            for index in 0..<length where bytes[first + index] != bytes[second + index] { return false }
            return true
        }
    }

    /// Reserves room for about `names` more entries and `bytes` more bytes of names.
    public mutating func reserve(names: Int, bytes: Int) {
        storage.reserveCapacity(storage.count + bytes)
        var size = slots.count
        while (count + names) * 2 > size { size *= 2 }
        if size > slots.count { grow(to: size) }
    }

    private mutating func grow(to size: Int? = nil) {
        let old = slots
        slots = [Slot](repeating: Slot(), count: size ?? old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.kinds != 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].kinds != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
        rebuildFilters()
    }

    private mutating func rebuildFilters() {
        let words = max(1, slots.count * 4 / 64)
        exactFilter = [UInt64](repeating: 0, count: words)
        wildcardFilter = [UInt64](repeating: 0, count: words)
        filterMask = words * 64 - 1
        for slot in slots where slot.kinds != 0 {
            if slot.kinds & Self.exact != 0 { setFilterBit(hash: slot.hash, kind: Self.exact) }
            if slot.kinds & Self.wildcard != 0 { setFilterBit(hash: slot.hash, kind: Self.wildcard) }
        }
    }

    private mutating func setFilterBit(hash: UInt64, kind: UInt8) {
        let bit = Int(truncatingIfNeeded: hash >> 32) & filterMask
        if kind == Self.exact {
            exactFilter[bit >> 6] |= 1 << UInt64(bit & 63)
        } else {
            wildcardFilter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// Whether the filter of `kind` may hold `hash` (false: it surely does not).
    @inline(__always)
    private func mayHold(_ hash: UInt64, kind: UInt8) -> Bool {
        let bit = Int(truncatingIfNeeded: hash >> 32) & filterMask
        let word = kind == Self.exact ? exactFilter.withUnsafeBufferPointer { $0[bit >> 6] } : wildcardFilter.withUnsafeBufferPointer { $0[bit >> 6] }
        return word >> UInt64(bit & 63) & 1 == 1
    }

    /// The hash of the labels in `name[from...]` (wire form, no root), taken from the last
    /// label to the first: FNV-1a over each label's length and lowercased bytes, then a final
    /// mix (the 64-bit finalizer of MurmurHash3).
    static func hash(of name: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt64 {
        withLabelStarts(name) { starts in
            var state = seed
            for labelStart in starts.reversed() where Int(labelStart) >= start {
                state = step(state, over: name, label: Int(labelStart))
            }
            return finish(state)
        }
    }

    /// Calls `body` with the offset of each label's length octet in `name` (wire form, no
    /// root, at most 254 bytes), from stack memory.
    @inline(__always)
    static func withLabelStarts<Result>(_ name: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { starts in
            var count = 0
            var position = 0
            while position < name.count, count < 128 {
                starts[count] = UInt8(truncatingIfNeeded: position)
                count += 1
                position += 1 + Int(name[position])
            }
            return body(UnsafeBufferPointer(rebasing: starts[0..<count]))
        }
    }

    /// Whether `name` (wire form: labels with their length octets, no root, at most 254
    /// bytes, as a decoded message's question holds it) is listed: exactly, or strictly below a
    /// wildcard's name. One hash step per label, one table probe per suffix; no allocation.
    public func contains(wireName name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count > 0, name.count > 0, name.count < 255 else { return false }
        return Self.withLabelStarts(name) { starts in
            var state = Self.seed
            var label = starts.count - 1
            while label >= 0 {
                let start = Int(starts[label])
                state = Self.step(state, over: name, label: start)
                let wanted = label == 0 ? Self.exact : Self.wildcard
                let hash = Self.finish(state)
                if mayHold(hash, kind: wanted), kinds(hash: hash, name: name, start: start, end: name.count) & wanted != 0 {
                    return true
                }
                label -= 1
            }
            return false
        }
    }

    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Folds the label whose length octet is at `label` into `state`.
    @inline(__always)
    static func step(_ state: UInt64, over bytes: UnsafeBufferPointer<UInt8>, label: Int) -> UInt64 {
        let length = Int(bytes[label])
        var state = (state ^ UInt64(length)) &* 0x100_0000_01B3
        for index in label + 1..<label + 1 + length {
            state = (state ^ UInt64(lowercased(bytes[index]))) &* 0x100_0000_01B3
        }
        return state
    }

    @inline(__always)
    static func finish(_ state: UInt64) -> UInt64 {
        var value = state
        value ^= value >> 33
        value &*= 0xFF51_AFD7_ED55_8CCD
        value ^= value >> 33
        value &*= 0xC4CE_B9FE_1A85_EC53
        return value ^ value >> 33
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// The kinds listed for the suffix `name[start..<end]` with hash `hash`, 0 when none.
    @inline(__always)
    func kinds(hash: UInt64, name: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> UInt8 {
        var index = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            storage.withUnsafeBufferPointer { storage in
                while slots[index].kinds != 0 {
                    let slot = slots[index]
                    if slot.hash == hash, Int(slot.length) == end - start {
                        var same = true
                        let stored = Int(slot.offset)
                        for offset in 0..<(end - start) where storage[stored + offset] != Self.lowercased(name[start + offset]) {
                            same = false
                            break
                        }
                        if same { return slot.kinds }
                    }
                    index = (index + 1) & mask
                }
                return 0
            }
        }
    }
}
