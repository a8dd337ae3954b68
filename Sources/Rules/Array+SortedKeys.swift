// Sorted-array helpers of the rule index (RuleIndex, BitsetIndex).

extension Array where Element: Equatable {
    /// Removes each element equal to the one before it (on a sorted array: the duplicates).
    mutating func removeDuplicates() {
        var kept = 0
        for index in indices where kept == 0 || self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}

extension Array where Element == UInt128 {
    /// In a sorted array whose element at `range.lowerBound` is ≤ `value`: the index of the
    /// last element ≤ `value` within `range` (binary search; the segment holding `value`
    /// when the elements are segment starts).
    @inline(__always)
    func lastIndex(atMost value: UInt128, in range: Range<Int>) -> Int {
        withUnsafeBufferPointer { starts in
            var low = range.lowerBound
            var high = range.upperBound
            while high - low > 1 {
                let middle = (low + high) >> 1
                if starts[middle] <= value { low = middle } else { high = middle }
            }
            return low
        }
    }
}
