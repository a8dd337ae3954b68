import Testing
@testable import Wire
import TestSupport

/// CRC32c against RFC 3720 Appendix B.4's test vectors and the CRC catalogue's check value.
@Suite struct CRC32CTests {
    /// A bit-at-a-time reference, for the tests' own SCTP packets.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    /// RFC 3720 B.4 gives the CRC as the bytes sent, least significant first.
    @Test(arguments: [
        ([UInt8](repeating: 0, count: 32), [UInt8]([0xaa, 0x36, 0x91, 0x8a])),
        ([UInt8](repeating: 0xFF, count: 32), [0x43, 0xab, 0xa8, 0x62]),
        ((0..<32).map { UInt8($0) }, [0x4e, 0x79, 0xdd, 0x46]),
        ((0..<32).reversed().map { UInt8($0) }, [0x5c, 0xdb, 0x3f, 0x11]),
    ])
    func rfc3720Vectors(data: [UInt8], sent: [UInt8]) {
        let crc = CRC32C.checksum(data.span.bytes)
        #expect([UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)] == sent)
    }

    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8).span.bytes) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]().span.bytes) == 0)
    }

    @Test func matchesTheReferenceAtEveryLength() {
        var random = SplitMix(state: 7)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(CRC32C.checksum(bytes.span.bytes) == Self.reference(bytes), "length \(length)")
        }
    }

    /// The SCTP form skips bytes 8–11 as if they were zero.
    @Test func sctpChecksumIgnoresTheField() {
        var packet = (0..<40).map { UInt8($0) }
        let expected = { () -> UInt32 in var zeroed = packet; zeroed[8...11] = [0, 0, 0, 0]; return Self.reference(zeroed) }()
        #expect(CRC32C.sctpChecksum(packet.span.bytes) == expected)
        packet[9] = 0xEE
        #expect(CRC32C.sctpChecksum(packet.span.bytes) == expected)
    }
}

