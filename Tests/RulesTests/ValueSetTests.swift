import Testing
@testable import Rules

@Test func valueSetAlgebra() {
    let set = ValueSet([5...9, 1...2, 3...3, 20...30])
    #expect(set.ranges == [1...3, 5...9, 20...30])
    #expect(set.contains(3) && !set.contains(4) && set.contains(30) && !set.contains(31))
    #expect(set.complement(in: 0...40) == ValueSet([0...0, 4...4, 10...19, 31...40]))
    #expect(set.intersection(ValueSet([2...6, 25...100])) == ValueSet([2...3, 5...6, 25...30]))
    #expect(set.subtracting(ValueSet([2...25])) == ValueSet([1...1, 26...30]))
    #expect(ValueSet([0...5]).complement(in: 0...5).isEmpty)
}

@Test func valueSetMergesAdjacentAndOverlapping() {
    #expect(ValueSet([1...2, 3...4, 4...9, 11...11]).ranges == [1...9, 11...11])
    #expect(ValueSet([0...UInt128(UInt32.max)]).complement(in: 0...UInt128(UInt32.max)).isEmpty)
    #expect(ValueSet.empty.complement(in: 0...3) == ValueSet([0...3]))
    #expect(ValueSet([2...3]).isSubset(of: ValueSet([0...5])) && !ValueSet([2...7]).isSubset(of: ValueSet([0...5])))
}
