import Testing
@testable import Wire

@Suite struct TCPTests {
    /// The TCP part of the golden SYN (10.1.0.2 → 10.2.0.2), checksum verified with Python.
    static let golden = PacketBuilder.hex("""
        9c40      source port 40000
        01bb      destination port 443
        00000001  sequence number 1
        00000000  acknowledgment number 0
        70        data offset 7 (28 bytes), reserved 0
        02        flags SYN
        faf0      window 64240
        d62b      checksum
        0000      urgent pointer
        020405b4  option MSS 1460
        0402      option SACK permitted
        0101      NOP, NOP
        """.split(separator: "\n").map { String($0.prefix(10)) }.joined())

    static var goldenHeader: TCP.Header {
        TCP.Header(
            sourcePort: 40000, destinationPort: 443, sequenceNumber: 1, acknowledgmentNumber: 0,
            flags: .syn, windowSize: 64240, checksum: 0xD62B, urgentPointer: 0,
            options: TCP.Options([2, 4, 5, 0xB4, 4, 2, 1, 1])!)
    }

    static let pseudo = Checksum.pseudoHeaderSum(
        source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2), proto: .tcp, length: 28)

    @Test func deconstruct() throws {
        let bytes = Self.golden
        let view = try TCP.View(validating: bytes.span.bytes, at: 20)
        #expect(view.sourcePort == 40000)
        #expect(view.destinationPort == 443)
        #expect(view.sequenceNumber == 1)
        #expect(view.acknowledgmentNumber == 0)
        #expect(view.headerLength == 28)
        #expect(view.flags == .syn)
        #expect(view.windowSize == 64240)
        #expect(view.checksum == 0xD62B)
        #expect(view.urgentPointer == 0)
        #expect(view.options.byteCount == 8)
        #expect(view.payload.byteCount == 0)
        let header = try TCP.Header(parsing: view, pseudoHeaderSum: Self.pseudo)
        #expect(header == Self.goldenHeader)
        #expect(Array(header.options) == [2, 4, 5, 0xB4, 4, 2, 1, 1])
    }

    @Test func construct() {
        let header = Self.goldenHeader
        #expect(header.encodedLength == 28)
        let bytes = PacketBuilder.emitHeader(length: header.encodedLength) { header.emit(into: &$0) }
        #expect(bytes == Self.golden)
    }

    @Test func roundTrip() throws {
        var header = Self.goldenHeader
        header.flags = [.ack, .psh, .urg, .ece, .cwr, .reserved]
        header.urgentPointer = 7
        header.acknowledgmentNumber = 0xDEAD_BEEF
        let bytes = PacketBuilder.emitHeader(length: header.encodedLength) { header.emit(into: &$0) }
        let parsed = try TCP.Header(parsing: TCP.View(validating: bytes.span.bytes), pseudoHeaderSum: nil)
        #expect(parsed == header)
    }

    @Test func optionsArePaddedToWholeWords() {
        var header = Self.goldenHeader
        header.options = TCP.Options([2, 4, 5, 0xB4, 4, 2])!
        #expect(header.encodedLength == 28)
        let bytes = PacketBuilder.emitHeader(length: 28) { header.emit(into: &$0) }
        #expect(bytes[12] == 0x70)
        #expect(Array(bytes[20...]) == [2, 4, 5, 0xB4, 4, 2, 0, 0])
    }

    @Test func optionsHoldFortyBytes() {
        var options = TCP.Options()
        for byte in 0..<40 {
            let appended = options.append(UInt8(byte))
            #expect(appended)
        }
        let overflowed = options.append(40)
        #expect(!overflowed)
        #expect(options.count == 40)
        #expect(Array(options) == (0..<40).map { UInt8($0) })
        #expect(TCP.Options(Array(repeating: 1, count: 41)) == nil)
        #expect(TCP.Options([1, 2]) != TCP.Options([1, 2, 0]))
        options.removeAll()
        #expect(options == TCP.Options())
    }

    @Test func bytesAfterEndOfListAreKeptAsReceived() throws {
        let bytes = PacketBuilder.tcpDatagram(options: [0, 0xFF, 0xFF, 0xFF])
        let datagram = try PacketBuilder.parse(bytes)
        guard case .tcp(let header) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(Array(header.options) == [0, 0xFF, 0xFF, 0xFF])
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    @Test func reservedBitsAreCarried() throws {
        let segment = PacketBuilder.tcp(flags: 0x10, reservedBits: 0x0F)
        let bytes = PacketBuilder.ipv4(proto: 6, payload: segment)
        let datagram = try PacketBuilder.parse(bytes)
        guard case .tcp(let header) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(header.flags == [.ack, .reserved])
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .tcp, field: field, offset: offset, reason: reason)
    }

    /// A datagram around a TCP segment changed after its checksum was computed.
    static func broken(options: [UInt8] = [], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var segment = PacketBuilder.tcp(options: options)
        change(&segment)
        return PacketBuilder.ipv4(proto: 6, payload: segment)
    }

    static let rejections: [RejectionCase] = [
        RejectionCase(name: "segment shorter than 20", bytes: PacketBuilder.ipv4(proto: 6, payload: Array(PacketBuilder.tcp().prefix(19))),
                      expected: error(.header, 20, .truncated)),
        RejectionCase(name: "data offset 4", bytes: broken { $0[12] = 0x40 }, expected: error(.dataOffset, 32, .badHeaderLength)),
        RejectionCase(name: "data offset 0", bytes: broken { $0[12] = 0x00 }, expected: error(.dataOffset, 32, .badHeaderLength)),
        RejectionCase(name: "data offset past the segment", bytes: broken { $0[12] = 0x60 },
                      expected: error(.dataOffset, 32, .truncated)),
        RejectionCase(name: "option length 1", bytes: PacketBuilder.tcpDatagram(options: [2, 1, 1, 1]),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "option length 0", bytes: PacketBuilder.tcpDatagram(options: [1, 8, 0, 1]),
                      expected: error(.options, 41, .badTCPOption)),
        RejectionCase(name: "option past the header", bytes: PacketBuilder.tcpDatagram(options: [2, 5, 5, 0xB4]),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "option kind without length byte", bytes: PacketBuilder.tcpDatagram(options: [1, 1, 1, 3]),
                      expected: error(.options, 43, .badTCPOption)),
        RejectionCase(name: "bad checksum", bytes: broken { $0[4] ^= 0x80 }, expected: error(.checksum, 36, .badChecksum)),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, context: rejection.context) == rejection.expected)
    }

    @Test func checksumNotReadySkipsVerification() throws {
        let bytes = Self.broken { $0[16] = 0x12; $0[17] = 0x34 }
        #expect(PacketBuilder.error(bytes)?.reason == .badChecksum)
        let datagram = try PacketBuilder.parse(bytes, context: PacketContext(checksumNotReady: true))
        guard case .tcp(let header) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(header.checksum == 0x1234)
    }

    @Test func everyPrefixOfSegmentThrows() {
        let segment = PacketBuilder.tcp(options: [2, 4, 5, 0xB4], payload: [1, 2, 3])
        let headerLength = 24
        for length in 0..<headerLength {
            let prefix = Array(segment.prefix(length))
            #expect(throws: DecodeError.self) { _ = try TCP.View(validating: prefix.span.bytes) }
        }
    }

    @Test func description() {
        #expect(Self.goldenHeader.description == "TCP 40000 > 443 flags S seq 1 ack 0 win 64240 options 8")
        #expect(TCP.Flags([.syn, .ack]).description == "SA")
        #expect(TCP.Flags().description == "none")
        #expect(TCP.Flags([.ack, .reserved]).description == "A reserved 0xf")
    }
}
