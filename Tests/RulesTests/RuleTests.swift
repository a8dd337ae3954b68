import Testing
import Wire
@testable import Rules

@Test(arguments: [
    (UInt8(0), UInt32(0)), (8, 0xFF00_0000), (24, 0xFFFF_FF00), (31, 0xFFFF_FFFE), (32, 0xFFFF_FFFF), (40, 0xFFFF_FFFF),
])
func maskFollowsPrefix(prefix: UInt8, mask: UInt32) {
    #expect(AddressMatch(network: IPv4Address(rawValue: .max), prefix: prefix).mask == mask)
}

@Test func slashZeroMatchesEveryAddress() {
    let match = AddressMatch(network: IPv4Address(1, 2, 3, 4), prefix: 0)
    #expect(match == .any)
    #expect(match.contains(IPv4Address(0, 0, 0, 0)))
    #expect(match.contains(IPv4Address(255, 255, 255, 255)))
}

@Test func slashThirtyTwoMatchesOneHost() {
    let match = AddressMatch(network: IPv4Address(10, 0, 0, 1), prefix: 32)
    #expect(match.contains(IPv4Address(10, 0, 0, 1)))
    #expect(!match.contains(IPv4Address(10, 0, 0, 0)))
    #expect(!match.contains(IPv4Address(10, 0, 0, 2)))
}

@Test func networkBoundaries() {
    let match = AddressMatch(network: IPv4Address(10, 1, 0, 77), prefix: 24)
    #expect(match.network == IPv4Address(10, 1, 0, 0))
    #expect(match.contains(IPv4Address(10, 1, 0, 0)))
    #expect(match.contains(IPv4Address(10, 1, 0, 255)))
    #expect(!match.contains(IPv4Address(10, 1, 1, 0)))
    #expect(!match.contains(IPv4Address(10, 0, 255, 255)))
}

@Test func networkContainment() {
    let wide = AddressMatch(network: IPv4Address(10, 0, 0, 0), prefix: 8)
    let narrow = AddressMatch(network: IPv4Address(10, 1, 0, 0), prefix: 16)
    #expect(wide.contains(narrow))
    #expect(!narrow.contains(wide))
    #expect(AddressMatch.any.contains(wide))
    #expect(!wide.contains(AddressMatch(network: IPv4Address(11, 0, 0, 0), prefix: 16)))
}

private let here = SourceLocation(file: "f", line: 1, column: 1)

@Test func catchAllAndCovering() {
    let all = Rule(action: .drop, location: here)
    let ssh = Rule(action: .accept, proto: .tcp, destinationPorts: 22...22, location: here)
    let low = Rule(action: .accept, proto: .tcp, destinationPorts: 1...1024, location: here)
    let udp = Rule(action: .accept, proto: .udp, destinationPorts: 22...22, location: here)
    #expect(all.isCatchAll)
    #expect(!ssh.isCatchAll)
    #expect(!udp.isCatchAll && !low.isCatchAll)
    #expect(ssh.match[.destinationPort] == ValueSet(22))
    #expect(low.match[.proto] == ValueSet(6))
}
