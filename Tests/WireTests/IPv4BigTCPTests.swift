import Testing
@testable import Wire

/// Linux BIG TCP for IPv4 (since 6.3): a GSO packet above 64 KiB carries total length 0 and its
/// real length is the buffer's. Accepted exactly then; refused otherwise.
@Suite struct IPv4BigTCPTests {
    static let gso = PacketContext(isGSO: true)

    /// A TCP ACK of `length` bytes in all, total length field `totalLength`, its checksum
    /// computed over a pseudo-header whose length is a 32-bit word (what Linux sums).
    static func packet(length: Int, totalLength: UInt16 = 0, proto: UInt8 = 6, lowNibble: UInt8 = 0) -> [UInt8] {
        var segment = ProtoBytes.hex("""
            9c40 01bb   # ports 40000 → 443
            00000001    # sequence
            00000002    # acknowledgment
            50 10       # data offset 5, ACK
            faf0 0000 0000  # window, checksum (below), urgent pointer
            """)
        segment[12] |= lowNibble
        segment += (0..<(length - 40)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let count = UInt32(segment.count)
        let pseudo: [UInt8] = [10, 1, 0, 2, 10, 2, 0, 2, 0, proto,
                               UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        ProtoBytes.put(ProtoBytes.checksum(pseudo + segment), at: 16, in: &segment)
        var bytes = ProtoBytes.ipv4(proto: proto, payload: [])
        ProtoBytes.put(totalLength, at: 2, in: &bytes)
        ProtoBytes.put(0, at: 10, in: &bytes)
        ProtoBytes.put(ProtoBytes.checksum(bytes), at: 10, in: &bytes)
        return bytes + segment
    }

    static let refused = DecodeError(layer: .ipv4, field: .totalLength, offset: 2, reason: .badTotalLength)

    @Test func gsoPacketAbove64KiBWithTotalLength0IsAccepted() throws {
        let bytes = Self.packet(length: 70_000)
        #expect(bytes[2] == 0 && bytes[3] == 0 && bytes.count == 70_000)
        let datagram = try ProtoBytes.decode(bytes, context: Self.gso).get()
        #expect(datagram.ipv4.totalLength == 0)
        #expect(datagram.payloadLength == 70_000 - 40)
        #expect(datagram.encodedLength == 70_000)
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func aRebuiltBigTCPPacketKeepsTotalLength0AndA32BitPseudoHeaderLength() throws {
        let bytes = Self.packet(length: 131_072, lowNibble: 0x02)
        let datagram = try ProtoBytes.decode(bytes, context: Self.gso).get()
        #expect(datagram.normalizations == .tcpReservedBits)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == Self.packet(length: 131_072))
    }

    @Test func theChecksumIsStillVerified() {
        var bytes = Self.packet(length: 70_000)
        bytes[69_999] ^= 1
        #expect(ProtoBytes.error(bytes, context: Self.gso) == DecodeError(layer: .tcp, field: .checksum, offset: 36, reason: .badChecksum))
    }

    @Test func totalLength0WithoutGSOIsRefused() {
        #expect(ProtoBytes.error(Self.packet(length: 70_000)) == Self.refused)
    }

    @Test func totalLength0OnAPacketThatFits16BitsIsRefused() {
        #expect(ProtoBytes.error(Self.packet(length: 65_535), context: Self.gso) == Self.refused)
        #expect(ProtoBytes.error(Self.packet(length: 1_500), context: Self.gso) == Self.refused)
    }

    @Test func totalLength0OnAnythingButTCPIsRefused() {
        #expect(ProtoBytes.error(Self.packet(length: 70_000, proto: 17), context: Self.gso) == Self.refused)
    }

    @Test func aGSOPacketWithItsRealLengthStillPasses() {
        #expect(ProtoBytes.error(Self.packet(length: 65_535, totalLength: 65_535), context: Self.gso) == nil)
    }
}
