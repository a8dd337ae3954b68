import Testing
@testable import Engine
@testable import Log
import Wire

/// One row of the spec's baseline: a flow tuple as seen on the wire and its Community ID.
struct CommunityIDVector: Sendable, CustomStringConvertible {
    var seed: UInt16
    var proto: UInt8
    var source: IPv4Address
    var destination: IPv4Address
    /// Ports for TCP/UDP/SCTP; ICMP type and code for ICMP; nil for a protocol without ports.
    var ports: (UInt16, UInt16)?
    var expected: String
    var description: String { "seed \(seed) proto \(proto) \(source) -> \(destination) \(ports.map { "\($0)" } ?? "-")" }
}

private func v(_ seed: UInt16, _ proto: UInt8, _ source: String, _ destination: String,
               _ ports: (UInt16, UInt16)?, _ expected: String) -> CommunityIDVector {
    CommunityIDVector(seed: seed, proto: proto, source: IPv4Address(source)!,
                      destination: IPv4Address(destination)!, ports: ports, expected: expected)
}

/// The IPv4 rows of corelight/community-id-spec `baseline/README.md` (default seed and seed 1)
/// and of `baseline/baseline_deflt.json` and `baseline_seed1.json` (from pcaps/combined.pcap).
/// For ICMP the pair is (type, code) of the packet: the spec's echo reply is type 0 code 0.
let baselineVectors: [CommunityIDVector] = [
    v(0, 6, "1.2.3.4", "5.6.7.8", (1122, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM="),
    v(0, 6, "5.6.7.8", "1.2.3.4", (3344, 1122), "1:wCb3OG7yAFWelaUydu0D+125CLM="),
    v(0, 17, "1.2.3.4", "5.6.7.8", (1122, 3344), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
    v(0, 17, "5.6.7.8", "1.2.3.4", (3344, 1122), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
    v(0, 132, "1.2.3.4", "5.6.7.8", (1122, 3344), "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="),
    v(0, 132, "5.6.7.8", "1.2.3.4", (3344, 1122), "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="),
    v(0, 1, "1.2.3.4", "5.6.7.8", (8, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="),
    v(0, 1, "5.6.7.8", "1.2.3.4", (0, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="),
    v(0, 1, "1.2.3.4", "5.6.7.8", (11, 0), "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="),
    v(0, 46, "1.2.3.4", "5.6.7.8", nil, "1:ikv3kmf89luf73WPz1jOs49S768="),
    v(0, 46, "5.6.7.8", "1.2.3.4", nil, "1:ikv3kmf89luf73WPz1jOs49S768="),
    v(1, 6, "1.2.3.4", "5.6.7.8", (1122, 3344), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="),
    v(1, 6, "5.6.7.8", "1.2.3.4", (3344, 1122), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="),
    v(1, 17, "1.2.3.4", "5.6.7.8", (1122, 3344), "1:OShq+iKDAMVouh/4bMxB9Sz4amw="),
    v(1, 132, "5.6.7.8", "1.2.3.4", (3344, 1122), "1:uitchpn5MMGAQKBJh7bIr/bAr7s="),
    v(1, 1, "1.2.3.4", "5.6.7.8", (8, 0), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="),
    v(1, 1, "5.6.7.8", "1.2.3.4", (0, 0), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="),
    v(1, 1, "1.2.3.4", "5.6.7.8", (11, 0), "1:1DD7cWGC/Yg91YGsQeni8du3pIA="),
    v(1, 46, "5.6.7.8", "1.2.3.4", nil, "1:/buhqeOmaRCopOZFy9HnoJd5XW8="),
    // baseline_deflt.json
    v(0, 1, "192.168.0.89", "192.168.0.1", (8, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="),
    v(0, 1, "192.168.0.1", "192.168.0.89", (0, 0), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="),
    v(0, 1, "10.0.0.1", "10.0.0.2", (11, 0), "1:YHxtAirCG//0OzkcVAukqKQN9xM="),
    v(0, 132, "192.168.170.8", "192.168.170.56", (7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="),
    v(0, 132, "192.168.170.56", "192.168.170.8", (7, 7), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="),
    v(0, 6, "128.232.110.120", "66.35.250.204", (34855, 80), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    v(0, 6, "66.35.250.204", "128.232.110.120", (80, 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    v(0, 17, "192.168.1.52", "8.8.8.8", (54585, 53), "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
    v(0, 17, "8.8.8.8", "192.168.1.52", (53, 54585), "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
    v(0, 46, "10.1.12.1", "10.1.12.2", nil, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="),
    v(0, 46, "10.1.12.2", "10.1.12.1", nil, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="),
    // baseline_seed1.json
    v(1, 1, "192.168.0.89", "192.168.0.1", (8, 0), "1:03g6IloqVBdcZlPyX8r0hgoE7kA="),
    v(1, 1, "10.0.0.1", "10.0.0.2", (11, 0), "1:XjUibYHaafLQ3pxQeiMI8g25q20="),
    v(1, 132, "192.168.170.8", "192.168.170.56", (7, 7), "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="),
    v(1, 6, "66.35.250.204", "128.232.110.120", (80, 34855), "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
    v(1, 17, "192.168.1.52", "8.8.8.8", (54585, 53), "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="),
    v(1, 46, "10.1.12.2", "10.1.12.1", nil, "1:rYir8gphR31noO9iDRQmF/BteEI="),
]

@Suite struct CommunityIDTests {
    @Test(arguments: baselineVectors)
    func baseline(vector: CommunityIDVector) {
        let ports = vector.ports.map { pair in
            vector.proto == 1
                ? CommunityID.icmpPorts(type: UInt8(pair.0), code: UInt8(pair.1))
                : CommunityID.Ports(source: pair.0, destination: pair.1)
        }
        let value = CommunityID.string(
            seed: vector.seed, source: vector.source, destination: vector.destination, proto: vector.proto, ports: ports)
        #expect(value == vector.expected)
    }

    /// The spec's "No base64" table gives the SHA-1 in hex: our base64 must decode to it.
    @Test func base64MatchesTheHexDigest() {
        let digest: [UInt8] = [0xc0, 0x26, 0xf7, 0x38, 0x6e, 0xf2, 0x00, 0x55, 0x9e, 0x95,
                               0xa5, 0x32, 0x76, 0xed, 0x03, 0xfb, 0x5d, 0xb9, 0x08, 0xb3]
        var out = [UInt8](repeating: 0, count: 28)
        digest.withUnsafeBytes { input in out.withUnsafeMutableBytes { CommunityID.base64(input, into: $0) } }
        #expect(String(decoding: out, as: UTF8.self) == "wCb3OG7yAFWelaUydu0D+125CLM=")
    }

    @Test func summaryWithoutDecodedPortsHasNoHash() {
        let claimed = PacketSummary(proto: .tcp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        #expect(CommunityID.ports(of: claimed) == nil)
        let icmp = PacketSummary(proto: .icmp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        #expect(CommunityID.ports(of: icmp) == nil)
        let gre = PacketSummary(proto: IPProtocol(rawValue: 47), source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        #expect(CommunityID.ports(of: gre) == .some(nil))
    }

    @Test func routerAdvertisementPairsWithSolicitation() {
        #expect(CommunityID.icmpPorts(type: 9, code: 0) == CommunityID.Ports(source: 9, destination: 10))
        #expect(CommunityID.icmpPorts(type: 3, code: 1) == CommunityID.Ports(source: 3, destination: 1, oneWay: true))
    }
}
