import Testing
@testable import Wire
import TestSupport

@Suite struct UDPTests {
    /// The UDP part of the golden datagram 10.0.0.1 → 10.0.0.53, checksum verified with Python.
    static let golden = PacketBuilder.hex("""
        14e9      source port 5353
        0035      destination port 53
        000c      length 12
        11bc      checksum
        61626364  payload "abcd"
        """.split(separator: "\n").map { String($0.prefix(10)) }.joined())

    static let goldenHeader = UDP.Header(sourcePort: 5353, destinationPort: 53, length: 12, checksum: 0x11BC)

    static let pseudo = Checksum.pseudoHeaderSum(
        source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 53), proto: .udp, length: 12)

    @Test func deconstruct() throws {
        let bytes = Self.golden
        let view = try UDP.View(validating: bytes.span.bytes, at: 20)
        #expect(view.sourcePort == 5353)
        #expect(view.destinationPort == 53)
        #expect(view.length == 12)
        #expect(view.checksum == 0x11BC)
        #expect(view.payload.byteCount == 4)
        #expect(try UDP.Header(parsing: view, pseudoHeaderSum: Self.pseudo) == Self.goldenHeader)
    }

    @Test func construct() {
        let bytes = PacketBuilder.emitHeader(length: 8) { Self.goldenHeader.emit(into: &$0) }
        #expect(bytes == Array(Self.golden.prefix(8)))
    }

    @Test func roundTrip() throws {
        let header = UDP.Header(sourcePort: 1, destinationPort: 65535, length: 8, checksum: 0xABCD)
        let bytes = PacketBuilder.emitHeader(length: 8) { header.emit(into: &$0) }
        #expect(try UDP.Header(parsing: UDP.View(validating: bytes.span.bytes), pseudoHeaderSum: nil) == header)
    }

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .udp, field: field, offset: offset, reason: reason)
    }

    static func broken(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var segment = PacketBuilder.udp()
        change(&segment)
        return PacketBuilder.ipv4(proto: 17, payload: segment)
    }

    static let rejections: [RejectionCase] = [
        RejectionCase(name: "shorter than 8", bytes: PacketBuilder.ipv4(proto: 17, payload: Array(PacketBuilder.udp().prefix(7))),
                      expected: error(.header, 20, .truncated)),
        RejectionCase(name: "length 7", bytes: broken { $0[5] = 7 }, expected: error(.length, 24, .badLength)),
        RejectionCase(name: "length past the IP payload", bytes: broken { $0[5] = 13 }, expected: error(.length, 24, .truncated)),
        RejectionCase(name: "length short of the IP payload", bytes: broken { $0[5] = 11 },
                      expected: error(.length, 24, .trailingBytes)),
        RejectionCase(name: "bad checksum", bytes: broken { $0[8] = 0x41 }, expected: error(.checksum, 26, .badChecksum)),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, context: rejection.context) == rejection.expected)
    }

    @Test func zeroChecksumIsAcceptedAndKept() throws {
        let bytes = PacketBuilder.udpDatagram(withChecksum: false)
        let datagram = try PacketBuilder.parse(bytes)
        guard case .udp(let header) = datagram.transport else { Issue.record("not UDP"); return }
        #expect(header.checksum == 0)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .compute) == bytes)
        #expect(PacketBuilder.emit(datagram, from: bytes, mode: .keepReceived) == bytes)
    }

    /// RFC 768: a checksum that computes to 0 is transmitted as 0xFFFF.
    @Test func computedZeroIsSentAsAllOnes() throws {
        var segment = PacketBuilder.udp(payload: [0, 0])
        segment[6] = 0; segment[7] = 0
        let pseudo = PacketBuilder.pseudoHeader(source: PacketBuilder.client, destination: PacketBuilder.server, proto: 17, length: 10)
        // Choose the payload word so the data sums to 0xFFFF, making the checksum 0.
        let partial = ~PacketBuilder.checksum(pseudo + segment)
        PacketBuilder.put(0xFFFF - partial, at: 8, in: &segment)
        #expect(PacketBuilder.checksum(pseudo + segment) == 0)
        segment[6] = 0xFF; segment[7] = 0xFF
        let bytes = PacketBuilder.ipv4(proto: 17, payload: segment)
        let datagram = try PacketBuilder.parse(bytes)
        let emitted = PacketBuilder.emit(datagram, from: bytes)
        #expect(emitted[26] == 0xFF && emitted[27] == 0xFF)
        #expect(emitted == bytes)
    }

    @Test func checksumNotReadySkipsVerification() throws {
        let bytes = Self.broken { $0[6] = 0x12 }
        #expect(PacketBuilder.error(bytes)?.reason == .badChecksum)
        #expect(throws: Never.self) { try PacketBuilder.parse(bytes, context: PacketContext(checksumNotReady: true)) }
    }

    @Test func everyPrefixThrows() {
        let segment = PacketBuilder.udp()
        for length in 0..<segment.count {
            let prefix = Array(segment.prefix(length))
            #expect(throws: DecodeError.self) { _ = try UDP.View(validating: prefix.span.bytes) }
        }
    }

    @Test func description() {
        #expect(Self.goldenHeader.description == "UDP 5353 > 53 len 12")
        #expect(UDP.Header(sourcePort: 1, destinationPort: 2).description == "UDP 1 > 2 len 8 no-checksum")
    }
}
