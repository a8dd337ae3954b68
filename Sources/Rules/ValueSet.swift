/// A set of numbers stored as sorted, disjoint, non-adjacent closed intervals.
///
/// Every rule field compiles to one (addresses as 128-bit keys, see `AddressKey`; ports, flag bytes, ...), so
/// one small algebra — union, intersection, difference, complement — serves matching, the
/// per-field index and the exact shadowing analysis alike.
public struct ValueSet: Hashable, Sendable, CustomStringConvertible {
    /// Normalized: sorted, disjoint, and no two adjacent (`1...2, 3...4` is stored as `1...4`).
    public private(set) var ranges: [ClosedRange<UInt128>]

    public static let empty = ValueSet([])

    /// The union of `ranges`, in any order, overlapping or not.
    public init(_ ranges: some Sequence<ClosedRange<UInt128>>) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt128>] = []
        merged.reserveCapacity(sorted.count)
        for range in sorted {
            // Address keys reach UInt128.max, where `+ 1` would overflow.
            if let last = merged.last, last.upperBound == .max || range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// One value.
    public init(_ value: UInt128) {
        ranges = [value...value]
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Binary search over the intervals.
    public func contains(_ value: UInt128) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < ranges.count && ranges[low].lowerBound <= value
    }

    public func union(_ other: ValueSet) -> ValueSet {
        ValueSet(ranges + other.ranges)
    }

    public func intersection(_ other: ValueSet) -> ValueSet {
        var result: [ClosedRange<UInt128>] = []
        var i = 0
        var j = 0
        while i < ranges.count, j < other.ranges.count {
            let a = ranges[i]
            let b = other.ranges[j]
            let low = max(a.lowerBound, b.lowerBound)
            let high = min(a.upperBound, b.upperBound)
            if low <= high { result.append(low...high) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        var set = ValueSet.empty
        set.ranges = result
        return set
    }

    /// The values of `domain` not in this set.
    public func complement(in domain: ClosedRange<UInt128>) -> ValueSet {
        var result: [ClosedRange<UInt128>] = []
        var next = domain.lowerBound
        var done = false
        for range in ranges where !done {
            if range.upperBound < next { continue }
            if range.lowerBound > domain.upperBound { break }
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            if range.upperBound >= domain.upperBound {
                done = true
            } else {
                next = range.upperBound + 1
            }
        }
        if !done, next <= domain.upperBound { result.append(next...domain.upperBound) }
        var set = ValueSet.empty
        set.ranges = result
        return set
    }

    public func subtracting(_ other: ValueSet) -> ValueSet {
        guard let first = ranges.first, let last = ranges.last else { return self }
        return intersection(other.complement(in: first.lowerBound...last.upperBound))
    }

    public func isSubset(of other: ValueSet) -> Bool {
        subtracting(other).isEmpty
    }

    /// Whether the sets share a value; allocates nothing.
    public func intersects(_ other: ValueSet) -> Bool {
        var i = 0
        var j = 0
        while i < ranges.count, j < other.ranges.count {
            let a = ranges[i]
            let b = other.ranges[j]
            if max(a.lowerBound, b.lowerBound) <= min(a.upperBound, b.upperBound) { return true }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        return false
    }

    /// `{1-3, 7}`.
    public var description: String {
        "{" + ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ", ") + "}"
    }
}
