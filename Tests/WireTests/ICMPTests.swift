import Testing
@testable import Wire
import TestSupport

@Suite struct ICMPTests {
    /// The ICMP part of the golden echo request 192.168.7.10 → 10.2.0.2, checksum verified with Python.
    static let golden = PacketBuilder.hex("""
        08        type echo request
        00        code 0
        1927      checksum
        0007      identifier 7
        0001      sequence number 1
        70696e67  payload "ping"
        """.split(separator: "\n").map { String($0.prefix(10)) }.joined())

    static let goldenHeader = ICMP.Header(type: .echoRequest, code: 0, checksum: 0x1927, restOfHeader: 0x0007_0001)

    @Test func deconstruct() throws {
        let bytes = Self.golden
        let view = try ICMP.View(validating: bytes.span.bytes, at: 20)
        #expect(view.type == .echoRequest)
        #expect(view.code == 0)
        #expect(view.checksum == 0x1927)
        #expect(view.restOfHeader == 0x0007_0001)
        #expect(view.payload.byteCount == 4)
        let header = try ICMP.Header(parsing: view)
        #expect(header == Self.goldenHeader)
        #expect(header.identifier == 7 && header.sequenceNumber == 1)
    }

    @Test func construct() {
        let bytes = PacketBuilder.emitHeader(length: 8) { Self.goldenHeader.emit(into: &$0) }
        #expect(bytes == Array(Self.golden.prefix(8)))
    }

    @Test func roundTrip() throws {
        let header = ICMP.Header(type: .echoReply, code: 0, checksum: 0, restOfHeader: 0x0007_0001)
        let bytes = PacketBuilder.emitHeader(length: 8) { header.emit(into: &$0) }
        let parsed = try ICMP.Header(parsing: ICMP.View(validating: bytes.span.bytes), verifyingChecksum: false)
        #expect(parsed == header)
    }

    static let acceptedTable: [(UInt8, UInt8)] = [(0, 0), (3, 15), (5, 3), (8, 0), (11, 1), (12, 2), (13, 0), (14, 0)]

    @Test(arguments: acceptedTable)
    func acceptsEveryCodeUpToMaximum(type: UInt8, maximumCode: UInt8) throws {
        let payload = ICMP.MessageType(rawValue: type).isError ? PacketBuilder.quotedUDP : Array("ping".utf8)
        for code in 0...maximumCode {
            let datagram = try PacketBuilder.parse(PacketBuilder.icmpDatagram(type: type, code: code, payload: payload))
            #expect(datagram.icmpType == type && datagram.icmpCode == code)
        }
        let error = PacketBuilder.error(PacketBuilder.icmpDatagram(type: type, code: maximumCode + 1, payload: payload))
        #expect(error == DecodeError(layer: .icmp, field: .code, offset: 21, reason: .badICMPCode))
    }

    @Test func acceptedTableMatchesSwitch() {
        for entry in ICMP.MessageType.accepted {
            #expect(entry.type.maximumCode == entry.maximumCode)
        }
        let acceptedCount = (0...255).filter { ICMP.MessageType(rawValue: UInt8($0)).maximumCode != nil }.count
        #expect(acceptedCount == ICMP.MessageType.accepted.count)
    }

    @Test(arguments: [UInt8(1), 2, 4, 6, 7, 15, 16, 17, 18, 30, 41, 44, 255])
    func rejectsUnknownType(type: UInt8) {
        let error = PacketBuilder.error(PacketBuilder.icmpDatagram(type: type))
        #expect(error == DecodeError(layer: .icmp, field: .type, offset: 20, reason: .unknownICMPType))
    }

    static let rejections: [RejectionCase] = [
        RejectionCase(name: "shorter than 8", bytes: PacketBuilder.ipv4(proto: 1, payload: Array(PacketBuilder.icmp().prefix(7))),
                      expected: DecodeError(layer: .icmp, field: .header, offset: 20, reason: .truncated)),
        RejectionCase(name: "bad checksum",
                      bytes: PacketBuilder.icmpDatagram().enumerated().map { $0.offset == 31 ? 0 : $0.element },  // last payload byte
                      expected: DecodeError(layer: .icmp, field: .checksum, offset: 22, reason: .badChecksum)),
        RejectionCase(name: "echo with code 1", bytes: PacketBuilder.icmpDatagram(type: 8, code: 1),
                      expected: DecodeError(layer: .icmp, field: .code, offset: 21, reason: .badICMPCode)),
        RejectionCase(name: "source quench", bytes: PacketBuilder.icmpDatagram(type: 4),
                      expected: DecodeError(layer: .icmp, field: .type, offset: 20, reason: .unknownICMPType)),
        RejectionCase(name: "router advertisement without an address", bytes: PacketBuilder.icmpDatagram(type: 9),
                      expected: DecodeError(layer: .icmp, field: .addressCount, offset: 24, reason: .badRouterDiscovery)),
        RejectionCase(name: "error quoting nothing", bytes: PacketBuilder.icmpDatagram(type: 3, code: 3, payload: []),
                      expected: embedded(28, .truncated)),
        RejectionCase(name: "error quoting a header without 8 more bytes",
                      bytes: PacketBuilder.icmpDatagram(type: 11, payload: Array(PacketBuilder.quotedUDP.prefix(27))),
                      expected: embedded(28, .truncated)),
        RejectionCase(name: "error quoting IPv6", bytes: PacketBuilder.icmpDatagram(type: 3, payload: quoted { $0[0] = 0x65 }),
                      expected: embedded(28, .badVersion)),
        RejectionCase(name: "error quoting IHL 4", bytes: PacketBuilder.icmpDatagram(type: 3, payload: quoted { $0[0] = 0x44 }),
                      expected: embedded(28, .badHeaderLength)),
        RejectionCase(name: "error quoting IHL 6 without its 8 bytes", bytes: PacketBuilder.icmpDatagram(type: 3, payload: quoted { $0[0] = 0x46 }),
                      expected: embedded(28, .truncated)),
        RejectionCase(name: "error quoting total length 19", bytes: PacketBuilder.icmpDatagram(type: 12, payload: quoted { $0[3] = 19 }),
                      expected: embedded(30, .badTotalLength)),
        RejectionCase(name: "error quoting a bad header checksum",
                      bytes: PacketBuilder.icmpDatagram(type: 5, payload: quoted(fix: false) { $0[8] = 1 }),
                      expected: embedded(38, .badChecksum)),
    ]

    static func embedded(_ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .icmp, field: .embeddedHeader, offset: offset, reason: reason)
    }

    /// The quoted UDP datagram prefix, changed, with its header checksum fixed unless `fix` is false.
    static func quoted(fix: Bool = true, _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = PacketBuilder.quotedUDP
        change(&bytes)
        if fix {
            PacketBuilder.put(0, at: 10, in: &bytes)
            PacketBuilder.put(PacketBuilder.checksum(Array(bytes[0..<20])), at: 10, in: &bytes)
        }
        return bytes
    }

    @Test func errorQuotingAHeaderWithOptionsAndEightBytes() throws {
        let inner = PacketBuilder.ipv4(proto: 17, payload: PacketBuilder.udp(), options: [148, 4, 0, 0])
        let bytes = PacketBuilder.icmpDatagram(type: 11, payload: Array(inner.prefix(32)))
        let datagram = try PacketBuilder.parse(bytes)
        #expect(datagram.icmpType == 11)
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    @Test func negativeZeroChecksumOfAllZeroMessageIsCanonical() throws {
        // Echo reply, code 0, id 0, seq 0, no payload: every byte but the checksum is 0, so 0xFFFF is what RFC 1071 computes.
        let bytes = PacketBuilder.ipv4(proto: 1, payload: [0, 0, 0xFF, 0xFF, 0, 0, 0, 0])
        let datagram = try PacketBuilder.parse(bytes)
        #expect(datagram.normalizations.isEmpty)
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, context: rejection.context) == rejection.expected)
    }

    @Test func checksumNotReadySkipsVerification() throws {
        var bytes = PacketBuilder.icmpDatagram()
        bytes[22] ^= 0xFF
        #expect(PacketBuilder.error(bytes)?.reason == .badChecksum)
        #expect(throws: Never.self) { try PacketBuilder.parse(bytes, context: PacketContext(checksumNotReady: true)) }
    }

    @Test func everyPrefixThrows() {
        let message = PacketBuilder.icmp()
        for length in 0..<ICMP.headerLength {
            let prefix = Array(message.prefix(length))
            #expect(throws: DecodeError.self) { _ = try ICMP.View(validating: prefix.span.bytes) }
        }
    }

    @Test func names() {
        #expect(ICMP.MessageType.destinationUnreachable.name == "destination-unreachable")
        #expect(ICMP.MessageType(name: "echo-request") == .echoRequest)
        #expect(ICMP.MessageType(name: "ping") == nil)
        #expect(ICMP.MessageType(rawValue: 44).description == "44")
        #expect(Self.goldenHeader.description == "ICMP echo-request code 0 id 7 seq 1")
    }
}
