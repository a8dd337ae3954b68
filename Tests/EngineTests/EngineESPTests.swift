import Testing
@testable import Engine
import Rules
import Wire

/// `accept esp from PEER` lets that peer's ESP through, and nothing else's.
@Suite struct EngineESPTests {
    /// ESP from `source` (SPI 0x1000, sequence 1, 8 bytes of ciphertext).
    static func packet(from source: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x45, 0, 0, 36, 0, 1, 0x40, 0, 64, 50, 0, 0] + source + [10, 2, 0, 2]
        let sum = IPv4BigTCPTestsBytes.checksum(header)
        header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xFF)
        return header + [0, 0, 0x10, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]
    }

    @Test func acceptESPFromAPeer() throws {
        let (program, diagnostics) = Program.load(source: "set peer = { 10.1.0.2 }\naccept esp from $peer\n", file: "esp.rules")
        try #require(diagnostics.isEmpty, "\(diagnostics)")
        let engine = Engine(program: try #require(program))
        for (source, expected) in [([UInt8]([10, 1, 0, 2]), true), ([10, 1, 0, 3], false)] {
            let bytes = Self.packet(from: source)
            let accepted = bytes.withUnsafeBytes { raw in
                let (outcome, event) = engine.judge(raw, metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: bytes.count))
                #expect(event.summary?.proto == .esp)
                if case .accept = outcome { return true }
                return false
            }
            #expect(accepted == expected, "from \(source)")
        }
    }

    @Test func portOnESPIsAnError() {
        let diagnostics = Program.load(source: "accept esp to any port 500\n", file: "esp.rules").diagnostics
        #expect(diagnostics.map(\.description) == ["esp.rules:1:19: error: port needs tcp, udp or sctp"])
    }
}
