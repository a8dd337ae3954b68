import Testing
@testable import Wire
import TestSupport

/// Generated canonical datagrams inside GRE (with random optional fields) or IP-in-IP: the
/// tunnel decodes, its inner summary is what decoding the inner datagram alone gives, it
/// re-emits to itself in both checksum modes, and flipped bytes rebuild to canonical tunnels.
@Suite struct TunnelPropertyTests {
    static let iterations = 1000

    /// A canonical inner datagram wrapped in a tunnel chosen by the generator.
    static func tunnel(_ generator: inout DatagramGenerator) -> (packet: [UInt8], inner: [UInt8], innerOffset: Int) {
        let (datagram, original) = generator.datagram()
        let inner = PacketBuilder.emit(datagram, from: original)
        guard generator.chance(60) else { return (ProtoBytes.ipv4(proto: 4, payload: inner), inner, 20) }
        var flags: UInt16 = 0
        var header: [UInt8] = []
        if generator.chance(50) { flags |= 0x8000; header += [0, 0, 0, 0] }
        if generator.chance(50) { flags |= 0x2000; header += generator.bytes(4) }
        if generator.chance(50) { flags |= 0x1000; header += generator.bytes(4) }
        var gre = PacketBuilder.be16(flags) + [0x08, 0x00] + header + inner
        if flags & 0x8000 != 0 { gre = ProtoBytes.withChecksum(gre, at: 4) }
        return (ProtoBytes.ipv4(proto: 47, payload: gre), inner, 24 + header.count)
    }

    @Test func canonicalTunnelsDecodeSummarizeAndReEmitToThemselves() throws {
        var generator = DatagramGenerator(random: SplitMix(state: 0x7E_4E1))
        for iteration in 0..<Self.iterations {
            let (packet, inner, offset) = Self.tunnel(&generator)
            let datagram = try ProtoBytes.decode(packet, options: DatagramPropertyTests.everything).get()
            let alone = try PacketBuilder.parse(inner, options: DatagramPropertyTests.everything)
            let expected = InnerPacket(.ipv4(alone), offset: offset, receivedLength: inner.count)
            #expect(datagram.inner == expected, "iteration \(iteration)")
            #expect(datagram.normalizations.isEmpty, "iteration \(iteration)")
            #expect(PacketBuilder.emit(datagram, from: packet) == packet, "iteration \(iteration)")
            #expect(PacketBuilder.emit(datagram, from: packet, mode: .keepReceived) == packet, "iteration \(iteration)")
        }
    }

    @Test func mutatedTunnelsRebuildToCanonicalOnes() throws {
        var generator = DatagramGenerator(random: SplitMix(state: 0xF11_B5))
        var decoded = 0
        for iteration in 0..<(Self.iterations * 5) {
            var (bytes, _, _) = Self.tunnel(&generator)
            for _ in 0..<Int.random(in: 1...3, using: &generator.random) {
                let index = Int.random(in: 0..<bytes.count, using: &generator.random)
                bytes[index] ^= UInt8.random(in: 1...255, using: &generator.random)
            }
            guard case .success(let parsed) = ProtoBytes.decode(bytes, options: DatagramPropertyTests.everything) else { continue }
            decoded += 1
            let rebuilt = PacketBuilder.emit(parsed, from: bytes)
            #expect(parsed.normalizations.isEmpty == (rebuilt == bytes), "iteration \(iteration)")
            let again = try ProtoBytes.decode(rebuilt, options: DatagramPropertyTests.everything).get()
            #expect(again.normalizations.isEmpty, "iteration \(iteration)")
            #expect(PacketBuilder.emit(again, from: rebuilt) == rebuilt, "iteration \(iteration)")
        }
        // Checksums (outer, GRE, inner) catch most flips; the rest land in reserved bits, flags, TOS...
        #expect(decoded > 50)
    }
}
