import Testing
@testable import Wire

/// AH (RFC 4302) with exact bytes. AH starts at offset 20, its ICV at 32, the protected
/// protocol at 44 (a 96-bit ICV).
@Suite struct AHTests {
    /// A TCP ACK 40000 → 443 with its checksum over the IPv4 pseudo-header.
    static func tcp(reservedBits: UInt8 = 0) -> [UInt8] {
        var segment = ProtoBytes.hex("9c40 01bb 00000001 00000002 5010 ffff 0000 0000")
        segment[12] |= reservedBits << 1
        let pseudo: [UInt8] = [10, 1, 0, 2, 10, 2, 0, 2, 0, 6, 0, UInt8(segment.count)]
        ProtoBytes.put(ProtoBytes.checksum(pseudo + segment), at: 16, in: &segment)
        return segment
    }

    static let icv = ProtoBytes.hex("0102030405060708090a0b0c")

    static func ah(next: UInt8 = 6, length: UInt8 = 4, reserved: UInt16 = 0, spi: UInt32 = 0x1000) -> [UInt8] {
        [next, length, UInt8(reserved >> 8), UInt8(reserved & 0xFF),
         UInt8(spi >> 24), UInt8(spi >> 16 & 0xFF), UInt8(spi >> 8 & 0xFF), UInt8(spi & 0xFF), 0, 0, 0, 1]
    }

    static func datagram(_ payload: [UInt8], flags: UInt16 = 0) -> [UInt8] { ProtoBytes.ipv4(proto: 51, payload: payload, flags: flags) }

    static let packet = datagram(ah() + icv + tcp())

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .ah, field: field, offset: offset, reason: reason)
    }

    @Test func decodesAndRebuildsUnchanged() throws {
        let datagram = try ProtoBytes.decode(Self.packet).get()
        #expect(datagram.transport == .ah(AH.Header(nextHeader: .tcp, payloadLength: 4, spi: 0x1000, sequenceNumber: 1)))
        #expect(datagram.payloadOffset == 32 && datagram.payloadLength == 32 && datagram.normalizations.isEmpty)
        #expect(datagram.sourcePort == nil)
        #expect(IPv4FragmentTests.emit(datagram, from: Self.packet) == Self.packet)
        #expect(datagram.description == "ah 10.1.0.2 -> 10.2.0.2 spi 4096 next tcp")
    }

    /// What the TCP decoder would normalize (reserved bits) is passed as received after AH:
    /// the ICV covers it.
    @Test func theProtectedHeaderIsNeverRewritten() throws {
        let bytes = Self.datagram(Self.ah() + Self.icv + Self.tcp(reservedBits: 0b111))
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    /// The IPv4 flags are mutable for AH (RFC 4302 §3.3.3.1.1.1): clearing the reserved bit
    /// leaves every byte the ICV covers as it was.
    @Test func mutableIPv4FieldsMayBeNormalized() throws {
        let bytes = Self.datagram(Self.ah() + Self.icv + Self.tcp(), flags: 0x8000)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations == .ipv4ReservedFlag)
        let rebuilt = IPv4FragmentTests.emit(datagram, from: bytes)
        #expect(rebuilt[6] == 0 && Array(rebuilt[12...]) == Array(bytes[12...]))
    }

    /// Option bytes after an end-of-option-list are inside the ICV: refused, not zeroed.
    @Test func optionPaddingUnderAHIsRefused() {
        var bytes = [0x46] + Self.packet[1..<20] + [0, 0xAB, 0, 0] + Self.packet[20...]
        ProtoBytes.put(UInt16(bytes.count), at: 2, in: &bytes)
        ProtoBytes.put(0, at: 10, in: &bytes)
        ProtoBytes.put(ProtoBytes.checksum(Array(bytes[0..<24])), at: 10, in: &bytes)
        #expect(ProtoBytes.error(bytes) == DecodeError(layer: .ipv4, field: .options, offset: 20, reason: .ahRewrite))
    }

    @Test(arguments: [
        (datagram(Array(ah()[0..<11])), error(.header, 20, .truncated)),
        (datagram(ah(length: 3) + icv[0..<8] + tcp()), error(.payloadLength, 21, .badLength)),
        (datagram(ah(length: 1)), error(.payloadLength, 21, .badLength)),
        (datagram(ah() + icv[0..<11]), error(.payloadLength, 21, .truncated)),
        (datagram(ah(reserved: 0x0100) + icv + tcp()), error(.reserved, 22, .badReserved)),
        (datagram(ah(spi: 0) + icv + tcp()), error(.spi, 24, .reservedSPI)),
        (datagram(ah(spi: 255) + icv + tcp()), error(.spi, 24, .reservedSPI)),
        // Tunnel mode (IP-in-IP) and protocols without a decoder after AH.
        (datagram(ah(next: 4) + icv + tcp()), error(.nextHeader, 20, .unknownProtocol)),
        (datagram(ah(next: 89) + icv + tcp()), error(.nextHeader, 20, .unknownProtocol)),
        // The protected header's own checks (a TCP segment read as UDP; a TCP header cut short).
        (datagram(ah(next: 17) + icv + tcp()), DecodeError(layer: .udp, field: .length, offset: 48, reason: .badLength)),
        (datagram(ah() + icv + tcp()[0..<19]), DecodeError(layer: .tcp, field: .header, offset: 44, reason: .truncated)),
    ])
    func refusals(bytes: [UInt8], expected: DecodeError) {
        #expect(ProtoBytes.error(bytes) == expected)
    }

    @Test func protectedChecksumIsVerified() {
        var segment = Self.tcp()
        segment[16] ^= 0x01
        #expect(ProtoBytes.error(Self.datagram(Self.ah() + Self.icv + segment))
                == DecodeError(layer: .tcp, field: .checksum, offset: 60, reason: .badChecksum))
    }

    /// A longer ICV (HMAC-SHA-256-128, 16 bytes: payload length 5) moves the protected header.
    @Test func longerICV() throws {
        let bytes = Self.datagram(Self.ah(length: 5) + Self.icv + [0xAA, 0xBB, 0xCC, 0xDD] + Self.tcp())
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.payloadLength == 16 + 20)
    }

    @Test func constructAndRoundTrip() throws {
        let header = AH.Header(nextHeader: .udp, payloadLength: 6, spi: 0xDEAD_BEEF, sequenceNumber: 0x0102_0304)
        var out = [UInt8](repeating: 0xAA, count: 13)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("11 06 0000 deadbeef 01020304 aa"))
    }
}
