import Testing
@testable import Wire
import TestSupport

@Suite struct DatagramTests {
    /// TCP SYN 10.1.0.2:40000 → 10.2.0.2:443 with MSS, SACK-permitted, NOP NOP (fields in IPv4Tests, TCPTests).
    static let goldenTCP = PacketBuilder.hex("""
        450000301c46400040060a7c0a0100020a020002
        9c4001bb00000001000000007002faf0d62b0000020405b404020101
        """)
    /// UDP 10.0.0.1:5353 → 10.0.0.53:53, payload "abcd" (fields in UDPTests).
    static let goldenUDP = PacketBuilder.hex("""
        4500002000014000401126970a0000010a000035
        14e90035000c11bc61626364
        """)
    /// ICMP echo request 192.168.7.10 → 10.2.0.2, id 7 seq 1, payload "ping" (fields in ICMPTests).
    static let goldenICMP = PacketBuilder.hex("""
        45000020beef40004001aa37c0a8070a0a020002
        080019270007000170696e67
        """)

    static let canonical: [[UInt8]] = [
        goldenTCP, goldenUDP, goldenICMP,
        PacketBuilder.tcpDatagram(),
        PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0]),
        PacketBuilder.tcpDatagram(options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2],
                                  payload: Array("GET / HTTP/1.0\r\n\r\n".utf8), flags: 0x18),
        PacketBuilder.tcpDatagram(payload: [1], flags: 0x11),
        PacketBuilder.udpDatagram(payload: []),
        PacketBuilder.udpDatagram(payload: [1, 2, 3]),
        PacketBuilder.udpDatagram(withChecksum: false),
        PacketBuilder.icmpDatagram(payload: []),
        PacketBuilder.icmpDatagram(type: 0, payload: [0xFF]),
        PacketBuilder.icmpDatagram(type: 3, code: 3, payload: Array(PacketBuilder.udpDatagram().prefix(28))),
    ]

    @Test func deconstructTCP() throws {
        let datagram = try PacketBuilder.parse(Self.goldenTCP)
        #expect(datagram.ipv4 == IPv4Tests.goldenHeader)
        #expect(datagram.transport == .tcp(TCPTests.goldenHeader))
        #expect(datagram.payloadOffset == 48 && datagram.payloadLength == 0)
        #expect(datagram.sourcePort == 40000 && datagram.destinationPort == 443)
        #expect(datagram.icmpType == nil && datagram.icmpCode == nil)
        #expect(datagram.encodedLength == 48)
        #expect(datagram.description == "tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S")
    }

    @Test func deconstructUDP() throws {
        let datagram = try PacketBuilder.parse(Self.goldenUDP)
        #expect(datagram.ipv4.source == IPv4Address(10, 0, 0, 1))
        #expect(datagram.ipv4.destination == IPv4Address(10, 0, 0, 53))
        #expect(datagram.ipv4.proto == .udp && datagram.ipv4.ttl == 64 && datagram.ipv4.totalLength == 32)
        #expect(datagram.transport == .udp(UDPTests.goldenHeader))
        #expect(datagram.payloadOffset == 28 && datagram.payloadLength == 4)
        #expect(datagram.sourcePort == 5353 && datagram.destinationPort == 53)
        #expect(datagram.description == "udp 10.0.0.1:5353 -> 10.0.0.53:53")
    }

    @Test func deconstructICMP() throws {
        let datagram = try PacketBuilder.parse(Self.goldenICMP)
        #expect(datagram.ipv4.source == IPv4Address(192, 168, 7, 10))
        #expect(datagram.ipv4.identification == 0xBEEF)
        #expect(datagram.transport == .icmp(ICMPTests.goldenHeader))
        #expect(datagram.payloadOffset == 28 && datagram.payloadLength == 4)
        #expect(datagram.sourcePort == nil && datagram.destinationPort == nil)
        #expect(datagram.icmpType == 8 && datagram.icmpCode == 0)
        #expect(datagram.description == "icmp 192.168.7.10 -> 10.2.0.2 type echo-request code 0")
    }

    /// Fields → bytes: a datagram built by hand emits the golden bytes, checksums included.
    @Test func construct() {
        var ipv4 = IPv4Tests.goldenHeader
        ipv4.headerChecksum = 0
        ipv4.totalLength = 0  // emit writes the encoded length
        var tcp = TCPTests.goldenHeader
        tcp.checksum = 0
        let datagram = Datagram(ipv4: ipv4, transport: .tcp(tcp), payloadOffset: 48, payloadLength: 0)
        #expect(PacketBuilder.emit(datagram, from: Self.goldenTCP) == Self.goldenTCP)
    }

    @Test(arguments: canonical)
    func emitOfParseIsIdentity(bytes: [UInt8]) throws {
        let datagram = try PacketBuilder.parse(bytes)
        #expect(datagram.encodedLength == bytes.count)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .compute) == bytes)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .keepReceived) == bytes)
    }

    @Test(arguments: canonical)
    func parseOfEmitIsIdentity(bytes: [UInt8]) throws {
        let datagram = try PacketBuilder.parse(bytes)
        let emitted = PacketBuilder.emit(datagram, from: bytes)
        #expect(try PacketBuilder.parse(emitted) == datagram)
    }

    @Test(arguments: canonical)
    func everyStrictPrefixThrows(bytes: [UInt8]) {
        for length in 0..<bytes.count {
            #expect(PacketBuilder.error(Array(bytes.prefix(length))) != nil, "prefix of \(length) bytes was accepted")
        }
    }

    /// Every single-byte change of a valid datagram either throws or decodes to something that
    /// round-trips; none traps. (A small deterministic fuzz; libFuzzer targets go further.)
    @Test(arguments: [goldenTCP, goldenUDP, goldenICMP])
    func everySingleByteMutationIsSafe(bytes: [UInt8]) throws {
        for index in bytes.indices {
            for value in 0...255 where value != bytes[index] {
                var mutated = bytes
                mutated[index] = UInt8(value)
                for context in [PacketContext(), PacketContext(checksumNotReady: true)] {
                    guard let datagram = try? PacketBuilder.parse(mutated, context: context) else { continue }
                    let emitted = PacketBuilder.emit(datagram, from: mutated)
                    #expect(try PacketBuilder.parse(emitted) == datagram || context.checksumNotReady)
                }
            }
        }
    }

    /// With CSUMNOTREADY the kernel leaves a partial (pseudo-header) sum in the field;
    /// `.keepReceived` must write it back untouched, `.compute` must produce the real one.
    @Test func keepReceivedPreservesPartialChecksum() throws {
        let valid = PacketBuilder.tcpDatagram(payload: Array("hello".utf8))
        var partial = valid
        partial[36] = 0x12; partial[37] = 0x34
        let datagram = try PacketBuilder.parse(partial, context: PacketContext(checksumNotReady: true))
        #expect(PacketBuilder.emit(datagram, from: partial, mode: .keepReceived) == partial)
        #expect(PacketBuilder.emit(datagram, from: partial, mode: .compute) == valid)
    }

    @Test func emitRecomputesAfterFieldChanges() throws {
        let bytes = PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4], payload: [9, 8, 7], flags: 0x02)
        var datagram = try PacketBuilder.parse(bytes)
        datagram.ipv4.ttl = 1
        guard case .tcp(var tcp) = datagram.transport else { Issue.record("not TCP"); return }
        tcp.options.removeAll()
        tcp.headerLength = 20
        tcp.urgentPointer = 0
        datagram.transport = .tcp(tcp)
        #expect(datagram.encodedLength == bytes.count - 4)
        let emitted = PacketBuilder.emit(datagram, from: bytes)
        let reparsed = try PacketBuilder.parse(emitted)
        #expect(reparsed.ipv4.ttl == 1)
        #expect(reparsed.ipv4.totalLength == UInt16(bytes.count - 4))
        #expect(reparsed.payloadLength == 3)
        #expect(Array(emitted.suffix(3)) == [9, 8, 7])
    }

    @Test func emitIntoLargerBufferLeavesTheRestAlone() throws {
        let bytes = Self.goldenUDP
        let datagram = try PacketBuilder.parse(bytes)
        var out = [UInt8](repeating: 0xAA, count: bytes.count + 10)
        do {
            var span = out.mutableSpan
            var raw = span.mutableBytes
            datagram.emit(payloadFrom: bytes.span.bytes, into: &raw, transportChecksum: .compute)
        }
        #expect(Array(out.prefix(bytes.count)) == bytes)
        #expect(out.suffix(10).allSatisfy { $0 == 0xAA })
    }

    @Test func layersAreCheckedInOrder() {
        // A bad IP checksum is reported even when the transport is broken too.
        var bytes = Self.goldenTCP
        bytes[8] = 1
        bytes[40] = 0xFF
        #expect(PacketBuilder.error(bytes)?.field == .headerChecksum)
    }
}

@Suite struct FragmentTests {
    static let allow = DecodeOptions(allowFragments: true)

    /// The first `count` bytes of a whole TCP segment (flags ACK, 40 payload bytes), as a first
    /// fragment: MF set, offset 0, no DF.
    static func firstFragment(reservedBits: UInt8 = 0, count: Int = 32) -> (fragment: [UInt8], whole: [UInt8]) {
        let segment = PacketBuilder.tcp(flags: 0x10, reservedBits: reservedBits, payload: (0..<40).map { UInt8($0) })
        let fragment = PacketBuilder.ipv4(proto: 6, payload: Array(segment.prefix(count)), flagsAndFragment: 0x2000)
        return (fragment, segment)
    }

    @Test func fragmentsAreRefusedByDefault() {
        let expected = DecodeError(layer: .ipv4, field: .fragmentOffset, offset: 6, reason: .fragment)
        #expect(PacketBuilder.error(Self.firstFragment().fragment) == expected)
        let later = PacketBuilder.ipv4(proto: 6, payload: [1, 2, 3, 4, 5, 6, 7, 8], flagsAndFragment: 0x0003)
        #expect(PacketBuilder.error(later) == expected)
    }

    @Test func firstFragmentIsJudgedByItsPortsAndPassesUnchanged() throws {
        let bytes = Self.firstFragment().fragment
        let datagram = try PacketBuilder.parse(bytes, options: Self.allow)
        #expect(datagram.destinationPort == 443)
        #expect(datagram.normalizations.isEmpty)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .compute) == bytes)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .keepReceived) == bytes)
    }

    /// A normalized first fragment keeps its length, and its checksum is updated so that the
    /// reassembled segment verifies (RFC 1624).
    @Test func normalizedFirstFragmentChecksumCoversTheWholeSegment() throws {
        let (bytes, whole) = Self.firstFragment(reservedBits: 0x0E)
        let datagram = try PacketBuilder.parse(bytes, options: Self.allow)
        #expect(datagram.normalizations == .tcpReservedBits)
        let emitted = PacketBuilder.emit(datagram, from: bytes)
        #expect(emitted.count == bytes.count)
        let expected = PacketBuilder.tcp(flags: 0x10, payload: (0..<40).map { UInt8($0) })
        #expect(Array(emitted[20...]) == Array(expected.prefix(32)))
        #expect(whole != expected)
    }

    @Test func tinyFirstFragmentIsTruncated() {
        let (bytes, _) = Self.firstFragment(count: 16)
        #expect(PacketBuilder.error(bytes, options: Self.allow) == DecodeError(layer: .tcp, field: .header, offset: 20, reason: .truncated))
    }

    @Test func firstUDPFragmentLengthCoversMoreThanIsPresent() throws {
        let udp = PacketBuilder.udp(payload: Array(repeating: 7, count: 100))
        let bytes = PacketBuilder.ipv4(proto: 17, payload: Array(udp.prefix(48)), flagsAndFragment: 0x2000)
        let datagram = try PacketBuilder.parse(bytes, options: Self.allow)
        #expect(datagram.destinationPort == 53)
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    @Test func laterFragmentHasNoTransportHeader() throws {
        let bytes = PacketBuilder.ipv4(proto: 17, payload: [1, 2, 3, 4, 5, 6, 7, 8], flagsAndFragment: 0xA003)  // reserved|MF, offset 24
        let datagram = try PacketBuilder.parse(bytes, options: Self.allow)
        #expect(datagram.transport == .fragment)
        #expect(datagram.sourcePort == nil && datagram.destinationPort == nil && datagram.icmpType == nil)
        #expect(datagram.payloadOffset == 20 && datagram.payloadLength == 8)
        #expect(datagram.normalizations == .ipv4ReservedFlag)
        #expect(datagram.description == "udp 10.1.0.2 -> 10.2.0.2 fragment offset 24")
        let expected = PacketBuilder.ipv4(proto: 17, payload: [1, 2, 3, 4, 5, 6, 7, 8], flagsAndFragment: 0x2003)
        #expect(PacketBuilder.emit(datagram, from: bytes) == expected)
    }

    @Test func tcpFragmentAtOffsetOneIsRefusedEvenWhenAllowed() {
        let bytes = PacketBuilder.ipv4(proto: 6, payload: Array(repeating: 0, count: 16), flagsAndFragment: 0x0001)
        #expect(PacketBuilder.error(bytes, options: Self.allow) == DecodeError(layer: .ipv4, field: .fragmentOffset, offset: 6, reason: .fragment))
    }

    @Test func laterFragmentOfUnknownProtocolIsStillRefused() {
        let bytes = PacketBuilder.ipv4(proto: 253, payload: Array(repeating: 0, count: 16), flagsAndFragment: 0x0002)
        #expect(PacketBuilder.error(bytes, options: Self.allow)?.reason == .unknownProtocol)
    }
}

/// The input MTU: a packet longer than it passes only as a GSO packet (NFQA_SKB_GSO).
@Suite struct DatagramMTUTests {
    /// A valid UDP datagram of `total` bytes (checksum 0: legal in IPv4), built by hand.
    static func udp(total: Int) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: total)
        // IPv4: version 4, IHL 5; total length; TTL 64; protocol 17; 10.0.0.1 -> 10.0.0.2
        packet[0] = 0x45
        packet[2] = UInt8(total >> 8)
        packet[3] = UInt8(total & 0xFF)
        packet[8] = 64
        packet[9] = 17
        packet[12...15] = [10, 0, 0, 1]
        packet[16...19] = [10, 0, 0, 2]
        var sum: UInt32 = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += UInt32(packet[index]) << 8 | UInt32(packet[index + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        packet[10] = UInt8(checksum >> 8)
        packet[11] = UInt8(checksum & 0xFF)
        // UDP: ports 40000 -> 53, length total - 20, checksum 0
        packet[20] = 0x9C; packet[21] = 0x40; packet[23] = 53
        packet[24] = UInt8((total - 20) >> 8)
        packet[25] = UInt8((total - 20) & 0xFF)
        return packet
    }

    @Test func longerThanTheInputMTUWithoutGSOIsRefused() {
        let packet = Self.udp(total: 1600)
        #expect(throws: DecodeError(layer: .ipv4, field: .totalLength, offset: 2, reason: .exceedsMTU)) {
            _ = try Datagram(parsing: packet.span.bytes, context: PacketContext(inputMTU: 1500))
        }
    }

    @Test(arguments: [
        PacketContext(isGSO: true, inputMTU: 1500),   // the kernel says it is one GSO packet
        PacketContext(inputMTU: 1600),                // exactly the MTU
        PacketContext(),                              // no input interface: no check
    ])
    func acceptedOtherwise(context: PacketContext) throws {
        let packet = Self.udp(total: 1600)
        _ = try Datagram(parsing: packet.span.bytes, context: context)
    }
}
