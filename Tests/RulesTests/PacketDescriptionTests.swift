import Testing
import Wire
@testable import Rules

@Test func tcpPacketWithFlagsAndOptions() throws {
    let packet = try PacketDescription.parse("tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S in eth0 out eth1 state new ttl 3 length 60 mark 0x1f").get()
    #expect(packet == PacketFields(
        proto: .tcp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
        sourcePort: 40000, destinationPort: 443, inInterface: InterfaceName("eth0"), outInterface: InterfaceName("eth1"),
        tcpFlags: 0x02, connectionState: .new, length: 60, ttl: 3, mark: 0x1F))
}

@Test func icmpPacketByTypeName() throws {
    let packet = try PacketDescription.parse("icmp 10.0.0.1 -> 10.0.0.2 type destination-unreachable code port-unreachable").get()
    #expect(packet.icmpType == 3 && packet.icmpCode == 3 && packet.sourcePort == nil && packet.length == 28)
}

@Test(arguments: [
    ("tcp 10.0.0.1: -> 10.0.0.2:80", "packet:1:15: error: expected a number but found '->'"),
    ("udp 10.0.0.1:1 10.0.0.2:80", "packet:1:16: error: expected '->' but found '10.0.0.2'"),
    ("any 10.0.0.1 -> 10.0.0.2", "packet:1:1: error: expected a protocol ('tcp', 'udp', 'icmp', 'igmp', 'esp' or 'any') but found 'any'"),
    ("udp 10.0.0.1:1 -> 10.0.0.2:80 flags S", "packet:1:31: error: flags needs tcp"),
    ("tcp 10.0.0.1:1 -> 10.0.0.2:80 ttl 300", "packet:1:35: error: TTL 300 is out of range (0-255)"),
    ("tcp 10.0.0.1:1 -> 10.0.0.2:99999", "packet:1:28: error: port 99999 is out of range (0-65535)"),
])
func badPacketDescriptions(text: String, expected: String) {
    guard case .failure(let diagnostic) = PacketDescription.parse(text) else {
        Issue.record("parsed")
        return
    }
    #expect(diagnostic.description == expected)
}
