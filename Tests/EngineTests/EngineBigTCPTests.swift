import Testing
@testable import Engine
import Rules
import Wire

/// The engine's rebuild buffer holds 65,535 bytes, the largest datagram a 16-bit total length
/// can state. A BIG TCP datagram (total length 0, GSO) is longer: it may pass unchanged, since
/// nothing is emitted then, but one that needs a rebuild must be dropped (internal) rather than
/// emitted into a buffer too small for it.
@Suite struct EngineBigTCPTests {
    static func engine() throws -> Engine {
        let (program, diagnostics) = Program.load(source: "policy drop\naccept tcp to any port 443\n", file: "big.rules")
        try #require(diagnostics.isEmpty)
        return Engine(program: try #require(program))
    }

    /// Judges `bytes`, returning the verdict's kind, the rebuilt length, and the event.
    static func judge(_ engine: Engine, _ bytes: [UInt8]) -> (String, Int?, VerdictEvent) {
        let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: bytes.count, context: PacketContext(isGSO: true))
        return bytes.withUnsafeBytes { raw in
            let (outcome, event) = engine.judge(raw, metadata: metadata)
            switch outcome {
            case .drop: return ("drop", nil, event)
            case .reject: return ("reject", nil, event)
            case .accept: return ("accept", nil, event)
            case .acceptRebuilt(let rebuilt): return ("rebuilt", rebuilt.count, event)
            }
        }
    }

    @Test func anUnchangedBigTCPPacketIsAcceptedWithoutARebuild() throws {
        let bytes = IPv4BigTCPTestsBytes.packet(length: 100_000)
        let (kind, _, event) = Self.judge(try Self.engine(), bytes)
        #expect(kind == "accept")
        #expect(event.reason == .rule)
    }

    @Test func aBigTCPPacketThatNeedsARebuildIsDroppedAsInternal() throws {
        let bytes = IPv4BigTCPTestsBytes.packet(length: 100_000, lowNibble: 0x08)
        let (kind, _, event) = Self.judge(try Self.engine(), bytes)
        #expect(kind == "drop")
        #expect(event.reason == .internal)
    }

    @Test func aNormalizedPacketOf65535BytesStillFits() throws {
        // The largest ordinary datagram, which needs a rebuild: it must fit the buffer exactly.
        var bytes = IPv4BigTCPTestsBytes.packet(length: 65_535, lowNibble: 0x08)
        bytes[2] = 0xFF; bytes[3] = 0xFF
        bytes[10] = 0; bytes[11] = 0
        let sum = IPv4BigTCPTestsBytes.checksum(Array(bytes[0..<20]))
        bytes[10] = UInt8(sum >> 8); bytes[11] = UInt8(sum & 0xFF)
        let (kind, length, _) = Self.judge(try Self.engine(), bytes)
        #expect(kind == "rebuilt")
        #expect(length == 65_535)
    }
}

/// A copy of the BIG TCP packet builder for this module (Wire's test helpers are not visible here).
enum IPv4BigTCPTestsBytes {
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// 10.1.0.2:40000 → 10.2.0.2:443, ACK, `length` bytes in all, total length 0.
    static func packet(length: Int, lowNibble: UInt8 = 0) -> [UInt8] {
        var segment: [UInt8] = [0x9C, 0x40, 0x01, 0xBB, 0, 0, 0, 1, 0, 0, 0, 2, 0x50 | lowNibble, 0x10,
                                0xFA, 0xF0, 0, 0, 0, 0]
        segment += (0..<(length - 40)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let count = UInt32(segment.count)
        // Pseudo-header with a 32-bit length word, as Linux sums it for BIG TCP.
        let pseudo: [UInt8] = [10, 1, 0, 2, 10, 2, 0, 2, 0, 6,
                               UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        let sum = checksum(pseudo + segment)
        segment[16] = UInt8(sum >> 8); segment[17] = UInt8(sum & 0xFF)
        var header: [UInt8] = [0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 6, 0, 0, 10, 1, 0, 2, 10, 2, 0, 2]
        let headerSum = checksum(header)
        header[10] = UInt8(headerSum >> 8); header[11] = UInt8(headerSum & 0xFF)
        return header + segment
    }
}
