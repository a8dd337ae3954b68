import Testing
import Log

@Test func aCountTableHoldsAtMostItsCapacityAndOverflowsTheRest() {
    var table = CountTable(capacity: 16)
    for key in 0..<UInt32(1000) { table.record(key) }
    for _ in 0..<5 { table.record(3) }
    #expect(table.entries == table.capacity)
    let (top, other) = table.top(4)
    #expect(top.count == 4)
    #expect(top[0] == (key: 3, count: 6) || (top[0].key == 3 && top[0].count == 6))
    #expect(top.reduce(other) { $0 + $1.count } == 1005)
}

@Test func aCountTableEmptiesInPlace() {
    var table = CountTable(capacity: 4)
    for key in 0..<UInt32(10) { table.record(key) }
    table.removeAll()
    #expect(table.entries == 0 && table.overflow == 0)
    table.record(7)
    #expect(table.top(10).top.map(\.key) == [7])
}
