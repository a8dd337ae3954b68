// Tests of the TEMPORARY stand-ins in WireTypes.swift; deleted with them at merge.
import Testing
@testable import Rules

@Test func addressFromOctetsIsHostOrder() {
    #expect(IPv4Address(10, 0, 0, 1).rawValue == 0x0A00_0001)
    #expect(IPv4Address(255, 255, 255, 255).rawValue == .max)
}

@Test(arguments: [
    ("0.0.0.0", 0x0000_0000 as UInt32),
    ("10.0.0.1", 0x0A00_0001),
    ("192.168.7.10", 0xC0A8_070A),
    ("255.255.255.255", 0xFFFF_FFFF),
])
func strictDottedQuadParses(text: String, raw: UInt32) {
    #expect(IPv4Address(Substring(text))?.rawValue == raw)
}

@Test(arguments: ["", "10", "10.0.0", "10.0.0.0.0", "10.0.0.256", "010.0.0.1", "10..0.1", "10.0.0.1.", ".10.0.0.1", "10.0.0.-1", "10.0.0.1a", "1000.0.0.1"])
func malformedDottedQuadIsRejected(text: String) {
    #expect(IPv4Address(Substring(text)) == nil)
}

@Test func protocolConstantsAreIANANumbers() {
    #expect(IPProtocol.icmp.rawValue == 1)
    #expect(IPProtocol.tcp.rawValue == 6)
    #expect(IPProtocol.udp.rawValue == 17)
}
