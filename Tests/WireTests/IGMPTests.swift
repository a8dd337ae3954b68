import Testing
@testable import Wire

/// IGMP v1, v2, v3 (RFC 1112, RFC 2236, RFC 3376) with exact bytes. IGMP starts at offset 20.
@Suite struct IGMPTests {
    /// `message` with its RFC 1071 checksum filled in, inside an IPv4 header (protocol 2).
    static func datagram(_ message: [UInt8]) -> [UInt8] {
        ProtoBytes.ipv4(proto: 2, payload: message.count >= 4 ? ProtoBytes.withChecksum(message, at: 2) : message,
                        ttl: 1, destination: [224, 0, 0, 22])
    }

    static let v1Report = ProtoBytes.hex("12 00 0000 ef010203")   // v1 report, group 239.1.2.3
    static let v2Report = ProtoBytes.hex("16 00 0000 ef010203")   // v2 report
    static let v2Leave = ProtoBytes.hex("17 00 0000 ef010203")    // leave group
    static let v1Query = ProtoBytes.hex("11 00 0000 00000000")    // general query, max resp 0: v1
    static let v2Query = ProtoBytes.hex("11 64 0000 ef010203")    // group-specific, 10 s: v2
    static let v3Query = ProtoBytes.hex("""
        11 64 0000 00000000  # query, max resp 100, checksum, general
        02 7d 0001           # Resv 0 | S 0 | QRV 2, QQIC 125, 1 source
        c0a80001             # source 192.168.0.1
        """)
    static let v3Report = ProtoBytes.hex("""
        22 00 0000 0000 0002   # v3 report, reserved, 2 group records
        04 00 0000 ef010203    # CHANGE_TO_EXCLUDE_MODE, no aux data, no source, 239.1.2.3
        01 01 0001 ef010204    # MODE_IS_INCLUDE, 1 aux word, 1 source, 239.1.2.4
        0a000001               # source 10.0.0.1
        aabbccdd               # aux data
        """)

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .igmp, field: field, offset: offset, reason: reason)
    }

    @Test(arguments: [v1Report, v2Report, v2Leave, v1Query, v2Query, v3Query, v3Report])
    func decodesAndRebuildsUnchanged(message: [UInt8]) throws {
        let bytes = Self.datagram(message)
        let datagram = try ProtoBytes.decode(bytes).get()
        guard case .igmp(let header) = datagram.transport else { Issue.record("not IGMP"); return }
        #expect(header.type.rawValue == message[0] && header.maxResponse == message[1])
        #expect(datagram.payloadLength == message.count - 8)
        #expect(datagram.sourcePort == nil && datagram.icmpType == nil)
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func goldenChecksum() {
        // Computed with Python's RFC 1071 over 16 00 0000 ef 01 02 03.
        #expect(Array(Self.datagram(Self.v2Report)[20...]) == ProtoBytes.hex("16 00 f8fa ef010203"))
    }

    @Test func constructAndRoundTrip() throws {
        let header = IGMP.Header(type: .v2Report, maxResponse: 0, checksum: 0xF8FA, word: 0xEF01_0203)
        var out = [UInt8](repeating: 0xAA, count: 8)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("16 00 f8fa ef010203"))
        let parsed = try IGMP.Header(parsing: IGMP.View(validating: out.span.bytes), verifyingChecksum: true)
        #expect(parsed == header)
    }

    static let rejections: [(String, [UInt8], DecodeError)] = [
        ("type 0x13", datagram(ProtoBytes.hex("13 00 0000 ef010203")), error(.type, 20, .unknownIGMPType)),
        ("query of 10 bytes", datagram(v1Query + [0, 0]), error(.length, 28, .truncated)),
        ("v3 query, 2 sources declared, 1 present", datagram({ var m = v3Query; m[11] = 2; return m }()),
         error(.sourceCount, 30, .truncated)),
        ("v3 query with bytes after its sources", datagram(v3Query + [1, 2, 3, 4]), error(.length, 36, .trailingBytes)),
        ("v2 report with trailing bytes", datagram(v2Report + [0, 0, 0, 0]), error(.length, 28, .trailingBytes)),
        ("v3 report, 3 records declared", datagram({ var m = v3Report; m[7] = 3; return m }()),
         error(.groupRecord, 52, .truncated)),
        ("v3 report, record type 7", datagram({ var m = v3Report; m[8] = 7; return m }()),
         error(.groupRecord, 28, .badGroupRecord)),
        ("v3 report, record type 0", datagram({ var m = v3Report; m[16] = 0; return m }()),
         error(.groupRecord, 36, .badGroupRecord)),
        ("v3 report, 2 sources in the second record", datagram({ var m = v3Report; m[19] = 2; return m }()),
         error(.groupRecord, 36, .truncated)),
        ("v3 report with trailing bytes", datagram(v3Report + [0, 0, 0, 0]), error(.length, 52, .trailingBytes)),
        ("bad checksum", { var b = datagram(v2Report); b[27] ^= 1; return b }(), error(.checksum, 22, .badChecksum)),
        ("report of a unicast group", datagram(ProtoBytes.hex("16 00 0000 0a000001")), error(.groupAddress, 24, .badGroupAddress)),
        ("leave of group 0", datagram(ProtoBytes.hex("17 00 0000 00000000")), error(.groupAddress, 24, .badGroupAddress)),
        ("query of a unicast group", datagram(ProtoBytes.hex("11 64 0000 0a000001")), error(.groupAddress, 24, .badGroupAddress)),
        ("shorter than 8", datagram(ProtoBytes.hex("16 00 0000 ef01")), error(.header, 20, .truncated)),
    ]

    @Test func rejections() {
        for (name, bytes, expected) in Self.rejections {
            #expect(ProtoBytes.error(bytes) == expected, "\(name)")
        }
    }

    /// Every strict prefix throws, except a v3 query cut to 8 bytes: that is a whole v2 query
    /// (RFC 3376 §7.1 tells the versions apart by length alone).
    @Test(arguments: [v3Query, v3Report, v2Report])
    func everyStrictPrefixThrows(message: [UInt8]) {
        for count in 0..<message.count where !(message[0] == 0x11 && count == 8) {
            #expect(ProtoBytes.error(Self.datagram(Array(message.prefix(count)))) != nil, "prefix \(count)")
        }
    }

    @Test func description() {
        #expect(IGMP.MessageType.v3Report.description == "v3-report")
        #expect(IGMP.MessageType(rawValue: 0x13).description == "19")
    }
}
