import Testing
@testable import Wire
import TestSupport

@Suite struct IPv6DatagramTests {
    typealias B = IPv6PacketBuilder

    /// Valid packets of every kind this decoder accepts, with the allowances each needs.
    static let canonical: [([UInt8], DecodeOptions)] = [
        (IPv6Tests.goldenTCP, DecodeOptions()),
        (IPv6Tests.goldenUDP, DecodeOptions()),
        (IPv6Tests.goldenICMP, DecodeOptions()),
        (B.tcpPacket(flags: 0x18, payload: Array("GET / HTTP/1.0\r\n\r\n".utf8)), DecodeOptions()),
        (B.udpPacket(payload: []), DecodeOptions()),
        (B.udpPacket(headers: IPv6ExtensionsTests.hopByHop, first: 0), B.everything),
        (B.udpPacket(headers: B.fragmentHeader(next: 17), first: 44), DecodeOptions()),
        (B.udpPacket(headers: B.routingType2(next: 60) + IPv6ExtensionsTests.destination, first: 43), B.everything),
        (B.ipv6(next: 44, payload: B.fragmentHeader(next: 6, offset: 2) + Array(repeating: 9, count: 12)), B.everything),
        (ICMPv6Tests.neighborSolicitation, DecodeOptions()),
        (ICMPv6Tests.mldReport, ICMPv6Tests.withHopByHop),
        (B.icmpPacket(type: 1, code: 4, body: ICMPv6Tests.quoted), DecodeOptions()),
        (B.ipv6(next: 59, payload: []), DecodeOptions()),
    ]

    @Test func deconstructTCP() throws {
        let datagram = try B.parse(IPv6Tests.goldenTCP)
        #expect(datagram.ipv6 == IPv6Tests.goldenHeader)
        #expect(datagram.extensions == IPv6.ExtensionHeaders(upperLayer: .tcp))
        guard case .tcp(let tcp) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(tcp.sourcePort == 40000 && tcp.destinationPort == 22 && tcp.flags == .syn && tcp.checksum == 0x06DA)
        #expect(tcp.options == OptionBytes([2, 4, 5, 0xB4]))
        #expect(datagram.payloadOffset == 64 && datagram.payloadLength == 0 && datagram.encodedLength == 64)
        #expect(datagram.description == "tcp [fd00::1]:40000 -> [fd00::2]:22 flags S")
    }

    @Test func constructTCP() {
        let tcp = TCP.Header(sourcePort: 40000, destinationPort: 22, sequenceNumber: 1, flags: .syn, windowSize: 64240,
                             options: OptionBytes([2, 4, 5, 0xB4])!)
        var header = IPv6Tests.goldenHeader
        header.payloadLength = 0  // written from what is encoded
        let datagram = IPv6Datagram(ipv6: header, extensions: IPv6.ExtensionHeaders(upperLayer: .tcp), transport: .tcp(tcp),
                                    payloadOffset: 64, payloadLength: 0)
        #expect(B.emit(datagram, from: IPv6Tests.goldenTCP) == IPv6Tests.goldenTCP)
    }

    @Test func deconstructUDP() throws {
        let datagram = try B.parse(IPv6Tests.goldenUDP)
        #expect(datagram.transport == .udp(UDP.Header(sourcePort: 5353, destinationPort: 53, length: 12, checksum: 0x2BED)))
        #expect(datagram.sourcePort == 5353 && datagram.destinationPort == 53 && datagram.payloadLength == 4)
        #expect(datagram.description == "udp [fd00::1]:5353 -> [fd00::2]:53")
    }

    @Test(arguments: 0..<canonical.count) func canonicalPacketsRebuildToThemselves(_ index: Int) throws {
        let (bytes, options) = Self.canonical[index]
        let datagram = try B.parse(bytes, options: options)
        #expect(datagram.normalizations.isEmpty)
        #expect(B.emit(datagram, from: bytes) == bytes)
        #expect(try Self.family(bytes, options: options) == .ipv6(datagram))
    }

    @Test(arguments: 0..<canonical.count) func everyStrictPrefixThrows(_ index: Int) {
        let (bytes, options) = Self.canonical[index]
        for length in 0..<bytes.count {
            #expect(B.error(Array(bytes.prefix(length)), options: options) != nil, "prefix of \(length) bytes was accepted")
        }
    }

    static let rejections: [RejectionCase] = {
        var badTCP = IPv6Tests.goldenTCP
        badTCP[63] ^= 1
        var zero = IPv6Tests.goldenUDP
        zero[46] = 0; zero[47] = 0
        var badUDP = IPv6Tests.goldenUDP
        badUDP[51] ^= 1
        let illegal = B.tcpPacket(flags: 0x03)  // SYN+FIN
        return [
            RejectionCase(name: "TCP bad checksum", bytes: badTCP, expected: DecodeError(layer: .tcp, field: .checksum, offset: 56, reason: .badChecksum)),
            RejectionCase(name: "TCP illegal flags", bytes: illegal, expected: DecodeError(layer: .tcp, field: .flags, offset: 53, reason: .illegalFlags)),
            RejectionCase(name: "UDP checksum 0 (RFC 8200 §8.1)", bytes: zero,
                          expected: DecodeError(layer: .udp, field: .checksum, offset: 46, reason: .zeroChecksum)),
            RejectionCase(name: "UDP bad checksum", bytes: badUDP, expected: DecodeError(layer: .udp, field: .checksum, offset: 46, reason: .badChecksum)),
            RejectionCase(name: "UDP length below the payload", bytes: { var b = IPv6Tests.goldenUDP; b[45] = 11; return b }(),
                          expected: DecodeError(layer: .udp, field: .length, offset: 44, reason: .trailingBytes)),
        ]
    }()

    @Test(arguments: rejections) func rejects(_ testCase: RejectionCase) {
        #expect(B.error(testCase.bytes, context: testCase.context, options: testCase.options) == testCase.expected)
    }

    @Test func checksumNotReadyIsKept() throws {
        var bytes = IPv6Tests.goldenTCP
        bytes[56] = 0x12; bytes[57] = 0x34  // a partial sum, as the kernel leaves it
        let datagram = try B.parse(bytes, context: PacketContext(checksumNotReady: true))
        #expect(B.emit(datagram, from: bytes, mode: .keepReceived) == bytes)
        #expect(B.emit(datagram, from: bytes, mode: .compute) == IPv6Tests.goldenTCP)
    }

    @Test func tcpNormalizationsRecomputeTheChecksum() throws {
        var bytes = B.tcpPacket(flags: 0x10)
        bytes[52] |= 0x0E                  // reserved bits
        bytes[58] = 0x01; bytes[59] = 0x02 // urgent pointer without URG
        bytes = Array(bytes.prefix(40)) + B.checksummed(Array(bytes[40...]), next: 6, at: 16, source: B.client, destination: B.server)
        let datagram = try B.parse(bytes)
        #expect(datagram.normalizations == [.tcpReservedBits, .tcpUrgentPointer])
        let rebuilt = B.emit(datagram, from: bytes)
        #expect(rebuilt == B.tcpPacket(flags: 0x10))
    }

    @Test func firstFragmentTCPChecksumIsAdjusted() throws {
        var segment = B.tcp(flags: 0x10, payload: Array(repeating: 3, count: 36))
        segment[12] |= 0x0E  // reserved bits, then a valid checksum for the whole segment
        segment = B.checksummed(segment, next: 6, at: 16, source: B.client, destination: B.server)
        let first = B.ipv6(next: 44, payload: B.fragmentHeader(next: 6, more: true) + Array(segment.prefix(32)))
        let datagram = try B.parse(first, options: B.everything)
        #expect(datagram.normalizations == .tcpReservedBits)
        let rebuilt = B.emit(datagram, from: first)
        // Reassembled with the rest, the rebuilt first fragment verifies (RFC 1624).
        var whole = Array(rebuilt[48...]) + Array(segment[32...])
        #expect(whole[12] & 0x0F == 0)
        whole = B.checksummed(whole, next: 6, at: 16, source: B.client, destination: B.server)
        #expect(Array(rebuilt[48...]) == Array(whole.prefix(32)))
    }

    static func family(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> IPDatagram {
        try IPDatagram(parsing: bytes.span.bytes, options: options)
    }

    @Test func theFamilyIsChosenByTheVersionNibble() throws {
        let v4 = try Self.family(DatagramTests.goldenTCP)
        #expect(v4 == .ipv4(try PacketBuilder.parse(DatagramTests.goldenTCP)))
        // Anything else goes to the IPv4 decoder, which refuses it exactly as before.
        var v5 = DatagramTests.goldenTCP
        v5[0] = 0x55
        #expect(throws: DecodeError(layer: .ipv4, field: .version, offset: 0, reason: .badVersion)) {
            _ = try Self.family(v5)
        }
        #expect(throws: DecodeError(layer: .ipv4, field: .header, offset: 0, reason: .truncated)) {
            _ = try Self.family([])
        }
        // And the IPv4 decoder still refuses IPv6 as it always did.
        #expect(PacketBuilder.error(IPv6Tests.goldenTCP) == DecodeError(layer: .ipv4, field: .version, offset: 0, reason: .badVersion))
    }
}

@Suite struct IPv6FinalDestinationTests {
    typealias B = IPv6PacketBuilder

    /// RFC 8200 §8.1: behind a type 2 routing header, TCP and ICMPv6 checksums cover the home
    /// address, not the care-of address in the fixed header; the rebuild computes the same.
    @Test(arguments: [6, 58] as [UInt8]) func checksumCoversTheHomeAddress(_ next: UInt8) throws {
        let upper = next == 6 ? B.tcp(flags: 0x10, payload: [1, 2, 3]) : B.icmpv6(type: 128, rest: 0x0001_0002, body: [9])
        var bytes = B.ipv6(next: 43, payload: B.routingType2(next: next) + upper)
        bytes.replaceSubrange(24..<40, with: B.linkLocal2)
        let datagram = try B.parse(bytes, options: B.everything)
        #expect(datagram.extensions.finalDestination(datagram.ipv6.destination) == IPv6Address("fd00::2"))
        #expect(B.emit(datagram, from: bytes) == bytes)
        // Recomputed from scratch (checksum zeroed, `.compute`), the rebuild writes the same checksum.
        var zeroed = datagram
        switch zeroed.transport {
        case .tcp(var header): header.checksum = 0; zeroed.transport = .tcp(header)
        case .icmpv6(var header): header.checksum = 0; zeroed.transport = .icmpv6(header)
        default: Issue.record("unexpected transport")
        }
        #expect(B.emit(zeroed, from: bytes) == bytes)
        // A type 2 header always has one segment left (RFC 6275 §6.4), so its home address is final.
        var direct = bytes
        direct[43] = 0
        #expect(B.error(direct, options: B.everything)
                == DecodeError(layer: .ipv6Routing, field: .segmentsLeft, offset: 43, reason: .badRoutingHeader))
    }

    /// A valid checksum sent as 0xFFFF (one's complement negative zero) is rewritten as 0x0000.
    @Test func negativeZeroICMPv6ChecksumIsRewritten() throws {
        // Find an echo whose computed checksum is 0x0000 by choosing the identifier.
        let target = B.icmpv6(type: 128, rest: 0, body: [])
        let sum = UInt32(target[2]) << 8 | UInt32(target[3])
        // Adding `sum` to the identifier lowers the complement by `sum`, to 0 (mod 0xFFFF).
        let bytes = B.icmpPacket(type: 128, rest: sum << 16)
        #expect(bytes[42] == 0 && bytes[43] == 0)
        var negative = bytes
        negative[42] = 0xFF; negative[43] = 0xFF
        let datagram = try B.parse(negative)
        #expect(datagram.normalizations == .transportChecksum)
        #expect(B.emit(datagram, from: negative) == bytes)
    }
}
