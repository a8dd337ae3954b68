import Testing
@testable import Wire
import TestSupport

/// GRE (RFC 2784, RFC 2890), IP-in-IP (RFC 2003) and IPv6-in-IPv4 (RFC 4213) with exact bytes.
/// The outer IPv4 header is 20 bytes, so GRE (or the inner packet of IP-in-IP) starts at 20.
@Suite struct TunnelTests {
    /// An ICMP echo request 10.8.0.1 → 10.8.0.2, id 0x1234 seq 1, 4 bytes of data.
    static let innerEcho = ProtoBytes.ipv4(
        proto: 1, payload: ProtoBytes.withChecksum(ProtoBytes.hex("08 00 0000 1234 0001 61626364"), at: 2),
        source: [10, 8, 0, 1], destination: [10, 8, 0, 2])

    /// A UDP datagram 10.8.0.1:5000 → 10.8.0.2:53 with 4 bytes of data and no checksum.
    static let innerUDP = ProtoBytes.ipv4(
        proto: 17, payload: ProtoBytes.hex("1388 0035 000c 0000 61626364"), source: [10, 8, 0, 1], destination: [10, 8, 0, 2])

    /// `inner` behind a GRE header with `flags` (and the optional words they announce: the
    /// checksum is computed when C is set), inside an outer IPv4 header of protocol 47.
    static func gre(_ inner: [UInt8], flags: UInt16 = 0, type: UInt16 = 0x0800, key: UInt32 = 42, sequence: UInt32 = 7,
                    reserved1: UInt16 = 0) -> [UInt8] {
        var header = PacketBuilder.be16(flags) + PacketBuilder.be16(type)
        if flags & 0x8000 != 0 { header += [0, 0] + PacketBuilder.be16(reserved1) }
        if flags & 0x2000 != 0 { header += PacketBuilder.be32(key) }
        if flags & 0x1000 != 0 { header += PacketBuilder.be32(sequence) }
        var message = header + inner
        if flags & 0x8000 != 0 { message = ProtoBytes.withChecksum(message, at: 4) }
        return ProtoBytes.ipv4(proto: 47, payload: message, source: [192, 0, 2, 1], destination: [192, 0, 2, 2])
    }

    static func error(_ layer: DecodeError.Layer, _ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: layer, field: field, offset: offset, reason: reason)
    }

    @Test func plainGRECarryingIPv4DecodesAndRebuildsUnchanged() throws {
        let bytes = Self.gre(Self.innerEcho)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.transport == .gre(GRE.Header(protocolType: 0x0800)))
        #expect(datagram.payloadOffset == 24 && datagram.payloadLength == Self.innerEcho.count)
        #expect(datagram.inner == InnerPacket(
            proto: .icmp, source: .v4(IPv4Address(10, 8, 0, 1)), destination: .v4(IPv4Address(10, 8, 0, 2)),
            icmpType: 8, icmpCode: 0, hopLimit: 64, offset: 24, receivedLength: 32))
        #expect(datagram.normalizations.isEmpty && datagram.sourcePort == nil)
        #expect(datagram.description == "gre 192.0.2.1 -> 192.0.2.2 inner icmp 10.8.0.1 -> 10.8.0.2 type 8 code 0")
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func checksumKeyAndSequenceAreDecodedAndKept() throws {
        let bytes = Self.gre(Self.innerUDP, flags: 0xB000, key: 0xDEAD_BEEF, sequence: 9)
        #expect(Array(bytes[20..<36]) == ProtoBytes.hex("b000 0800") + [bytes[24], bytes[25]] + ProtoBytes.hex("0000 deadbeef 00000009"))
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.transport == .gre(GRE.Header(
            protocolType: 0x0800, hasChecksum: true, checksum: UInt16(bytes[24]) << 8 | UInt16(bytes[25]), key: 0xDEAD_BEEF,
            sequenceNumber: 9)))
        #expect(datagram.inner?.sourcePort == 5000 && datagram.inner?.destinationPort == 53 && datagram.inner?.offset == 36)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func badChecksumIsRefused() {
        var bytes = Self.gre(Self.innerEcho, flags: 0x8000)
        bytes[25] ^= 1
        #expect(ProtoBytes.error(bytes) == Self.error(.gre, .checksum, 24, .badChecksum))
        // The kernel marked the checksum not ready: not verified.
        #expect(ProtoBytes.error(bytes, context: PacketContext(checksumNotReady: true)) == nil)
    }

    @Test func versionOneIsRefused() {
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho, flags: 0x0001)) == Self.error(.gre, .version, 21, .badVersion))
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho, flags: 0x2001, type: 0x880B)) == Self.error(.gre, .version, 21, .badVersion))
    }

    @Test(arguments: [UInt16(0x4000), 0x0800, 0x0400, 0x4C00])
    func routingStrictRouteAndRecursionBitsAreRefused(bits: UInt16) {
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho, flags: bits)) == Self.error(.gre, .flags, 20, .badGREFlags))
    }

    @Test(arguments: [UInt16(0x6558), 0x880B, 0x8847, 0x0806, 0])
    func otherProtocolTypesAreRefused(type: UInt16) {
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho, type: type)) == Self.error(.gre, .protocol, 22, .unknownProtocol))
    }

    @Test func reservedBitsAndReserved1AreClearedAndTheChecksumRecomputed() throws {
        let bytes = Self.gre(Self.innerEcho, flags: 0x8200 | 0x0008, reserved1: 0xABCD)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations == .greReserved)
        let clean = Self.gre(Self.innerEcho, flags: 0x8000)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == clean)
    }

    @Test func everyStrictPrefixOfTheGREHeaderIsTruncated() {
        let full = Self.gre([], flags: 0xB000)
        for count in 20..<36 {
            var bytes = Array(full.prefix(count))
            ProtoBytes.put(UInt16(count), at: 2, in: &bytes)
            ProtoBytes.put(0, at: 10, in: &bytes)
            ProtoBytes.put(ProtoBytes.checksum(Array(bytes[0..<20])), at: 10, in: &bytes)
            #expect(ProtoBytes.error(bytes) == Self.error(.gre, .header, 20, .truncated), "\(count) bytes")
        }
    }

    @Test func innerErrorsAreLocatedInTheOuterDatagram() {
        var inner = Self.innerEcho
        inner[10] ^= 0xFF  // inner IPv4 header checksum
        #expect(ProtoBytes.error(Self.gre(inner)) == Self.error(.ipv4, .headerChecksum, 24 + 10, .badChecksum))
        #expect(ProtoBytes.error(Self.gre(Array(Self.innerEcho.prefix(10)))) == Self.error(.ipv4, .header, 24, .truncated))
        #expect(ProtoBytes.error(Self.gre([])) == Self.error(.ipv4, .header, 24, .truncated))
        // GRE says IPv4; the packet is IPv6.
        #expect(ProtoBytes.error(Self.gre(IPv6PacketBuilder.udpPacket())) == Self.error(.ipv4, .version, 24, .badVersion))
        // GRE says IPv6; the packet is IPv4.
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho, type: 0x86DD)) == Self.error(.ipv6, .header, 24, .truncated))
        #expect(ProtoBytes.error(Self.gre(Self.innerEcho + [UInt8](repeating: 0, count: 8), type: 0x86DD))
                == Self.error(.ipv6, .version, 24, .badVersion))
    }

    @Test func greCarryingIPv6() throws {
        let inner = IPv6PacketBuilder.udpPacket()
        let bytes = Self.gre(inner, type: 0x86DD)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.inner?.isIPv6 == true && datagram.inner?.proto == .udp && datagram.inner?.receivedLength == inner.count)
        #expect(datagram.inner?.source == IPAddress("fd00::1") && datagram.inner?.destination == IPAddress("fd00::2"))
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func ipInIPCarriesIPv4() throws {
        let bytes = ProtoBytes.ipv4(proto: 4, payload: Self.innerUDP)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.transport == .ipInIP && datagram.payloadOffset == 20)
        #expect(datagram.inner?.proto == .udp && datagram.inner?.source == .v4(IPv4Address(10, 8, 0, 1)))
        #expect(datagram.description == "ipip 10.1.0.2 -> 10.2.0.2 inner udp 10.8.0.1:5000 -> 10.8.0.2:53")
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        #expect(ProtoBytes.error(ProtoBytes.ipv4(proto: 4, payload: IPv6PacketBuilder.udpPacket()))
                == Self.error(.ipv4, .version, 20, .badVersion))
    }

    @Test func ipv6InIPv4CarriesIPv6() throws {
        let inner = IPv6PacketBuilder.icmpPacket(type: 128, body: Array("ping".utf8))
        let bytes = ProtoBytes.ipv4(proto: 41, payload: inner)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.transport == .ipInIP)
        #expect(datagram.inner?.proto == .icmpv6 && datagram.inner?.icmpType == 128 && datagram.inner?.isIPv6 == true)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        #expect(ProtoBytes.error(ProtoBytes.ipv4(proto: 41, payload: Self.innerEcho + [UInt8](repeating: 0, count: 8)))
                == Self.error(.ipv6, .version, 20, .badVersion))
    }

    @Test func twoTunnelsDeepDecodeAThirdIsRefused() throws {
        let two = ProtoBytes.ipv4(proto: 4, payload: Self.gre(Self.innerEcho))
        let datagram = try ProtoBytes.decode(two).get()
        #expect(datagram.inner?.proto == .gre && datagram.inner?.source == .v4(IPv4Address(192, 0, 2, 1)))
        #expect(IPv4FragmentTests.emit(datagram, from: two) == two)
        let three = ProtoBytes.ipv4(proto: 4, payload: ProtoBytes.ipv4(proto: 4, payload: ProtoBytes.ipv4(proto: 4, payload: Self.innerEcho)))
        #expect(ProtoBytes.error(three) == Self.error(.ipv4, .protocol, 40 + 9, .tunnelTooDeep))
        let greInGREInGRE = Self.gre(Array(Self.gre(Array(Self.gre(Self.innerEcho)))))
        #expect(ProtoBytes.error(greInGREInGRE) == Self.error(.ipv4, .protocol, 48 + 9, .tunnelTooDeep))
    }

    @Test func anInnerNormalizationRebuildsTheInnerPacketAndTheGREChecksum() throws {
        var inner = Self.innerEcho
        inner[6] |= 0x80  // the IPv4 reserved flag, cleared by the rebuild
        inner[10] = 0; inner[11] = 0
        ProtoBytes.put(ProtoBytes.checksum(Array(inner[0..<20])), at: 10, in: &inner)
        let bytes = Self.gre(inner, flags: 0x8000)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations == .ipv4ReservedFlag && datagram.inner?.normalizations == .ipv4ReservedFlag)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == Self.gre(Self.innerEcho, flags: 0x8000))
    }

    @Test func anInnerTCPUnknownOptionIsRemovedInsideTheTunnel() throws {
        // Unknown TCP option kind 99 (4 bytes) is removed by the inner rebuild.
        let tcp = PacketBuilder.tcpDatagram(options: [99, 4, 0, 0])
        let bytes = ProtoBytes.ipv4(proto: 4, payload: tcp)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations.contains(.tcpUnknownOptions))
        #expect(datagram.encodedLength == datagram.ipv4.encodedLength + (datagram.inner?.encodedLength ?? -1))
        let rebuilt = IPv4FragmentTests.emit(datagram, from: bytes)
        #expect(Array(bytes[60..<64]) == [99, 4, 0, 0] && Array(rebuilt[60..<64]) != [99, 4, 0, 0])
        let again = try ProtoBytes.decode(rebuilt).get()
        #expect(again.normalizations.isEmpty && again.inner?.proto == .tcp && again.inner?.destinationPort == 443)
    }

    @Test func aFirstFragmentOfATunnelIsRefusedALaterOnePasses() {
        let options = DecodeOptions(allowFragments: true)
        let first = ProtoBytes.ipv4(proto: 47, payload: Array(Self.gre(Self.innerUDP, flags: 0x2000)[20...]), flags: 0x2000)
        #expect(ProtoBytes.error(first, options: options) == Self.error(.ipv4, .flags, 6, .fragment))
        let later = ProtoBytes.ipv4(proto: 47, payload: Array(repeating: 0, count: 16), flags: 0x0002)
        #expect(ProtoBytes.error(later, options: options) == nil)
    }

    /// Found by the Datagram fuzz target: a not-ready checksum, reserved1 set, and an inner ICMP
    /// checksum that was never verified. Emitted with `.compute`, the inner checksum is completed
    /// too, so what the engine sends decodes, and re-emits to itself.
    @Test func aNotReadyChecksumIsCompletedInsideTheTunnel() throws {
        let packet = ProtoBytes.hex("""
            45000044 00014000 402fb686 c0000201 c0000202   # outer IPv4, GRE
            b0000800 47ce0800 0000002a 00000007            # C K S, checksum, reserved1 0x0800, key, seq
            45000020 00014000 400126ca 0a080001 0a080002   # inner IPv4, ICMP
            080006fa 12320001 70696e67                     # echo request, checksum not valid
            """)
        let datagram = try ProtoBytes.decode(packet, context: PacketContext(checksumNotReady: true)).get()
        #expect(datagram.normalizations == .greReserved)
        let sent = PacketBuilder.emit(datagram, from: packet, mode: .compute)
        let again = try ProtoBytes.decode(sent).get()
        #expect(again.normalizations.isEmpty)
        #expect(PacketBuilder.emit(again, from: sent, mode: .keepReceived) == sent)
        #expect(PacketBuilder.emit(again, from: sent, mode: .compute) == sent)
    }

    @Test func constructGREHeaderAndRoundTrip() throws {
        let header = GRE.Header(protocolType: 0x86DD, hasChecksum: true, checksum: 0x1234, key: 1, sequenceNumber: 2)
        var out = [UInt8](repeating: 0xAA, count: 17)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("b000 86dd 1234 0000 00000001 00000002 aa"))
        var normalizations = Normalizations()
        let view = try GRE.View(validating: out.span.bytes)
        #expect(view.headerLength == 16)
        #expect(try GRE.Header(parsing: view, verifyingChecksum: false, normalizations: &normalizations) == header)
        #expect(header.description == "GRE ipv6 key 0x1 seq 2 csum")
    }
}
