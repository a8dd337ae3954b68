import Testing
@testable import Wire
import TestSupport

/// A rejected input and the exact error it must produce.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    var context = PacketContext()
    var options = DecodeOptions()
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
        RejectionCase(name: "router alert option (not allowed by default)",
                      bytes: PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(), options: [148, 4, 0, 0]),
                      expected: error(.options, 20, .ipOptionRouterAlert)),
        RejectionCase(name: "DF with MF, 28 bytes: not a multiple of 8 (RFC 791 §3.2)", bytes: mutated { $0[6] = 0x60 },
                      expected: error(.totalLength, 2, .badFragmentLength)),
        RejectionCase(name: "DF with a fragment offset (not accepted by default)", bytes: mutated { $0[7] = 0x01 },
                      expected: error(.fragmentOffset, 6, .fragment)),
        RejectionCase(name: "TTL 0", bytes: mutated { $0[8] = 0 }, expected: error(.ttl, 8, .ttlZero)),
        RejectionCase(name: "more fragments, 28 bytes: not a multiple of 8 (RFC 791 §3.2)", bytes: mutated { $0[6] = 0x20 },
                      expected: error(.totalLength, 2, .badFragmentLength)),
        RejectionCase(name: "fragment offset", bytes: mutated { $0[6] = 0x00; $0[7] = 0x01 },
                      expected: error(.fragmentOffset, 6, .fragment)),
        RejectionCase(name: "unknown protocol (253)", bytes: mutated { $0[9] = 253 },
                      expected: error(.protocol, 9, .unknownProtocol)),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, context: rejection.context, options: rejection.options) == rejection.expected)
    }

    /// A TCP SYN datagram whose IPv4 header carries `options`.
    static func withOptions(_ options: [UInt8]) -> [UInt8] {
        PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(), options: options)
    }

    static let all: DecodeOptions = DecodeOptions(allowedIPOptionTypes: IPOptionTypes([7, 68, 130, 131, 137, 148, 0x99]))

    static let optionRejections: [RejectionCase] = [
        RejectionCase(name: "loose source route", bytes: withOptions([131, 7, 4, 10, 0, 0, 1, 0]),
                      options: all, expected: error(.options, 20, .ipOptionSourceRoute)),
        RejectionCase(name: "strict source route", bytes: withOptions([1, 137, 7, 4, 10, 0, 0, 1]),
                      options: all, expected: error(.options, 21, .ipOptionSourceRoute)),
        RejectionCase(name: "record route", bytes: withOptions([7, 7, 4, 0, 0, 0, 0, 0]), expected: error(.options, 20, .ipOptionRecordRoute)),
        RejectionCase(name: "timestamp", bytes: withOptions([68, 8, 5, 0, 0, 0, 0, 0]), expected: error(.options, 20, .ipOptionTimestamp)),
        RejectionCase(name: "router alert", bytes: withOptions([1, 1, 1, 1, 148, 4, 0, 0]), expected: error(.options, 24, .ipOptionRouterAlert)),
        RejectionCase(name: "security", bytes: withOptions([130, 3, 0xAB, 0]), expected: error(.options, 20, .ipOptionSecurity)),
        RejectionCase(name: "unknown type", bytes: withOptions([0x99, 2, 0, 0]), expected: error(.options, 20, .ipOptionUnknown)),
        RejectionCase(name: "length 0", bytes: withOptions([0x99, 0, 0, 0]), options: all, expected: error(.options, 20, .badIPOption)),
        RejectionCase(name: "length 1", bytes: withOptions([1, 148, 1, 0]), options: all, expected: error(.options, 21, .badIPOption)),
        RejectionCase(name: "overruns the header", bytes: withOptions([1, 148, 4, 0]), options: all, expected: error(.options, 21, .badIPOption)),
        RejectionCase(name: "type without a length byte", bytes: withOptions([1, 1, 1, 148]), options: all, expected: error(.options, 23, .badIPOption)),
        RejectionCase(name: "router alert length 6", bytes: withOptions([148, 6, 0, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 20, .badIPOption)),
        RejectionCase(name: "record route length 6", bytes: withOptions([7, 6, 4, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 20, .badIPOption)),
        RejectionCase(name: "record route pointer 3", bytes: withOptions([7, 7, 3, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 22, .badIPOption)),
        RejectionCase(name: "record route pointer past the end", bytes: withOptions([7, 7, 12, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 22, .badIPOption)),
        RejectionCase(name: "record route pointer between slots", bytes: withOptions([7, 11, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 22, .badIPOption)),
        RejectionCase(name: "source route with a bad pointer is malformed first", bytes: withOptions([131, 7, 2, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 22, .badIPOption)),
        RejectionCase(name: "timestamp flag 2", bytes: withOptions([68, 8, 5, 2, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 23, .badIPOption)),
        RejectionCase(name: "timestamp pointer 4", bytes: withOptions([68, 8, 4, 0, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 22, .badIPOption)),
        RejectionCase(name: "timestamp with addresses, odd slot", bytes: withOptions([68, 8, 5, 1, 0, 0, 0, 0]), options: all,
                      expected: error(.options, 20, .badIPOption)),
        RejectionCase(name: "security length 2", bytes: withOptions([130, 2, 0, 0]), options: all, expected: error(.options, 20, .badIPOption)),
    ]

    @Test(arguments: optionRejections)
    func rejectsOption(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes, options: rejection.options) == rejection.expected)
    }

    static let allowedOptions: [(String, [UInt8])] = [
        ("record route, one free slot", [7, 7, 4, 0, 0, 0, 0, 0]),
        ("record route, full", [7, 7, 8, 10, 1, 0, 2, 0]),
        ("timestamp, flag 0", [68, 8, 5, 0, 0, 0, 0, 0]),
        ("timestamp, flag 1, one entry used", [68, 12, 13, 1, 10, 1, 0, 2, 0, 0, 0, 9]),
        ("router alert", [148, 4, 0, 0]),
        ("security", [130, 3, 0xAB, 0]),
        ("unknown type allowed by number", [0x99, 2, 1, 0]),
        ("NOPs need no allowance", [1, 1, 1, 1]),
        ("EOL then zeros", [0, 0, 0, 0]),
    ]

    @Test(arguments: allowedOptions)
    func acceptsAllowedOption(name: String, options: [UInt8]) throws {
        let bytes = Self.withOptions(options)
        let datagram = try PacketBuilder.parse(bytes, options: Self.all)
        #expect(datagram.normalizations.isEmpty)
        #expect(datagram.ipv4.headerLength == 20 + options.count)
        #expect(PacketBuilder.emit(datagram, from: bytes) == bytes)
    }

    @Test func allowingOneOptionDoesNotAllowAnother() {
        let onlyRouterAlert = DecodeOptions(allowedIPOptionTypes: IPOptionTypes([148]))
        #expect(PacketBuilder.error(Self.withOptions([148, 4, 0, 0]), options: onlyRouterAlert) == nil)
        #expect(PacketBuilder.error(Self.withOptions([148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0]), options: onlyRouterAlert)
                == Self.error(.options, 24, .ipOptionTimestamp))
    }

    @Test func reservedFlagIsCleared() throws {
        let received = PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(), flagsAndFragment: 0xC000)
        let expected = PacketBuilder.ipv4(proto: 6, payload: PacketBuilder.tcp(), flagsAndFragment: 0x4000)
        let datagram = try PacketBuilder.parse(received)
        #expect(datagram.normalizations == .ipv4ReservedFlag)
        #expect(datagram.ipv4.flags == .dontFragment)
        #expect(PacketBuilder.emit(datagram, from: received) == expected)
    }

    @Test func bytesAfterEndOfListAreZeroed() throws {
        let received = Self.withOptions([148, 4, 0, 0, 0, 0xDE, 0xAD, 0])
        let expected = Self.withOptions([148, 4, 0, 0, 0, 0, 0, 0])
        let datagram = try PacketBuilder.parse(received, options: Self.all)
        #expect(datagram.normalizations == .ipOptionPadding)
        #expect(Array(datagram.ipv4.options) == [148, 4, 0, 0])
        #expect(datagram.ipv4.headerLength == 28)
        #expect(PacketBuilder.emit(datagram, from: received) == expected)
    }

    @Test func negativeZeroHeaderChecksumIsRewritten() throws {
        // Find an identification for which the header sums to 0xFFFF, so 0x0000 and 0xFFFF both verify.
        var bytes = PacketBuilder.ipv4(proto: 17, payload: PacketBuilder.udp(), identification: 0)
        PacketBuilder.put(0, at: 10, in: &bytes)
        PacketBuilder.put(PacketBuilder.checksum(Array(bytes[0..<20])), at: 4, in: &bytes)
        var received = bytes
        PacketBuilder.put(0xFFFF, at: 10, in: &received)
        let datagram = try PacketBuilder.parse(received)
        #expect(datagram.normalizations == .ipv4Checksum)
        #expect(PacketBuilder.emit(datagram, from: received) == bytes)
    }

    @Test func constructWithOptions() {
        let header = IPv4.Header(totalLength: 28, ttl: 1, proto: .udp, source: IPv4Address(10, 0, 0, 1),
                                 destination: IPv4Address(224, 0, 0, 22), options: IPv4.Options([148, 4, 0, 0])!)
        #expect(header.encodedLength == 24)
        let bytes = PacketBuilder.emitHeader(length: 24) { header.emit(into: &$0) }
        var expected = PacketBuilder.hex("""
            46 00 001c 0000 0000 01 11 0000 0a000001 e0000016
            94040000
            """)
        PacketBuilder.put(PacketBuilder.checksum(expected), at: 10, in: &expected)
        #expect(bytes == expected)
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
