import Testing
@testable import Wire

/// VRRP v2 (RFC 3768) and v3 (RFC 9568) with exact bytes. VRRP starts at offset 20.
@Suite struct VRRPTests {
    static let source: [UInt8] = [10, 1, 0, 2]
    static let group: [UInt8] = [224, 0, 0, 18]

    /// A v2 advertisement: checksum over the message.
    static func v2(_ message: [UInt8], ttl: UInt8 = 255, destination: [UInt8] = group) -> [UInt8] {
        ProtoBytes.ipv4(proto: 112, payload: ProtoBytes.withChecksum(message, at: 6), ttl: ttl, source: source, destination: destination)
    }

    /// A v3 advertisement: checksum with the IPv4 pseudo-header (RFC 9568 §5.2.8).
    static func v3(_ message: [UInt8], ttl: UInt8 = 255, destination: [UInt8] = group) -> [UInt8] {
        var bytes = message
        guard bytes.count >= 8 else { return ProtoBytes.ipv4(proto: 112, payload: bytes, ttl: ttl, source: source, destination: destination) }
        ProtoBytes.put(0, at: 6, in: &bytes)
        let pseudo = source + destination + [0, 112, UInt8(message.count >> 8), UInt8(message.count & 0xFF)]
        let sum = ProtoBytes.checksum(pseudo + bytes)
        ProtoBytes.put(sum, at: 6, in: &bytes)
        return ProtoBytes.ipv4(proto: 112, payload: bytes, ttl: ttl, source: source, destination: destination)
    }

    static let advertisement2 = ProtoBytes.hex("""
        21 07 64 01     # v2 advertisement, VRID 7, priority 100, 1 address
        00 01 0000      # auth type 0, interval 1 s, checksum
        0a010064        # 10.1.0.100
        0000000000000000  # authentication data
        """)
    static let advertisement3 = ProtoBytes.hex("""
        31 07 64 02     # v3 advertisement, VRID 7, priority 100, 2 addresses
        0064 0000       # rsvd 0, max adver int 100 cs, checksum
        0a010064 0a010065
        """)

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .vrrp, field: field, offset: offset, reason: reason)
    }

    @Test func bothVersionsDecodeAndRebuildUnchanged() throws {
        for bytes in [Self.v2(Self.advertisement2), Self.v3(Self.advertisement3)] {
            let datagram = try ProtoBytes.decode(bytes).get()
            guard case .vrrp(let header) = datagram.transport else { Issue.record("not VRRP"); continue }
            #expect(header.vrid == 7 && header.priority == 100)
            #expect(datagram.sourcePort == nil && datagram.payloadOffset == 28 && datagram.normalizations.isEmpty)
            #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        }
        let v3 = try ProtoBytes.decode(Self.v3(Self.advertisement3)).get()
        #expect(v3.description == "vrrp 10.1.0.2 -> 224.0.0.18 vrid 7 priority 100")
    }

    /// keepalived's `unicast_peer` sends to the peer's unicast address.
    @Test func unicastDestinationIsAccepted() {
        #expect(ProtoBytes.error(Self.v3(Self.advertisement3, destination: [10, 1, 0, 3])) == nil)
    }

    /// RFC 2338's simple text password (1) and IP authentication header (2) types, which
    /// RFC 3768 §5.3.6 keeps reserved, still come from old peers; 3 never existed.
    @Test func v2AuthTypes() {
        for (type, expected) in [(UInt8(1), nil), (2, nil), (3, Self.error(.authType, 24, .badVRRP))] {
            var message = Self.advertisement2
            message[4] = type
            #expect(ProtoBytes.error(Self.v2(message)) == expected, "auth type \(type)")
        }
    }

    @Test(arguments: [
        (v3(Array(advertisement3[0..<7])), error(.header, 20, .truncated)),
        (v3([0x11] + advertisement3[1...]), error(.version, 20, .badVRRP)),
        (v3([0x41] + advertisement3[1...]), error(.version, 20, .badVRRP)),
        (v3([0x32] + advertisement3[1...]), error(.type, 20, .badVRRP)),
        // Fewer addresses than the count, more bytes than it declares.
        (v3(Array(advertisement3[0..<12])), error(.addressCount, 23, .truncated)),
        (v3(advertisement3 + [0, 0, 0, 0]), error(.length, 36, .trailingBytes)),
        (v2(Array(advertisement2[0..<16])), error(.addressCount, 23, .truncated)),
        (v2(advertisement2 + [0]), error(.length, 40, .trailingBytes)),
        // VRID 0, v3 without address, interval 0.
        (v3([0x31, 0] + advertisement3[2...]), error(.vrid, 21, .badVRRP)),
        (v3([0x31, 7, 100, 0, 0, 100, 0, 0]), error(.addressCount, 23, .badVRRP)),
        (v3(Array(advertisement3[0..<4]) + [0xF0, 0] + advertisement3[6...]), error(.advertisementInterval, 24, .badVRRP)),
        (v2(Array(advertisement2[0..<5]) + [0] + advertisement2[6...]), error(.advertisementInterval, 25, .badVRRP)),
        // TTL not 255 (RFC 3768 §7.1, RFC 9568 §7.1), multicast other than 224.0.0.18.
        (v3(advertisement3, ttl: 254), error(.ttl, 8, .badVRRP)),
        (v2(advertisement2, ttl: 1), error(.ttl, 8, .badVRRP)),
        (v3(advertisement3, destination: [224, 0, 0, 1]), error(.destinationAddress, 16, .badVRRP)),
    ])
    func refusals(bytes: [UInt8], expected: DecodeError) {
        #expect(ProtoBytes.error(bytes) == expected)
    }

    /// v2 sums the message alone, v3 the pseudo-header too: each refuses the other's sum.
    @Test func checksumsByVersion() {
        let v2AsV3 = Self.v2([0x31] + Self.advertisement3[1...])
        #expect(ProtoBytes.error(v2AsV3) == Self.error(.checksum, 26, .badChecksum))
        let v3AsV2 = Self.v3([0x21] + Self.advertisement2[1...])
        #expect(ProtoBytes.error(v3AsV2) == Self.error(.checksum, 26, .badChecksum))
    }

    @Test func constructAndRoundTrip() throws {
        let header = VRRP.Header(version: 3, vrid: 9, priority: 255, addressCount: 1, word: 0x0064, checksum: 0xBEEF)
        var out = [UInt8](repeating: 0xAA, count: 12)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            header.emit(into: &bytes)
        }
        #expect(out == ProtoBytes.hex("3109ff01 0064beef aaaaaaaa"))
        #expect(header.interval == 100)
    }
}
