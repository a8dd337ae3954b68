import Testing
@testable import Wire

/// Extended echo, "PROBE" (RFC 8335), and its extension structure (RFC 4884 §7), exact bytes.
@Suite struct ICMPExtendedEchoTests {
    /// A request: header, extension structure header, then `object`; both checksums filled in
    /// (the structure's only when `structureChecksum`).
    static func request(_ object: [UInt8], structureChecksum: Bool = true, version: UInt8 = 0x20) -> [UInt8] {
        var structure: [UInt8] = [version, 0x00, 0, 0] + object  // version 2 | reserved, checksum
        if structureChecksum { structure = ProtoBytes.withChecksum(structure, at: 2) }
        let header = ProtoBytes.hex("""
            2a 00 0000  # type 42 extended echo request, code 0, checksum
            0001        # identifier
            01          # sequence
            01          # reserved 0 | L 1
            """)
        return ICMPRouterDiscoveryTests.datagram(header + structure)
    }

    static let byIndex = ProtoBytes.hex("0008 03 02 00000002")  // length 8, class 3, C-type 2, ifIndex 2
    static let byName = ProtoBytes.hex("0008 03 01 65746830")   // "eth0"
    static let byIPv4 = ProtoBytes.hex("000c 03 03 0001 04 00 0a020002")   // AFI 1, length 4, 10.2.0.2
    static let byIPv6 = ProtoBytes.hex("0018 03 03 0002 10 00 fe800000000000000000000000000001")

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        ICMPRouterDiscoveryTests.error(field, offset, reason)
    }

    @Test(arguments: [byIndex, byName, byIPv4, byIPv6])
    func requestIsAcceptedAndRebuiltUnchanged(object: [UInt8]) throws {
        let bytes = Self.request(object)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.icmpType == 42)
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func structureChecksumZeroMeansNoneSent() {
        #expect(ProtoBytes.error(Self.request(Self.byIndex, structureChecksum: false)) == nil)
    }

    @Test func goldenRequestBytes() {
        // Checksums computed with Python (RFC 1071): structure 0xDCF3, message 0xD4FD.
        #expect(Self.request(Self.byIndex)[20...] == ProtoBytes.hex("""
            2a00 d4fd 0001 0101  20 00 dcf3  0008 0302 00000002
            """)[...])
    }

    static let rejections: [(String, [UInt8], DecodeError)] = [
        ("version 1", request(byIndex, version: 0x10), error(.extension, 28, .badICMPExtension)),
        ("bad structure checksum", { var b = request(byIndex); b[30] ^= 1; return ICMPRouterDiscoveryTests.datagram(Array(b[20...])) }(),
         error(.extension, 30, .badChecksum)),
        ("object longer than the message", request(ProtoBytes.hex("000c 03 02 00000002")), error(.extension, 32, .badICMPExtension)),
        ("two objects", request(byIndex + byIndex), error(.extension, 32, .badICMPExtension)),
        ("length not a multiple of 4", request(ProtoBytes.hex("0007 03 01 657468")), error(.extension, 32, .badICMPExtension)),
        ("class 2 (MPLS)", request(ProtoBytes.hex("0008 02 02 00000002")), error(.extension, 34, .badICMPExtension)),
        ("C-type 4", request(ProtoBytes.hex("0008 03 04 00000002")), error(.extension, 35, .badICMPExtension)),
        ("empty name", request(ProtoBytes.hex("0004 03 01")), error(.extension, 32, .badICMPExtension)),
        ("index of 8 bytes", request(ProtoBytes.hex("000c 03 02 0000000000000002")), error(.extension, 32, .badICMPExtension)),
        ("IPv4 with address length 16", request(ProtoBytes.hex("000c 03 03 0001 10 00 0a020002")), error(.extension, 32, .badICMPExtension)),
        ("address object without an address", request(ProtoBytes.hex("0008 03 03 0001 04 00")), error(.extension, 32, .badICMPExtension)),
        ("no extension structure", ICMPRouterDiscoveryTests.datagram(ProtoBytes.hex("2a00 0000 0001 0101")), error(.extension, 28, .truncated)),
        ("code 1", { var b = request(byIndex); b[21] = 1; return ICMPRouterDiscoveryTests.datagram(Array(b[20...])) }(),
         error(.code, 21, .badICMPCode)),
    ]

    @Test func requestRejections() {
        for (name, bytes, expected) in Self.rejections {
            #expect(ProtoBytes.error(bytes) == expected, "\(name)")
        }
    }

    @Test func everyStrictPrefixOfARequestThrows() {
        let message = Array(Self.request(Self.byIPv6)[20...])
        for count in 0..<message.count {
            #expect(ProtoBytes.error(ICMPRouterDiscoveryTests.datagram(Array(message.prefix(count)))) != nil, "prefix \(count)")
        }
    }

    @Test func replyIsTheHeaderAlone() throws {
        let reply = ProtoBytes.hex("2b 00 0000 0001 01 a0")  // code 0, id 1, seq 1, state 5 | A 0 4 0 6 0
        let bytes = ICMPRouterDiscoveryTests.datagram(reply)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.icmpType == 43)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        #expect(ProtoBytes.error(ICMPRouterDiscoveryTests.datagram(reply + [0x20, 0, 0, 0]))
                == Self.error(.length, 28, .badICMPExtension))
        var coded = reply
        coded[1] = 4
        #expect(ProtoBytes.error(ICMPRouterDiscoveryTests.datagram(coded)) == nil)
        coded[1] = 5
        #expect(ProtoBytes.error(ICMPRouterDiscoveryTests.datagram(coded)) == Self.error(.code, 21, .badICMPCode))
    }
}
