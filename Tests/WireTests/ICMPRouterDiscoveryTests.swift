import Testing
@testable import Wire

/// Router discovery (RFC 1256, Mobile IP RFC 5944 §2.1) and extended echo (RFC 8335), with
/// exact bytes. Offsets in errors count from the start of the IP datagram (ICMP starts at 20).
@Suite struct ICMPRouterDiscoveryTests {
    /// The ICMP `message` with its checksum filled in, inside an IPv4 header.
    static func datagram(_ message: [UInt8]) -> [UInt8] {
        ProtoBytes.ipv4(proto: 1, payload: message.count >= 4 ? ProtoBytes.withChecksum(message, at: 2) : message)
    }

    static let advertisement = ProtoBytes.hex("""
        09 00 0000  # type 9 router advertisement, code 0, checksum (filled in)
        01          # Num Addrs 1
        02          # Addr Entry Size 2 words
        0708        # lifetime 1800 s
        c0a80101    # router address 192.168.1.1
        00000000    # preference level 0
        """)

    static let solicitation = ProtoBytes.hex("""
        0a 00 0000  # type 10 router solicitation, code 0, checksum
        00000000    # reserved
        """)

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .icmp, field: field, offset: offset, reason: reason)
    }

    @Test func advertisementDecodesAndRebuildsUnchanged() throws {
        let bytes = Self.datagram(Self.advertisement)
        #expect(bytes[22] == 0x2D && bytes[23] == 0x4C)  // RFC 1071, computed with Python
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.icmpType == 9 && datagram.icmpCode == 0)
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
    }

    @Test func mobileIPAgentAdvertisementWithExtensionsIsAccepted() {
        var message = Self.advertisement
        message[1] = 16  // RFC 5944 §2.1: does not route common traffic
        message += [16, 6, 0, 1, 0x80, 0, 0x01, 0x2C]  // mobility agent extension, 6 bytes of data
        message += [0]                                 // one-byte padding
        #expect(ProtoBytes.error(Self.datagram(message)) == nil)
    }

    static let advertisementRejections: [(String, @Sendable (inout [UInt8]) -> Void, DecodeError)] = [
        ("code 1", { $0[1] = 1 }, error(.code, 21, .badICMPCode)),
        ("code 17", { $0[1] = 17 }, error(.code, 21, .badICMPCode)),
        ("no address", { $0[4] = 0 }, error(.addressCount, 24, .badRouterDiscovery)),
        ("entry size 1", { $0[5] = 1 }, error(.addressEntrySize, 25, .badRouterDiscovery)),
        ("two addresses, one present", { $0[4] = 2 }, error(.addressCount, 24, .truncated)),
        ("entry size 3, one address of 2 words", { $0[5] = 3 }, error(.addressCount, 24, .truncated)),
        ("extension type 128 or more", { $0 += [200, 0] }, error(.extension, 36, .badRouterDiscovery)),
        ("extension length past the end", { $0 += [16, 6, 0, 0] }, error(.extension, 36, .badRouterDiscovery)),
        ("extension cut after its type", { $0 += [19] }, error(.extension, 36, .badRouterDiscovery)),
    ]

    @Test func advertisementRejections() {
        for (name, change, expected) in Self.advertisementRejections {
            var message = Self.advertisement
            change(&message)
            #expect(ProtoBytes.error(Self.datagram(message)) == expected, "\(name)")
        }
    }

    @Test func solicitationDecodesAndTrailingBytesAreRefused() throws {
        let bytes = Self.datagram(Self.solicitation)
        #expect(bytes[22] == 0xF5 && bytes[23] == 0xFF)
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.icmpType == 10)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        #expect(ProtoBytes.error(Self.datagram(Self.solicitation + [1, 2, 3, 4])) == Self.error(.length, 28, .badRouterDiscovery))
        var coded = Self.solicitation
        coded[1] = 1
        #expect(ProtoBytes.error(Self.datagram(coded)) == Self.error(.code, 21, .badICMPCode))
    }

    @Test(arguments: [advertisement, solicitation])
    func everyStrictPrefixThrows(message: [UInt8]) {
        for count in 0..<message.count {
            #expect(ProtoBytes.error(Self.datagram(Array(message.prefix(count)))) != nil, "prefix \(count)")
        }
    }
}
