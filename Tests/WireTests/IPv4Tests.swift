import Testing
@testable import Wire

/// A rejected input and the exact error it must produce.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    var context = PacketContext()
    let expected: DecodeError
    var testDescription: String { name }
}

@Suite struct IPv4Tests {
    /// The IPv4 header of the golden TCP SYN, verified with Python's struct + RFC 1071.
    static let golden = PacketBuilder.hex("""
        45        version 4, IHL 5
        00        TOS (DSCP 0, ECN 0)
        0030      total length 48
        1c46      identification
        4000      flags DF, fragment offset 0
        40        TTL 64
        06        protocol TCP
        0a7c      header checksum
        0a010002  source 10.1.0.2
        0a020002  destination 10.2.0.2
        """.split(separator: "\n").map { String($0.prefix(10)) }.joined())

    static let goldenHeader = IPv4.Header(
        typeOfService: 0, totalLength: 48, identification: 0x1C46, flags: .dontFragment,
        fragmentOffset: 0, ttl: 64, proto: .tcp, headerChecksum: 0x0A7C,
        source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2))

    /// The whole golden datagram, whose first 20 bytes are `golden`.
    static var goldenDatagram: [UInt8] { DatagramTests.goldenTCP }

    @Test func deconstruct() throws {
        let bytes = Self.goldenDatagram
        #expect(Array(bytes.prefix(20)) == Self.golden)
        let view = try IPv4.View(validating: bytes.span.bytes)
        #expect(view.version == 4)
        #expect(view.headerLength == 20)
        #expect(view.typeOfService == 0)
        #expect(view.totalLength == 48)
        #expect(view.identification == 0x1C46)
        #expect(view.flags == .dontFragment)
        #expect(view.fragmentOffset == 0)
        #expect(view.ttl == 64)
        #expect(view.proto == .tcp)
        #expect(view.headerChecksum == 0x0A7C)
        #expect(view.source == IPv4Address(10, 1, 0, 2))
        #expect(view.destination == IPv4Address(10, 2, 0, 2))
        #expect(view.payload.byteCount == 28)
        let header = try IPv4.Header(parsing: view)
        #expect(header == Self.goldenHeader)
    }

    @Test func construct() {
        var header = Self.goldenHeader
        header.headerChecksum = 0  // ignored: emit recomputes it
        let bytes = PacketBuilder.emitHeader(length: header.encodedLength) { header.emit(into: &$0) }
        #expect(bytes == Self.golden)
    }

    @Test func roundTrip() throws {
        var header = Self.goldenHeader
        header.totalLength = 20
        header.proto = IPProtocol(rawValue: 99)  // the header layer does not judge the protocol
        let bytes = PacketBuilder.emitHeader(length: 20) { header.emit(into: &$0) }
        var parsed = try IPv4.Header(parsing: IPv4.View(validating: bytes.span.bytes))
        #expect(parsed.headerChecksum == PacketBuilder.checksum(Array(bytes.prefix(10)) + [0, 0] + Array(bytes[12...])))
        parsed.headerChecksum = header.headerChecksum
        #expect(parsed == header)
    }

    @Test func emitKeepsFlagsAndFragmentFields() {
        let header = IPv4.Header(
            totalLength: 20, flags: [.reserved, .moreFragments], fragmentOffset: 0x1ABC, proto: .udp,
            source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        let bytes = PacketBuilder.emitHeader(length: 20) { header.emit(into: &$0) }
        #expect(bytes[6] == 0b1011_1010 && bytes[7] == 0xBC)
    }

    static func mutated(_ change: (inout [UInt8]) -> Void, fixChecksum: Bool = true) -> [UInt8] {
        var bytes = DatagramTests.goldenTCP
        change(&bytes)
        if fixChecksum {
            let headerLength = Int(bytes[0] & 0x0F) * 4
            PacketBuilder.put(0, at: 10, in: &bytes)
            if bytes.count >= headerLength, headerLength >= 20 {
                PacketBuilder.put(PacketBuilder.checksum(Array(bytes[0..<headerLength])), at: 10, in: &bytes)
            }
        }
        return bytes
    }

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .ipv4, field: field, offset: offset, reason: reason)
    }

    static let rejections: [RejectionCase] = [
        RejectionCase(name: "shorter than 20 bytes", bytes: Array(goldenDatagram.prefix(19)),
                      expected: error(.header, 0, .truncated)),
        RejectionCase(name: "version 6", bytes: mutated { $0[0] = 0x65 }, expected: error(.version, 0, .badVersion)),
        RejectionCase(name: "IHL 4", bytes: mutated { $0[0] = 0x44 }, expected: error(.ihl, 0, .badHeaderLength)),
        RejectionCase(name: "IHL 15 past the buffer", bytes: mutated({ $0[0] = 0x4F }, fixChecksum: false),
                      expected: error(.ihl, 0, .truncated)),
        RejectionCase(name: "total length below IHL", bytes: mutated { PacketBuilder.put(19, at: 2, in: &$0) },
                      expected: error(.totalLength, 2, .badTotalLength)),
        RejectionCase(name: "total length 0 (GSO > 64 KiB, refused for now)",
                      bytes: mutated { PacketBuilder.put(0, at: 2, in: &$0) }, context: PacketContext(isGSO: true),
                      expected: error(.totalLength, 2, .badTotalLength)),
        RejectionCase(name: "total length past the buffer", bytes: mutated { PacketBuilder.put(49, at: 2, in: &$0) },
                      expected: error(.totalLength, 2, .truncated)),
        RejectionCase(name: "bytes after total length", bytes: goldenDatagram + [0],
                      expected: error(.totalLength, 2, .trailingBytes)),
        RejectionCase(name: "bad header checksum", bytes: mutated({ $0[8] = 63 }, fixChecksum: false),
                      expected: error(.headerChecksum, 10, .badChecksum)),
        RejectionCase(name: "IP options",
                      bytes: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(), options: [1, 1, 1, 0]),
                      expected: error(.options, 20, .ipOptions)),
        RejectionCase(name: "reserved flag", bytes: mutated { $0[6] = 0xC0 }, expected: error(.flags, 6, .badFlags)),
        RejectionCase(name: "more fragments", bytes: mutated { $0[6] = 0x20 },
                      expected: error(.fragmentOffset, 6, .fragment)),
        RejectionCase(name: "fragment offset", bytes: mutated { $0[7] = 0x01 },
                      expected: error(.fragmentOffset, 6, .fragment)),
        RejectionCase(name: "unknown protocol (GRE)", bytes: mutated { $0[9] = 47 },
                      expected: error(.protocol, 9, .unknownProtocol)),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, context: rejection.context) == rejection.expected)
    }

    @Test func gsoAcceptsLargeMatchingTotalLength() throws {
        let payload = [UInt8](repeating: 0x5A, count: 60_000)
        let bytes = PacketBuilder.ipv4(proto: 17, payload: PacketBuilder.udp(payload: payload))
        let datagram = try PacketBuilder.parse(bytes, context: PacketContext(isGSO: true))
        #expect(datagram.ipv4.totalLength == 60_028)
        #expect(datagram.payloadLength == 60_000)
    }

    @Test func everyPrefixOfHeaderThrows() {
        for length in 0..<Self.goldenDatagram.count {
            let prefix = Array(Self.goldenDatagram.prefix(length))
            #expect(throws: DecodeError.self) { _ = try IPv4.View(validating: prefix.span.bytes) }
        }
    }

    @Test func description() {
        #expect(Self.goldenHeader.description == "IPv4 10.1.0.2 > 10.2.0.2 tcp ttl 64 id 7238 len 48 flags DF")
    }
}
