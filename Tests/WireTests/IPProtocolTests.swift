import Testing
import Wire

@Suite struct IPProtocolTests {
    @Test func names() {
        #expect(IPProtocol.icmp.name == "icmp")
        #expect(IPProtocol.tcp.name == "tcp")
        #expect(IPProtocol.udp.name == "udp")
        #expect(IPProtocol(rawValue: 253).name == nil)
        #expect(IPProtocol(rawValue: 253).description == "253")
        #expect(IPProtocol.tcp.description == "tcp")
    }

    @Test(arguments: [("icmp", UInt8(1)), ("tcp", 6), ("udp", 17), ("gre", 47), ("ipip", 4), ("ipencap", 4), ("ipv6-in-ipv4", 41)])
    func fromName(name: String, number: UInt8) {
        #expect(IPProtocol(name: Substring(name))?.rawValue == number)
    }

    @Test func unknownName() {
        #expect(IPProtocol(name: "ipv6") == nil)
        #expect(IPProtocol(name: "TCP") == nil)
    }
}
