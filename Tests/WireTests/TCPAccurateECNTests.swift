import Testing
@testable import Wire

/// Byte 12 bit 0 of a TCP header is Accurate ECN's AE flag (draft-ietf-tcpm-accurate-ecn §3.1;
/// RFC 3540 called it NS). It is part of the ACE counter, so the rebuild keeps it; only bits
/// 1–3, still reserved (RFC 9293 §3.1), are cleared.
@Suite struct TCPAccurateECNTests {
    /// An ACK segment from 10.1.0.2:40000 to 10.2.0.2:443 with the low nibble of byte 12 given.
    static func segment(lowNibble: UInt8) -> [UInt8] {
        let segment = ProtoBytes.hex("""
            9c40 01bb   # ports 40000 → 443
            00000001    # sequence
            00000002    # acknowledgment
            50          # data offset 5, low nibble patched below
            50          # flags ACK (0x10) | ECE (0x40)
            faf0        # window 64240
            0000        # checksum, computed below
            0000        # urgent pointer
            """)
        var bytes = segment
        bytes[12] |= lowNibble
        // RFC 9293 §3.1 pseudo-header: source, destination, zero, protocol 6, TCP length.
        let pseudo: [UInt8] = [10, 1, 0, 2, 10, 2, 0, 2, 0, 6, 0, UInt8(bytes.count)]
        ProtoBytes.put(ProtoBytes.checksum(pseudo + bytes), at: 16, in: &bytes)
        return ProtoBytes.ipv4(proto: 6, payload: bytes)
    }

    @Test func aeAloneIsKeptAndNothingIsRebuilt() throws {
        let bytes = Self.segment(lowNibble: 0x01)
        #expect(bytes[32] == 0x51)
        let datagram = try ProtoBytes.decode(bytes).get()
        guard case .tcp(let tcp) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(tcp.flags == [.ack, .ece, .ae])
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func onlyTheThreeReservedBitsAreCleared() throws {
        let bytes = Self.segment(lowNibble: 0x0F)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations == .tcpReservedBits)
        let rebuilt = IPv4FragmentTests.emit(datagram, from: bytes)
        #expect(rebuilt == Self.segment(lowNibble: 0x01))
        #expect(rebuilt[32] == 0x51)
    }

    @Test(arguments: [UInt8(0x02), 0x04, 0x08])
    func eachReservedBitIsCleared(bit: UInt8) throws {
        let datagram = try ProtoBytes.decode(Self.segment(lowNibble: bit)).get()
        #expect(datagram.normalizations == .tcpReservedBits)
        #expect(IPv4FragmentTests.emit(datagram, from: Self.segment(lowNibble: bit)) == Self.segment(lowNibble: 0))
    }

    @Test func description() {
        #expect(TCP.Flags([.ack, .ae]).description == "Ae")
        #expect(TCP.Flags([.ack, .ae, .reserved]).description == "Ae reserved 0xe")
    }
}
