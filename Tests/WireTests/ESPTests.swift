import Testing
@testable import Wire

/// ESP (RFC 4303) with exact bytes: SPI and sequence number judged, the ciphertext passed as is.
@Suite struct ESPTests {
    static let packet = ProtoBytes.hex("""
        00001000    # SPI 0x1000
        00000001    # sequence number 1
        8f3a1c5e 0b7d2241 99aabbcc ddeeff00  # ciphertext (IV, payload, trailer, ICV): opaque
        """)

    static func datagram(_ esp: [UInt8]) -> [UInt8] { ProtoBytes.ipv4(proto: 50, payload: esp) }

    @Test func decodesAndRebuildsUnchanged() throws {
        let bytes = Self.datagram(Self.packet)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.transport == .esp(ESP.Header(spi: 0x1000, sequenceNumber: 1)))
        #expect(datagram.payloadOffset == 28 && datagram.payloadLength == 16)
        #expect(datagram.sourcePort == nil && datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func constructAndRoundTrip() throws {
        let header = ESP.Header(spi: 0xDEAD_BEEF, sequenceNumber: 0x0102_0304)
        var out = [UInt8](repeating: 0xAA, count: 9)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("deadbeef 01020304 aa"))
        #expect(try ESP.Header(parsing: ESP.View(validating: out.span.bytes)) == header)
    }

    @Test(arguments: [UInt32(0), 1, 255])
    func reservedSPIIsRefused(spi: UInt32) {
        var esp = Self.packet
        esp[0] = UInt8(spi >> 24); esp[1] = UInt8(spi >> 16 & 0xFF); esp[2] = UInt8(spi >> 8 & 0xFF); esp[3] = UInt8(spi & 0xFF)
        #expect(ProtoBytes.error(Self.datagram(esp)) == DecodeError(layer: .esp, field: .spi, offset: 20, reason: .reservedSPI))
    }

    @Test func spi256IsTheFirstAccepted() {
        #expect(ProtoBytes.error(Self.datagram(ProtoBytes.hex("00000100 00000000 00"))) == nil)
    }

    @Test func everyStrictPrefixOfTheHeaderThrows() {
        for count in 0...8 {
            #expect(ProtoBytes.error(Self.datagram(Array(Self.packet.prefix(count))))
                    == DecodeError(layer: .esp, field: .header, offset: 20, reason: .truncated), "prefix \(count)")
        }
    }
}
