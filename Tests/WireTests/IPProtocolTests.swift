import Testing
import Wire

@Suite struct IPProtocolTests {
    @Test func names() {
        #expect(IPProtocol.icmp.name == "icmp")
        #expect(IPProtocol.tcp.name == "tcp")
        #expect(IPProtocol.udp.name == "udp")
        #expect(IPProtocol(rawValue: 47).name == nil)
        #expect(IPProtocol(rawValue: 47).description == "47")
        #expect(IPProtocol.tcp.description == "tcp")
    }

    @Test(arguments: [("icmp", UInt8(1)), ("tcp", 6), ("udp", 17)])
    func fromName(name: String, number: UInt8) {
        #expect(IPProtocol(name: Substring(name))?.rawValue == number)
    }

    @Test func unknownName() {
        #expect(IPProtocol(name: "gre") == nil)
        #expect(IPProtocol(name: "TCP") == nil)
    }
}
