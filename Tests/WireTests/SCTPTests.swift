import Testing
@testable import Wire

/// SCTP (RFC 9260) with exact bytes. SCTP starts at offset 20; its first chunk at 32.
@Suite struct SCTPTests {
    /// The common header (ports, tag) and `chunks`, with the CRC32c filled in (least
    /// significant byte first, RFC 9260 Appendix A).
    static func packet(source: UInt16 = 40000, destination: UInt16 = 2905, tag: UInt32, _ chunks: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(source >> 8), UInt8(source & 0xFF), UInt8(destination >> 8), UInt8(destination & 0xFF),
                              UInt8(tag >> 24), UInt8(tag >> 16 & 0xFF), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF), 0, 0, 0, 0]
        bytes += chunks
        let crc = CRC32CTests.reference(bytes)
        bytes[8...11] = [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        return bytes
    }

    static func datagram(_ sctp: [UInt8], flags: UInt16 = 0) -> [UInt8] { ProtoBytes.ipv4(proto: 132, payload: sctp, flags: flags) }

    static let initChunk = ProtoBytes.hex("""
        01 00 0014           # INIT, flags 0, length 20
        1a2b3c4d             # initiate tag
        0001 0000            # a_rwnd 65536
        000a 0005            # 10 outbound streams, 5 inbound
        00000001             # initial TSN
        """)
    static let sackAndData = ProtoBytes.hex("""
        03 00 0010 00000010 00010000 0000 0000     # SACK: cum TSN 16, a_rwnd, no gap, no dup
        00 03 0013 00000011 0001 0002 00000000     # DATA, B|E, length 19: TSN 17, stream 1, seq 2, PPID 0
        616263 00                                  # "abc", 1 byte of padding
        """)

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .sctp, field: field, offset: offset, reason: reason)
    }

    @Test func initDecodesWithPortsAndRebuildsUnchanged() throws {
        let bytes = Self.datagram(Self.packet(tag: 0, Self.initChunk))
        let datagram = try ProtoBytes.decode(bytes).get()
        guard case .sctp(let header) = datagram.transport else { Issue.record("not SCTP"); return }
        #expect(header.verificationTag == 0)
        #expect(datagram.sourcePort == 40000 && datagram.destinationPort == 2905)
        #expect(datagram.payloadOffset == 32 && datagram.payloadLength == 20 && datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        #expect(datagram.description == "sctp 10.1.0.2:40000 -> 10.2.0.2:2905")
    }

    @Test func bundledChunksWithPaddingDecode() throws {
        let bytes = Self.datagram(Self.packet(tag: 0x1a2b_3c4d, Self.sackAndData))
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func unknownChunksBySkipBits() {
        for (type, expected) in [(UInt8(0x3F), Self.error(.chunk, 32, .unknownSCTPChunk)), (0x7F, Self.error(.chunk, 32, .unknownSCTPChunk)),
                                 (0xBF, nil), (0xFF, nil)] {
            let bytes = Self.datagram(Self.packet(tag: 7, [type, 0, 0, 8, 1, 2, 3, 4]))
            #expect(ProtoBytes.error(bytes) == expected, "type \(type)")
        }
    }

    @Test(arguments: [
        // Common header cut short, or no chunk at all.
        (Array(packet(tag: 7, [])[0..<11]), error(.header, 20, .truncated)),
        (packet(tag: 7, []), error(.header, 20, .truncated)),
        // Ports 0 (RFC 9260 §3.1).
        (packet(source: 0, tag: 7, [11, 0, 0, 4]), error(.sourcePort, 20, .zeroPort)),
        (packet(destination: 0, tag: 7, [11, 0, 0, 4]), error(.destinationPort, 22, .zeroPort)),
        // Verification tag 0 without INIT, or not 0 with it (§8.5.1); INIT's initiate tag 0.
        (packet(tag: 0, [11, 0, 0, 4]), error(.verificationTag, 24, .badVerificationTag)),
        (packet(tag: 9, initChunk), error(.verificationTag, 24, .badVerificationTag)),
        (packet(tag: 0, [1, 0, 0, 20, 0, 0, 0, 0] + Array(initChunk[8...])), error(.verificationTag, 36, .badVerificationTag)),
        // INIT with no outbound streams (§3.3.2).
        (packet(tag: 0, Array(initChunk[0..<12]) + [0, 0, 0, 5, 0, 0, 0, 1]), error(.chunk, 44, .badSCTPChunk)),
        // Chunk length below 4, DATA without user data (§3.3.1), past the end, padding not zero.
        (packet(tag: 7, [11, 0, 0, 3]), error(.chunk, 34, .badSCTPChunk)),
        (packet(tag: 7, [0, 3, 0, 16, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]), error(.chunk, 34, .badSCTPChunk)),
        (packet(tag: 7, [9, 0, 0, 12, 0, 1, 0, 4]), error(.chunk, 34, .truncated)),
        (packet(tag: 7, [9, 0, 0, 5, 0xAA, 0, 1, 0]), error(.chunk, 38, .badSCTPChunk)),
        // Bytes after the last chunk; the last chunk's padding missing.
        (packet(tag: 7, [11, 0, 0, 4, 0, 0]), error(.chunk, 36, .truncated)),
        (packet(tag: 7, [9, 0, 0, 5, 0xAA]), error(.chunk, 34, .truncated)),
        // INIT bundled (§6.10), and SHUTDOWN COMPLETE after another chunk.
        (packet(tag: 0, initChunk + [11, 0, 0, 4]), error(.chunk, 32, .badSCTPChunk)),
        (packet(tag: 7, [11, 0, 0, 4, 14, 0, 0, 4]), error(.chunk, 36, .badSCTPChunk)),
    ])
    func refusals(sctp: [UInt8], expected: DecodeError) {
        #expect(ProtoBytes.error(Self.datagram(sctp)) == expected)
    }

    @Test func badChecksumIsRefusedUnlessNotReady() {
        var sctp = Self.packet(tag: 7, Self.sackAndData)
        sctp[8] ^= 1
        #expect(ProtoBytes.error(Self.datagram(sctp)) == Self.error(.checksum, 28, .badChecksum))
        #expect(ProtoBytes.error(Self.datagram(sctp), context: PacketContext(checksumNotReady: true)) == nil)
    }

    /// A first fragment holds the start of the chunks: the walk stops where the bytes do.
    @Test func firstFragmentWalksWhatItHolds() throws {
        let whole = Self.packet(tag: 7, Self.sackAndData)
        let bytes = Self.datagram(Array(whole[0..<40]), flags: 0x2000)
        let datagram = try ProtoBytes.decode(bytes, options: DecodeOptions(allowFragments: true)).get()
        #expect(datagram.destinationPort == 2905)
    }

    @Test func constructAndRoundTrip() throws {
        let header = SCTP.Header(sourcePort: 5060, destinationPort: 5061, verificationTag: 0xDEAD_BEEF, checksum: 0x0102_0304)
        var out = [UInt8](repeating: 0xAA, count: 16)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("13c4 13c5 deadbeef 04030201 aaaaaaaa"))
    }
}
