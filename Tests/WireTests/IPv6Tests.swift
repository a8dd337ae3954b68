import Testing
@testable import Wire
import TestSupport

@Suite struct IPv6Tests {
    /// TCP SYN [fd00::1]:40000 → [fd00::2]:22 with MSS 1460, checksum from Python's struct + RFC 1071.
    static let goldenTCP = PacketBuilder.hex("""
        60012345                          version 6, traffic class 0, flow label 0x12345
        0018                              payload length 24
        06                                next header TCP
        40                                hop limit 64
        fd000000000000000000000000000001  source fd00::1
        fd000000000000000000000000000002  destination fd00::2
        9c40 0016 00000001 00000000       ports 40000 > 22, seq 1, ack 0
        60 02 faf0 06da 0000              data offset 6, SYN, window 64240, checksum, urgent 0
        020405b4                          MSS 1460
        """.split(separator: "\n").map { String($0.prefix(34)) }.joined())
    /// UDP [fd00::1]:5353 → [fd00::2]:53, "abcd".
    static let goldenUDP = PacketBuilder.hex("60000000000c1140fd000000000000000000000000000001fd000000000000000000000000000002"
                                             + "14e90035000c2bed61626364")
    /// ICMPv6 echo request fd00::1 → fd00::2, id 7 seq 1, "ping".
    static let goldenICMP = PacketBuilder.hex("60000000000c3a40fd000000000000000000000000000001fd000000000000000000000000000002"
                                              + "8000a6db0007000170696e67")

    static let goldenHeader = IPv6.Header(
        trafficClass: 0, flowLabel: 0x12345, payloadLength: 24, nextHeader: .tcp, hopLimit: 64,
        source: IPv6Address("fd00::1")!, destination: IPv6Address("fd00::2")!)

    @Test func deconstruct() throws {
        let view = try IPv6.View(validating: Self.goldenTCP.span.bytes)
        #expect(view.version == 6 && view.trafficClass == 0 && view.flowLabel == 0x12345)
        #expect(view.payloadLength == 24 && view.nextHeader == .tcp && view.hopLimit == 64)
        #expect(view.source == IPv6Address("fd00::1") && view.destination == IPv6Address("fd00::2"))
        #expect(view.payload.byteCount == 24)
        #expect(try IPv6.Header(parsing: view) == Self.goldenHeader)
    }

    @Test func construct() {
        let bytes = PacketBuilder.emitHeader(length: 40) { Self.goldenHeader.emit(into: &$0) }
        #expect(bytes == Array(Self.goldenTCP.prefix(40)))
    }

    @Test func trafficClassAndFlowLabelAreKept() throws {
        var bytes = Self.goldenTCP
        bytes[0] = 0x6B; bytes[1] = 0x8F  // traffic class 0xB8 (DSCP 46, EF), flow label 0xF2345
        let datagram = try IPv6PacketBuilder.parse(bytes)
        #expect(datagram.ipv6.trafficClass == 0xB8 && datagram.ipv6.flowLabel == 0xF2345)
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv6PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    static let rejections: [RejectionCase] = {
        func with(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = goldenTCP
            change(&bytes)
            return bytes
        }
        let mapped = PacketBuilder.hex("00000000000000000000ffff0a000001")  // ::ffff:10.0.0.1
        return [
            RejectionCase(name: "shorter than 40", bytes: Array(goldenTCP.prefix(39)),
                          expected: DecodeError(layer: .ipv6, field: .header, offset: 0, reason: .truncated)),
            RejectionCase(name: "payload length above the bytes", bytes: with { $0[5] = 25 },
                          expected: DecodeError(layer: .ipv6, field: .payloadLength, offset: 4, reason: .truncated)),
            RejectionCase(name: "payload length below the bytes", bytes: with { $0[5] = 23 },
                          expected: DecodeError(layer: .ipv6, field: .payloadLength, offset: 4, reason: .trailingBytes)),
            RejectionCase(name: "payload length 0 with data (RFC 2675)", bytes: with { $0[5] = 0 },
                          expected: DecodeError(layer: .ipv6, field: .payloadLength, offset: 4, reason: .jumbogram)),
            RejectionCase(name: "hop limit 0", bytes: with { $0[7] = 0 },
                          expected: DecodeError(layer: .ipv6, field: .hopLimit, offset: 7, reason: .hopLimitZero)),
            RejectionCase(name: "multicast source", bytes: with { $0[8] = 0xFF; $0[9] = 0x02 },
                          expected: DecodeError(layer: .ipv6, field: .sourceAddress, offset: 8, reason: .multicastSource)),
            RejectionCase(name: "IPv4-mapped source", bytes: with { $0.replaceSubrange(8..<24, with: mapped) },
                          expected: DecodeError(layer: .ipv6, field: .sourceAddress, offset: 8, reason: .ipv4MappedAddress)),
            RejectionCase(name: "unspecified destination", bytes: with { $0.replaceSubrange(24..<40, with: IPv6PacketBuilder.unspecified) },
                          expected: DecodeError(layer: .ipv6, field: .destinationAddress, offset: 24, reason: .unspecifiedDestination)),
            RejectionCase(name: "IPv4-mapped destination", bytes: with { $0.replaceSubrange(24..<40, with: mapped) },
                          expected: DecodeError(layer: .ipv6, field: .destinationAddress, offset: 24, reason: .ipv4MappedAddress)),
            RejectionCase(name: "longer than the input MTU, not GSO", bytes: goldenTCP, context: PacketContext(inputMTU: 63),
                          expected: DecodeError(layer: .ipv6, field: .payloadLength, offset: 4, reason: .exceedsMTU)),
        ]
    }()

    @Test(arguments: rejections) func rejects(_ testCase: RejectionCase) {
        #expect(IPv6PacketBuilder.error(testCase.bytes, context: testCase.context, options: testCase.options) == testCase.expected)
    }

    @Test func versionIsCheckedByTheView() {
        var bytes = Self.goldenTCP
        bytes[0] = 0x40
        #expect(throws: DecodeError(layer: .ipv6, field: .version, offset: 0, reason: .badVersion)) {
            _ = try IPv6.View(validating: bytes.span.bytes)
        }
    }

    @Test func gsoPacketAboveTheMTUPasses() throws {
        _ = try IPv6PacketBuilder.parse(Self.goldenTCP, context: PacketContext(isGSO: true, inputMTU: 63))
    }

    @Test func unspecifiedSourceIsLeftToTheRules() throws {
        var bytes = IPv6PacketBuilder.udpPacket()
        bytes.replaceSubrange(8..<24, with: IPv6PacketBuilder.unspecified)
        bytes.replaceSubrange(40..<48, with: IPv6PacketBuilder.udp(source: IPv6PacketBuilder.unspecified).prefix(8))
        _ = try IPv6PacketBuilder.parse(bytes)
    }

    @Test func description() {
        #expect(Self.goldenHeader.description == "IPv6 fd00::1 > fd00::2 next 6 hlim 64 plen 24 flow 74565")
    }
}
