import Testing
@testable import Wire

/// Fragments that carry don't-fragment are well formed (RFC 6864 §4; RFC 791 §3.2 only forbids
/// a gateway to fragment a DF datagram); what is refused is a fragment whose lengths contradict
/// RFC 791 itself.
@Suite struct IPv4FragmentTests {
    static let fragments = DecodeOptions(allowFragments: true)

    /// A first UDP fragment with DF and MF, as an AFS file server sends them: 16 payload bytes.
    static let firstWithDF = ProtoBytes.ipv4(proto: 17, payload: ProtoBytes.hex("""
        1b59 03e8   # UDP ports 7001 → 1000
        05c8        # UDP length 1480 (the whole datagram, not this fragment)
        0000        # no checksum
        0102030405060708  # first 8 data bytes
        """), flags: 0x6000)  // DF | MF, offset 0

    @Test func firstFragmentWithDFIsAccepted() throws {
        #expect(Self.firstWithDF[6] == 0x60 && Self.firstWithDF[7] == 0x00)
        let datagram = try ProtoBytes.decode(Self.firstWithDF, options: Self.fragments).get()
        #expect(datagram.ipv4.flags == [.dontFragment, .moreFragments])
        #expect(datagram.sourcePort == 7001 && datagram.destinationPort == 1000)
        #expect(datagram.normalizations.isEmpty)
        #expect(Self.emit(datagram, from: Self.firstWithDF) == Self.firstWithDF)
    }

    @Test func lastFragmentWithDFIsAccepted() throws {
        // DF, no MF, offset 185 (1480 bytes): the tail of the datagram above.
        let bytes = ProtoBytes.ipv4(proto: 17, payload: [9, 10, 11], flags: 0x40B9)
        let datagram = try ProtoBytes.decode(bytes, options: Self.fragments).get()
        #expect(datagram.transport == .fragment)
        #expect(datagram.ipv4.fragmentOffset == 185)
        #expect(Self.emit(datagram, from: bytes) == bytes)
    }

    @Test func fragmentWithDFStillNeedsAcceptFragments() {
        #expect(ProtoBytes.error(Self.firstWithDF) == Self.error(.fragmentOffset, 6, .fragment))
    }

    @Test func moreFragmentsWithALengthNotAMultipleOf8IsRefused() {
        // RFC 791 §3.2: all fragments but the last carry a multiple of 8 bytes. 12 here.
        let bytes = ProtoBytes.ipv4(proto: 17, payload: Array(Self.firstWithDF[20..<32]), flags: 0x6000)
        #expect(ProtoBytes.error(bytes, options: Self.fragments) == Self.error(.totalLength, 2, .badFragmentLength))
        #expect(ProtoBytes.error(bytes) == Self.error(.totalLength, 2, .badFragmentLength))
    }

    @Test func fragmentEndingAt65535IsAcceptedAndOnePastIsRefused() throws {
        // Offset 8189 × 8 = 65512; + 20 header bytes + 3 = 65535, the largest datagram.
        let last = ProtoBytes.ipv4(proto: 17, payload: [1, 2, 3], flags: 0x1FFD)
        #expect(ProtoBytes.error(last, options: Self.fragments) == nil)
        let past = ProtoBytes.ipv4(proto: 17, payload: [1, 2, 3, 4], flags: 0x1FFD)
        #expect(ProtoBytes.error(past, options: Self.fragments) == Self.error(.fragmentOffset, 6, .badFragmentLength))
    }

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .ipv4, field: field, offset: offset, reason: reason)
    }

    /// Emits into a buffer prefilled with 0xAA so unwritten bytes show.
    static func emit(_ datagram: Datagram, from original: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: datagram.encodedLength)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            datagram.emit(payloadFrom: original.span.bytes, into: &bytes, transportChecksum: .compute)
        }
        return out
    }
}
