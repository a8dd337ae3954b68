import Foundation
import Testing
@testable import Engine
@testable import Log
import Rules
import Wire

/// The verdict log for IPv6 packets: RFC 5952 addresses written without a String, EVE's
/// protocol name for ICMPv6, the hop limit as `ttl`, and Community ID v1 over 16-byte addresses.
@Suite struct IPv6LogTests {
    private func written(_ address: IPv6Address) -> String {
        var buffer = JSONBuffer(capacity: 64)
        buffer.ipv6(address)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// RFC 5952 §4 and §5, with the examples of its sections.
    @Test(arguments: [
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("fe80:0:0:0:0:0:0:0", "fe80::"),
        ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("fd00::f0f", "fd00::f0f"),
    ])
    func addressesAreWrittenInRFC5952Form(text: String, expected: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(written(address) == expected)
        #expect(written(address) == address.description)
    }

    @Test func writerAgreesWithDescriptionOnRandomAddresses() {
        var generator = Program.SplitMix(state: 6)
        for _ in 0..<2000 {
            // Zero groups are common so that every run length and position is tried.
            var value: UInt128 = 0
            for _ in 0..<8 {
                let group = generator.next() % 3 == 0 ? UInt16(truncatingIfNeeded: generator.next()) : 0
                value = value << 16 | UInt128(group)
            }
            let address = IPv6Address(rawValue: value)
            #expect(written(address) == address.description)
            #expect(IPv6Address(Substring(written(address))) == address)
        }
    }

    private func line(_ summary: PacketSummary) throws -> [String: Any] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-v6-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "0", count: 64))
        writer.writeVerdict(VerdictEvent(
            metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: 48), verdict: .drop, reason: .policy,
            rule: nil, decodeError: nil, summary: summary, normalized: [], shouldLog: true))
        writer.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func icmpv6VerdictLine() throws {
        let summary = PacketSummary(
            proto: .icmpv6, source: .v6(IPv6Address("fd00::1")!), destination: .v6(IPv6Address("2001:db8::53")!),
            icmpType: 128, icmpCode: 0, ttl: 255)
        let object = try line(summary)
        #expect(object["src_ip"] as? String == "fd00::1")
        #expect(object["dest_ip"] as? String == "2001:db8::53")
        #expect(object["proto"] as? String == "IPv6-ICMP")
        #expect(object["icmp_type"] as? Int == 128 && object["icmp_code"] as? Int == 0)
        #expect(object["ttl"] as? Int == 255, "the hop limit, under EVE's name")
        #expect(object["community_id"] as? String == CommunityID.string(
            source: summary.source, destination: summary.destination, proto: 58, ports: CommunityID.icmpPorts(type: 128, code: 0, ipv6: true)))
    }

    /// Values from the `communityid` Python package (pycommunityid 1.5, the spec's reference
    /// implementation): `CommunityID().calc(FlowTuple.make_tcp("fd00::1", "fd00::2", 40000, 22))`, ...
    @Test(arguments: [
        (UInt8(6), "fd00::1", "fd00::2", UInt16(40000), UInt16(22), "1:AC/4Cdkh1w/mueoFByQIuL91Mco="),
        (6, "fd00::2", "fd00::1", 22, 40000, "1:AC/4Cdkh1w/mueoFByQIuL91Mco="),
        (17, "2001:db8::1", "2001:db8::53", 5353, 53, "1:8rGE/8caNsUS5YBADl0Jqq5Khdw="),
    ])
    func communityIDOfIPv6Flows(proto: UInt8, source: String, destination: String, sourcePort: UInt16, destinationPort: UInt16, expected: String) {
        let ports = CommunityID.Ports(source: sourcePort, destination: destinationPort)
        #expect(CommunityID.string(
            source: .v6(IPv6Address(source)!), destination: .v6(IPv6Address(destination)!), proto: proto, ports: ports) == expected)
    }

    /// `make_icmp6("fd00::1", "fd00::2", type, code)` in the Python package; 129 from fd00::2
    /// hashes as the request does (the spec's counterparts).
    @Test(arguments: [
        (UInt8(128), UInt8(0), "fd00::1", "fd00::2", "1:cHVm51rRL0MQihNiyq5ZLwFkyko="),
        (129, 0, "fd00::2", "fd00::1", "1:cHVm51rRL0MQihNiyq5ZLwFkyko="),
        (129, 0, "fd00::1", "fd00::2", "1:oCB4aHXsv1+RUWsWTiwvkM46eGE="),
        (135, 0, "fd00::1", "fd00::2", "1:MhcfhINVXI+/QK6mRYdpZ5G+TXs="),
        (136, 0, "fd00::1", "fd00::2", "1:0j5oEUHMdnnN8ale3lx2FJ1j3d0="),
        (1, 4, "fd00::1", "fd00::2", "1:GeFx7YCDqMnIP2bj+4M9zBbyDxo="),
        (2, 0, "fd00::1", "fd00::2", "1:25AoPY9OL0UTDi2+4aenvE+fWBA="),
    ])
    func communityIDOfICMPv6(type: UInt8, code: UInt8, source: String, destination: String, expected: String) {
        let summary = PacketSummary(
            proto: .icmpv6, source: .v6(IPv6Address(source)!), destination: .v6(IPv6Address(destination)!),
            icmpType: type, icmpCode: code)
        guard case .some(let ports) = CommunityID.ports(of: summary) else {
            Issue.record("no ports")
            return
        }
        #expect(CommunityID.string(source: summary.source, destination: summary.destination, proto: 58, ports: ports) == expected)
    }

    @Test func communityIDOfAProtocolWithoutPorts() {
        #expect(CommunityID.string(
            source: .v6(IPv6Address("fd00::1")!), destination: .v6(IPv6Address("fd00::2")!), proto: 50, ports: nil)
            == "1:yPHv41ztPi5mx7izZgGriy28Yms=")
    }

    @Test func suppressedSummaryGroupsIPv6SourcesBySlash48() {
        #expect(SuppressionSummary.sourceNetwork(SuppressionSummary.sourceKey(.v6(IPv6Address("2001:db8:1234:5678::1")!)))
            == (.v6(IPv6Address("2001:db8:1234::")!), 48))
        #expect(SuppressionSummary.sourceNetwork(SuppressionSummary.sourceKey(.v4(IPv4Address(10, 1, 2, 3))))
            == (.v4(IPv4Address(10, 1, 2, 0)), 24))
    }
}
