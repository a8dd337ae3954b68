import Testing
@testable import Engine
import Rules
import Wire

/// AH, VRRP and SCTP are protocols the rules name (`accept ah`, `accept vrrp`,
/// `accept sctp ... port`), that `accept any` covers, and that the policy drops otherwise.
/// An accepted AH datagram passes as its original bytes.
@Suite struct EngineProtocolTests {
    static func ipv4(proto: UInt8, ttl: UInt8 = 64, source: [UInt8] = [10, 1, 0, 2], destination: [UInt8] = [10, 2, 0, 2],
                     _ payload: [UInt8]) -> [UInt8] {
        let length = 20 + payload.count
        var header: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1, 0x40, 0, ttl, proto, 0, 0] + source + destination
        let sum = IPv4BigTCPTestsBytes.checksum(header)
        header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xFF)
        return header + payload
    }

    /// AH (SPI 0x1000, 96-bit ICV) over ICMP echo request.
    static func ah(from source: [UInt8] = [10, 1, 0, 2]) -> [UInt8] {
        var icmp: [UInt8] = [8, 0, 0, 0, 0, 1, 0, 1]
        let sum = IPv4BigTCPTestsBytes.checksum(icmp)
        icmp[2] = UInt8(sum >> 8); icmp[3] = UInt8(sum & 0xFF)
        return ipv4(proto: 51, source: source, [1, 4, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1] + Array(1...12) + icmp)
    }

    /// A VRRPv2 advertisement for VRID 7 to 224.0.0.18 with TTL 255.
    static let vrrp: [UInt8] = {
        var message: [UInt8] = [0x21, 7, 100, 1, 0, 1, 0, 0, 10, 1, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0]
        let sum = IPv4BigTCPTestsBytes.checksum(message)
        message[6] = UInt8(sum >> 8); message[7] = UInt8(sum & 0xFF)
        return ipv4(proto: 112, ttl: 255, destination: [224, 0, 0, 18], message)
    }()

    /// An SCTP COOKIE ACK from port 40000 to `port`, its CRC32c filled in.
    static func sctp(to port: UInt16) -> [UInt8] {
        var sctp: [UInt8] = [0x9c, 0x40, UInt8(port >> 8), UInt8(port & 0xFF), 0, 0, 0, 7, 0, 0, 0, 0, 11, 0, 0, 4]
        let crc = sctp.withUnsafeBytes { CRC32C.checksum($0.bytes) }
        sctp[8] = UInt8(crc & 0xFF); sctp[9] = UInt8(crc >> 8 & 0xFF); sctp[10] = UInt8(crc >> 16 & 0xFF); sctp[11] = UInt8(crc >> 24)
        return ipv4(proto: 132, sctp)
    }

    static func verdict(_ rules: String, _ packet: [UInt8]) throws -> (String, VerdictEvent) {
        let (program, diagnostics) = Program.load(source: rules, file: "p.rules")
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        let engine = Engine(program: try #require(program))
        return packet.withUnsafeBytes { raw in
            let (outcome, event) = engine.judge(raw, metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: packet.count))
            switch outcome {
            case .drop: return ("drop", event)
            case .accept: return ("accept", event)
            case .acceptRebuilt: return ("rebuilt", event)
            }
        }
    }

    @Test func acceptAHFromAPeer() throws {
        let rules = "set peer = { 10.1.0.2 }\naccept ah from $peer\n"
        let (kind, event) = try Self.verdict(rules, Self.ah())
        #expect(kind == "accept" && event.summary?.proto == .ah && event.rule?.location.line == 2)
        #expect(try Self.verdict(rules, Self.ah(from: [10, 1, 0, 3])).0 == "drop")
    }

    @Test func acceptVRRP() throws {
        let (kind, event) = try Self.verdict("accept vrrp to 224.0.0.18\n", Self.vrrp)
        #expect(kind == "accept" && event.summary?.proto == .vrrp)
    }

    @Test func sctpPortsAreMatched() throws {
        let rules = "accept sctp to any port 2905\n"
        let (kind, event) = try Self.verdict(rules, Self.sctp(to: 2905))
        #expect(kind == "accept" && event.summary?.proto == .sctp && event.summary?.destinationPort == 2905)
        let (other, otherEvent) = try Self.verdict(rules, Self.sctp(to: 2906))
        #expect(other == "drop" && otherEvent.reason == .policy && otherEvent.summary?.sourcePort == 40000)
    }

    @Test func acceptAnyCoversThemAndOtherProtocolsDoNot() throws {
        for packet in [Self.ah(), Self.vrrp, Self.sctp(to: 9)] {
            #expect(try Self.verdict("accept any\n", packet).0 == "accept")
            let (kind, event) = try Self.verdict("accept ip-options { router-alert }\naccept tcp\naccept udp\naccept icmp\naccept igmp\naccept esp\n", packet)
            #expect(kind == "drop" && event.reason == .policy)
        }
    }
}
