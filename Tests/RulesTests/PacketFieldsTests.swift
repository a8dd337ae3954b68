import Testing
@testable import Rules

@Test(arguments: [
    (UInt32(0), ConnectionState?.some(.established)), (1, .related), (2, .new), (3, .established), (4, .related), (7, nil), (99, nil),
])
func conntrackInfoMapsToState(info: UInt32, state: ConnectionState?) {
    #expect(ConnectionState(conntrackInfo: info) == state)
}

@Test func missingConntrackIsInvalidOnlyWhenConntrackIsOn() {
    #expect(ConnectionState.fromKernel(conntrackInfo: nil, conntrackEnabled: true) == .invalid)
    #expect(ConnectionState.fromKernel(conntrackInfo: nil, conntrackEnabled: false) == nil)
    #expect(ConnectionState.fromKernel(conntrackInfo: 2, conntrackEnabled: true) == .new)
}

@Test func interfaceNamesAreInlineAndBounded() {
    #expect(InterfaceName("eth0")?.description == "eth0")
    #expect(InterfaceName("fifteen-bytes-x")?.description == "fifteen-bytes-x")
    #expect(InterfaceName("sixteen-bytes-xx") == nil)
    #expect(InterfaceName("") == nil)
    #expect(InterfaceName("a/b") == nil)
    #expect(InterfaceName("eth0") != InterfaceName("eth1"))
    #expect(MemoryLayout<InterfaceName>.size == 16)
}

@Test func valueSetAlgebra() {
    let set = ValueSet([5...9, 1...2, 3...3, 20...30])
    #expect(set.ranges == [1...3, 5...9, 20...30])
    #expect(set.contains(3) && !set.contains(4) && set.contains(30) && !set.contains(31))
    #expect(set.complement(in: 0...40) == ValueSet([0...0, 4...4, 10...19, 31...40]))
    #expect(set.intersection(ValueSet([2...6, 25...100])) == ValueSet([2...3, 5...6, 25...30]))
    #expect(set.subtracting(ValueSet([2...25])) == ValueSet([1...1, 26...30]))
    #expect(ValueSet([0...5]).complement(in: 0...5).isEmpty)
}
