import Testing
@testable import Engine
import Rules
import Wire

/// IGMP is a protocol the rules can name (`accept igmp`), that `accept any` covers, and that
/// the policy still drops when no rule accepts it.
@Suite struct EngineIGMPTests {
    /// A v2 membership report for 239.1.2.3 from 10.1.0.2 (RFC 2236 §2), checksums computed here.
    static let report: [UInt8] = {
        var igmp: [UInt8] = [0x16, 0x00, 0, 0, 239, 1, 2, 3]
        let sum = IPv4BigTCPTestsBytes.checksum(igmp)
        igmp[2] = UInt8(sum >> 8); igmp[3] = UInt8(sum & 0xFF)
        var header: [UInt8] = [0x45, 0, 0, 28, 0, 1, 0, 0, 1, 2, 0, 0, 10, 1, 0, 2, 239, 1, 2, 3]
        let headerSum = IPv4BigTCPTestsBytes.checksum(header)
        header[10] = UInt8(headerSum >> 8); header[11] = UInt8(headerSum & 0xFF)
        return header + igmp
    }()

    static func verdict(_ rules: String) throws -> (String, VerdictEvent) {
        let (program, diagnostics) = Program.load(source: rules, file: "igmp.rules")
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        let engine = Engine(program: try #require(program))
        let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: report.count)
        return report.withUnsafeBytes { raw in
            let (outcome, event) = engine.judge(raw, metadata: metadata)
            switch outcome {
            case .drop: return ("drop", event)
            case .accept: return ("accept", event)
            case .acceptRebuilt: return ("rebuilt", event)
            }
        }
    }

    @Test func acceptIGMPAcceptsIt() throws {
        let (kind, event) = try Self.verdict("accept ip-options { router-alert }\naccept igmp from 10.1.0.0/24\n")
        #expect(kind == "accept" && event.reason == .rule && event.rule?.location.line == 2)
        #expect(event.summary?.proto == .igmp)
    }

    @Test func acceptAnyCoversIt() throws {
        #expect(try Self.verdict("accept any\n").0 == "accept")
    }

    @Test func otherProtocolsDoNotAcceptItAndThePolicyDrops() throws {
        let (kind, event) = try Self.verdict("accept tcp\naccept udp\naccept icmp\n")
        #expect(kind == "drop" && event.reason == .policy)
    }

    @Test func portOnIGMPIsAnError() {
        let diagnostics = Program.load(source: "accept igmp to any port 1\n", file: "igmp.rules").diagnostics
        #expect(diagnostics.map(\.description) == ["igmp.rules:1:20: error: port needs tcp, udp or sctp"])
    }
}
