import Testing
@testable import Wire

@Suite struct IPDatagramTests {
    @Test func fieldsOfEitherFamily() throws {
        let v4 = try IPv6DatagramTests.family(DatagramTests.goldenTCP)
        #expect(v4.source == .v4(IPv4Address(10, 1, 0, 2)) && v4.destination == IPAddress("10.2.0.2"))
        #expect(v4.proto == .tcp && v4.hopLimit == 64 && v4.length == 48 && v4.tcpHeader?.flags == .syn)
        #expect(v4.sourcePort == 40000 && v4.destinationPort == 443 && v4.icmpType == nil && v4.normalizations.isEmpty)
        let v6 = try IPv6DatagramTests.family(IPv6Tests.goldenICMP)
        #expect(v6.source == IPAddress("fd00::1") && v6.destination == .v6(IPv6Address("fd00::2")!))
        #expect(v6.proto == .icmpv6 && v6.hopLimit == 64 && v6.length == 52 && v6.tcpHeader == nil)
        #expect(v6.icmpType == 128 && v6.icmpCode == 0 && v6.sourcePort == nil)
        #expect(v6.description == "icmp6 fd00::1 -> fd00::2 type echo-request code 0")
        #expect(v6.encodedLength == 52)
    }
}
