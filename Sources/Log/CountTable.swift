/// Counts by key in fixed space: at most `capacity` distinct keys are counted exactly, and
/// every packet whose key finds no room is counted in `overflow`. So the counts plus
/// `overflow` always equal the packets recorded, and memory never grows with an attacker's
/// choice of keys.
///
/// Open addressing in arrays sized once at `init`; `record` and `removeAll` allocate nothing.
public struct CountTable: Sendable {
    private static let empty = UInt64.max
    /// Key and count side by side: one array, one uniqueness check per `record`.
    private var slots: [(key: UInt64, count: UInt64)]
    private let mask: Int
    /// The most distinct keys counted (half the slots, so probes stay short).
    public let capacity: Int
    public private(set) var entries = 0
    /// Packets whose key arrived after `capacity` other keys.
    public private(set) var overflow: UInt64 = 0

    /// Room for `capacity` keys (rounded up to a power of two).
    public init(capacity: Int) {
        var slots = 2
        while slots < capacity * 2 { slots *= 2 }
        self.slots = Array(repeating: (Self.empty, 0), count: slots)
        mask = slots - 1
        self.capacity = slots / 2
    }

    /// Adds one to `key`'s count, or to `overflow` when the table is full.
    public mutating func record(_ key: UInt32) {
        record(wide: UInt64(key))
    }

    /// Adds one to a 64-bit key's count (any key but `UInt64.max`), as `record(_:)`.
    public mutating func record(wide: UInt64) {
        guard wide != Self.empty else {
            overflow += 1
            return
        }
        // Fibonacci hashing: spreads /24 networks and small ports alike.
        var slot = Int(truncatingIfNeeded: (wide &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while true {
            let key = slots[slot].key
            if key == wide {
                slots[slot].count += 1
                return
            }
            if key == Self.empty {
                guard entries < capacity else {
                    overflow += 1
                    return
                }
                slots[slot] = (wide, 1)
                entries += 1
                return
            }
            slot = (slot + 1) & mask
        }
    }

    /// The `limit` largest counts, largest first (ties: smaller key first), and the sum of
    /// every other count plus `overflow`. Allocates: for the summary, not per packet.
    public func top(_ limit: Int) -> (top: [(key: UInt32, count: UInt64)], other: UInt64) {
        let wide = topWide(limit)
        return (wide.top.map { (UInt32(truncatingIfNeeded: $0.key), $0.count) }, wide.other)
    }

    /// `top` with the keys as recorded by `record(wide:)`.
    public func topWide(_ limit: Int) -> (top: [(key: UInt64, count: UInt64)], other: UInt64) {
        var all: [(key: UInt64, count: UInt64)] = []
        all.reserveCapacity(entries)
        for (key, count) in slots where key != Self.empty {
            all.append((key, count))
        }
        all.sort { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        let kept = Array(all.prefix(limit))
        let rest = all.dropFirst(limit).reduce(overflow) { $0 + $1.count }
        return (kept, rest)
    }

    /// Empties the table in place (no allocation).
    public mutating func removeAll() {
        guard entries > 0 || overflow > 0 else { return }
        for slot in slots.indices { slots[slot] = (Self.empty, 0) }
        entries = 0
        overflow = 0
    }
}
