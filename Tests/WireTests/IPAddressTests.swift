import Testing
import Wire

@Suite struct IPAddressTests {
    @Test func addressesOfEitherFamily() {
        #expect(IPAddress("10.0.0.1") == .v4(IPv4Address(10, 0, 0, 1)))
        #expect(IPAddress("::ffff:10.0.0.1") == .v6(IPv6Address(high: 0, low: 0xFFFF_0A00_0001)))
        #expect(IPAddress("10.0.0") == nil && IPAddress("fd00:::1") == nil && IPAddress("") == nil)
        #expect(IPAddress("255.255.255.255")! < IPAddress("::")!)
        #expect(IPAddress("fd00::1")!.description == "fd00::1")
    }
}
