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
    ("any 10.0.0.1 -> 10.0.0.2", "packet:1:1: error: expected a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp' or 'any') but found 'any'"),
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

/// `explain` takes every protocol the rules name; SCTP with ports, the others without.
@Test(arguments: [
    ("sctp 10.0.0.1:40000 -> 10.0.0.2:2905", IPProtocol.sctp, UInt16?(40000), UInt16?(2905)),
    ("vrrp 10.0.0.1 -> 224.0.0.18 ttl 255", .vrrp, nil, nil),
    ("ah 10.0.0.1 -> 10.0.0.2", .ah, nil, nil),
    ("esp 10.0.0.1 -> 10.0.0.2", .esp, nil, nil),
    ("igmp 10.0.0.1 -> 224.0.0.22", .igmp, nil, nil),
])
func protocolsWithAndWithoutPorts(text: String, proto: IPProtocol, source: UInt16?, destination: UInt16?) throws {
    let packet = try PacketDescription.parse(text).get()
    #expect(packet.proto == proto && packet.sourcePort == source && packet.destinationPort == destination)
    #expect(packet.tcpFlags == nil && packet.icmpType == nil)
}

@Test func sctpPortsMayBeLeftOutAndAHHasNone() throws {
    // As for TCP and UDP, a left-out SCTP port is nil (explain says whether it mattered).
    let packet = try PacketDescription.parse("sctp 10.0.0.1 -> 10.0.0.2:2905").get()
    #expect(packet.proto == .sctp && packet.sourcePort == nil && packet.destinationPort == 2905)
    #expect(PacketDescription.parse("ah 10.0.0.1:1 -> 10.0.0.2").failureDescription
            == "packet:1:12: error: expected '->' but found ':'")
}

private extension Result where Failure == Diagnostic {
    var failureDescription: String? { if case .failure(let error) = self { error.description } else { nil } }
}
