import Testing
@testable import Wire
import TestSupport

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
        header.flags = [.ack, .psh, .urg, .ece, .cwr]
        header.options = TCP.Options([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2])!
        header.headerLength = 32
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

    /// A datagram around `segment` whose TCP checksum is correct for what it carries.
    static func datagram(_ segment: [UInt8]) -> [UInt8] {
        var segment = segment
        PacketBuilder.put(0, at: 16, in: &segment)
        let sum = PacketBuilder.checksum(PacketBuilder.pseudoHeader(
            source: PacketBuilder.client, destination: PacketBuilder.server, proto: 6, length: segment.count) + segment)
        PacketBuilder.put(sum, at: 16, in: &segment)
        return PacketBuilder.ipv4(proto: 6, payload: segment)
    }

    /// One normalization: what arrives, what the rebuild must emit (checksums from the reference
    /// implementation), and the flag it must report.
    struct NormalizationCase: Sendable, CustomTestStringConvertible {
        let name: String
        let received: [UInt8]
        let expected: [UInt8]
        let normalizations: Normalizations
        var testDescription: String { name }
    }

    static let normalizationCases: [NormalizationCase] = [
        NormalizationCase(
            name: "reserved bits cleared, AE kept",
            received: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(flags: 0x10, reservedBits: 0x0F)),
            expected: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(flags: 0x10, reservedBits: 0x01)),
            normalizations: .tcpReservedBits),
        NormalizationCase(
            name: "urgent pointer zeroed without URG",
            received: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(flags: 0x10, urgent: 0x1234)),
            expected: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(flags: 0x10)),
            normalizations: .tcpUrgentPointer),
        NormalizationCase(
            name: "unknown option removed, rest shifted, zero padded",
            received: PacketBuilder.tcpDatagram(options: [0xFD, 4, 0xBE, 0xEF, 2, 4, 5, 0xB4]),
            expected: PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4, 0, 0, 0, 0]),
            normalizations: .tcpUnknownOptions),
        NormalizationCase(
            name: "TCP-MD5 (kind 19, not understood) removed",
            received: PacketBuilder.tcpDatagram(options: [1, 1, 19, 18] + Array(repeating: 0xAB, count: 16), flags: 0x10),
            expected: PacketBuilder.tcpDatagram(options: [1, 1] + Array(repeating: 0, count: 18), flags: 0x10),
            normalizations: .tcpUnknownOptions),
        NormalizationCase(
            name: "bytes after EOL zeroed",
            received: PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4, 0, 0xFF, 0xFF, 0xFF]),
            expected: PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4, 0, 0, 0, 0]),
            normalizations: .tcpAfterEOL),
        NormalizationCase(
            name: "everything at once",
            received: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(
                flags: 0x10, reservedBits: 0x02, urgent: 9, options: [0xFE, 2, 0, 7], payload: [1, 2])),
            expected: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(flags: 0x10, options: [0, 0, 0, 0], payload: [1, 2])),
            normalizations: [.tcpReservedBits, .tcpUrgentPointer, .tcpUnknownOptions, .tcpAfterEOL]),
        NormalizationCase(
            name: "valid checksum 0xFFFF written as 0x0000",
            received: { var d = PacketBuilder.tcpDatagram(); PacketBuilder.put(0xFFFF, at: 36, in: &d)
                        d[24] = 0; d[25] = 0; d[26] = 0; d[27] = 0
                        return TCPTests.withChecksumFFFF(d) }(),
            expected: { var d = PacketBuilder.tcpDatagram(); d[24] = 0; d[25] = 0; d[26] = 0; d[27] = 0
                        return TCPTests.withChecksumFFFF(d, asZero: true) }(),
            normalizations: .transportChecksum),
    ]

    /// Adjusts the sequence number so that the segment sums to 0xFFFF with checksum 0xFFFF (or
    /// 0x0000 with `asZero`): the two encodings of a zero checksum.
    static func withChecksumFFFF(_ datagram: [UInt8], asZero: Bool = false) -> [UInt8] {
        var bytes = datagram
        PacketBuilder.put(0, at: 36, in: &bytes)
        let pseudo = PacketBuilder.pseudoHeader(source: PacketBuilder.client, destination: PacketBuilder.server, proto: 6,
                                                length: bytes.count - 20)
        let current = PacketBuilder.checksum(pseudo + Array(bytes[20...]))  // ~sum; make sum 0xFFFF
        // Adding `current` to a 16-bit word raises the one's complement sum to 0xFFFF.
        PacketBuilder.put(current, at: 26, in: &bytes)
        PacketBuilder.put(asZero ? 0 : 0xFFFF, at: 36, in: &bytes)
        return bytes
    }

    @Test(arguments: normalizationCases)
    func normalizes(_ example: NormalizationCase) throws {
        let datagram = try PacketBuilder.parse(example.received)
        #expect(datagram.normalizations == example.normalizations)
        let emitted = PacketBuilder.emit(datagram, from: example.received)
        #expect(emitted == example.expected)
        let again = try PacketBuilder.parse(emitted)
        #expect(again.normalizations.isEmpty)
        #expect(PacketBuilder.emit(again, from: emitted) == emitted)
    }

    @Test func normalizedHeaderHoldsTheNormalizedFields() throws {
        let bytes = PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(
            flags: 0x10, reservedBits: 0x0E, urgent: 5, options: [0xFD, 4, 1, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0xEE]))
        let datagram = try PacketBuilder.parse(bytes)
        guard case .tcp(let header) = datagram.transport else { Issue.record("not TCP"); return }
        #expect(header.flags == .ack)
        #expect(header.urgentPointer == 0)
        #expect(Array(header.options) == [8, 10, 0, 0, 0, 1, 0, 0, 0, 2])
        #expect(header.headerLength == 36 && header.encodedLength == 36)
    }

    static let legalFlags: [UInt8] = [0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x30, 0x38, 0x52, 0xC2, 0x50]

    @Test(arguments: legalFlags)
    func acceptsLegalFlags(_ flags: UInt8) throws {
        _ = try PacketBuilder.parse(PacketBuilder.tcpDatagram(flags: flags))
    }

    /// SYN+FIN, SYN+RST, FIN / PSH / URG without ACK, no flags, all six (with and without ECN bits).
    static let illegalFlags: [UInt8] = [0x03, 0x13, 0x06, 0x16, 0x01, 0x08, 0x20, 0x29, 0x00, 0xC0, 0x3F, 0xFF]

    @Test(arguments: illegalFlags)
    func rejectsIllegalFlags(_ flags: UInt8) {
        #expect(PacketBuilder.error(PacketBuilder.tcpDatagram(flags: flags)) == Self.error(.flags, 33, .illegalFlags))
    }

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .tcp, field: field, offset: offset, reason: reason)
    }

    static let optionRejections: [RejectionCase] = [
        RejectionCase(name: "MSS length 3", bytes: PacketBuilder.tcpDatagram(options: [2, 3, 5, 1]), expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "MSS without SYN", bytes: PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4], flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "window scale length 4", bytes: PacketBuilder.tcpDatagram(options: [3, 4, 7, 0]), expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "window scale shift 15", bytes: PacketBuilder.tcpDatagram(options: [1, 3, 3, 15]), expected: error(.options, 41, .badTCPOption)),
        RejectionCase(name: "window scale without SYN", bytes: PacketBuilder.tcpDatagram(options: [1, 3, 3, 7], flags: 0x10),
                      expected: error(.options, 41, .badTCPOption)),
        RejectionCase(name: "SACK-permitted length 3", bytes: PacketBuilder.tcpDatagram(options: [4, 3, 0, 0]), expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "SACK-permitted without SYN", bytes: PacketBuilder.tcpDatagram(options: [4, 2, 1, 1], flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "SACK with no block", bytes: PacketBuilder.tcpDatagram(options: [5, 2, 1, 1], flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "SACK 2 + 7", bytes: PacketBuilder.tcpDatagram(options: [5, 9] + Array(repeating: 0, count: 7) + [1, 1, 1], flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "SACK with 5 blocks", bytes: PacketBuilder.tcpDatagram(options: [5, 42] + Array(repeating: 0, count: 38), flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
        RejectionCase(name: "timestamps length 8", bytes: PacketBuilder.tcpDatagram(options: [8, 8, 0, 0, 0, 1, 0, 0], flags: 0x10),
                      expected: error(.options, 40, .badTCPOption)),
    ]

    @Test(arguments: optionRejections)
    func rejectsBadOption(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes) == rejection.expected)
    }

    static let acceptedOptions: [(String, [UInt8], UInt8)] = [
        ("SACK one block", [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2], 0x10),
        ("SACK four blocks", [1, 1, 5, 34] + Array(repeating: 7, count: 32) + [1, 1], 0x10),
        ("timestamps", [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], 0x10),
        ("window scale 14 on SYN", [1, 3, 3, 14], 0x02),
        ("only NOPs", [1, 1, 1, 1], 0x10),
        ("EOL then zeros", [0, 0, 0, 0], 0x10),
    ]

    @Test(arguments: acceptedOptions)
    func acceptsWellFormedOption(name: String, options: [UInt8], flags: UInt8) throws {
        let bytes = PacketBuilder.tcpDatagram(options: options, flags: flags)
        let datagram = try PacketBuilder.parse(bytes)
        #expect(datagram.normalizations.isEmpty)
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
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
        #expect(TCP.Flags([.ack, .reserved]).description == "A reserved 0xe")
    }
}
