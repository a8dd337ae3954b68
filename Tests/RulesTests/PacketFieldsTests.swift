import Testing
@testable import Rules

@Test(arguments: [
    (UInt32(0), ConnectionState?.some(.established)), (1, .related), (2, .new), (3, .established), (4, .related), (7, nil), (99, nil),
])
func conntrackInfoMapsToState(info: UInt32, state: ConnectionState?) {
    #expect(ConnectionState(conntrackInfo: info) == state)
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

@Test func connectionStateFromMarkBits() {
    #expect((0...7).map { ConnectionState(markBits: UInt32($0)) } == [nil, .new, .established, .related, .invalid, nil, nil, nil])
}
