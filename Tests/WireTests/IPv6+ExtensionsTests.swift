import Testing
@testable import Wire
import TestSupport

/// The extension header walk: one test per rejection with its exact layer, field, offset and
/// reason (offsets from the start of the IPv6 header: the first extension header is at 40).
@Suite struct IPv6ExtensionsTests {
    typealias B = IPv6PacketBuilder
    static let everything = B.everything

    /// UDP behind `headers`, the first of which the fixed header names as `first`.
    static func udp(_ first: UInt8, _ headers: [UInt8]) -> [UInt8] { B.udpPacket(headers: headers, first: first) }

    // Hop-by-hop: next UDP, length 0 (8 bytes), router alert MLD, PadN of 2.
    static let hopByHop: [UInt8] = [17, 0, 5, 2, 0, 0, 1, 0]
    // Destination options: next UDP, length 0, tunnel encapsulation limit 4, PadN of 3.
    static let destination: [UInt8] = [17, 0, 4, 1, 4, 1, 1, 0]

    static func error(_ layer: DecodeError.Layer, _ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: layer, field: field, offset: offset, reason: reason)
    }

    static let rejections: [RejectionCase] = [
        // Policy by name, after the structure.
        RejectionCase(name: "hop-by-hop not accepted", bytes: udp(0, hopByHop),
                      expected: error(.ipv6HopByHop, .header, 40, .ipv6HopByHop)),
        RejectionCase(name: "destination options not accepted", bytes: udp(60, destination),
                      expected: error(.ipv6DestinationOptions, .header, 40, .ipv6DestinationOptions)),
        RejectionCase(name: "malformed hop-by-hop reported before its refusal by name",
                      bytes: udp(0, [17, 0, 5, 4, 0, 0, 0, 0]),  // router alert of length 4
                      expected: error(.ipv6HopByHop, .options, 42, .badIPv6Option)),
        RejectionCase(name: "fragment refusal waits for a later malformed header",
                      bytes: udp(44, B.fragmentHeader(next: 60, more: true) + [17, 0, 0x3E, 2, 0, 0, 1, 0] + Array(repeating: 0, count: 4)),
                      options: DecodeOptions(allowedIPv6Headers: everything.allowedIPv6Headers),
                      expected: error(.ipv6DestinationOptions, .options, 50, .ipv6OptionUnknown)),
        // Order and repetition (RFC 8200 §4.1): the error points at the next header field naming the misplaced header.
        RejectionCase(name: "hop-by-hop after destination options", bytes: udp(60, [0, 0, 4, 1, 4, 1, 1, 0] + hopByHop), options: everything,
                      expected: error(.ipv6HopByHop, .nextHeader, 40, .badExtensionOrder)),
        RejectionCase(name: "two destination options headers back to back", bytes: udp(60, [60, 0, 4, 1, 4, 1, 1, 0] + destination),
                      options: everything, expected: error(.ipv6DestinationOptions, .nextHeader, 40, .badExtensionOrder)),
        RejectionCase(name: "two routing headers", bytes: udp(43, B.routingType2(next: 43) + B.routingType2(next: 17)), options: everything,
                      expected: error(.ipv6Routing, .nextHeader, 40, .badExtensionOrder)),
        RejectionCase(name: "routing after fragment", bytes: udp(44, B.fragmentHeader(next: 43) + B.routingType2(next: 17)), options: everything,
                      expected: error(.ipv6Routing, .nextHeader, 40, .badExtensionOrder)),
        RejectionCase(name: "three destination options headers",
                      bytes: udp(60, [44, 0, 4, 1, 4, 1, 1, 0] + B.fragmentHeader(next: 60) + [60, 0, 4, 1, 4, 1, 1, 0] + destination),
                      options: everything, expected: error(.ipv6DestinationOptions, .nextHeader, 56, .badExtensionOrder)),
        // Options, one by one (RFC 8200 §4.2, RFC 4942 §2.1.9.5).
        RejectionCase(name: "padding run of 8 bytes", bytes: udp(0, [17, 1, 5, 2, 0, 0] + Array(repeating: 0, count: 10)), options: everything,
                      expected: error(.ipv6HopByHop, .options, 53, .badIPv6Padding)),
        RejectionCase(name: "PadN of 8 bytes", bytes: udp(0, [17, 1, 5, 2, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 48, .badIPv6Padding)),
        RejectionCase(name: "PadN with data", bytes: udp(60, [17, 0, 4, 1, 4, 1, 1, 0xAA]), options: everything,
                      expected: error(.ipv6DestinationOptions, .options, 45, .badIPv6Padding)),
        RejectionCase(name: "a header of padding only", bytes: udp(0, [17, 0, 1, 4, 0, 0, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 42, .badIPv6Padding)),
        RejectionCase(name: "unknown option whose action bits say skip", bytes: udp(0, [17, 0, 0x3E, 2, 0, 0, 1, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 42, .ipv6OptionUnknown)),
        RejectionCase(name: "router alert in destination options", bytes: udp(60, [17, 0, 5, 2, 0, 0, 1, 0]), options: everything,
                      expected: error(.ipv6DestinationOptions, .options, 42, .ipv6OptionUnknown)),
        RejectionCase(name: "tunnel encapsulation limit in hop-by-hop", bytes: udp(0, [17, 0, 4, 1, 4, 1, 1, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 42, .ipv6OptionUnknown)),
        RejectionCase(name: "jumbo payload option (RFC 2675)", bytes: udp(0, [17, 0, 0xC2, 4, 0, 1, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 42, .jumbogram)),
        RejectionCase(name: "option past the header", bytes: udp(0, [17, 0, 5, 6, 0, 0, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 42, .badIPv6Option)),
        RejectionCase(name: "option type without its length byte", bytes: udp(0, [17, 0, 5, 2, 0, 0, 0, 5]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 47, .badIPv6Option)),
        RejectionCase(name: "router alert twice", bytes: udp(0, [17, 1, 5, 2, 0, 0, 5, 2, 0, 0, 1, 4, 0, 0, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .options, 46, .badIPv6Option)),
        RejectionCase(name: "home address not unicast",
                      bytes: udp(60, [17, 2, 1, 2, 0, 0, 0xC9, 16] + B.allNodes), options: everything,
                      expected: error(.ipv6DestinationOptions, .options, 48, .badIPv6Option)),
        RejectionCase(name: "header longer than the packet", bytes: udp(0, [17, 5, 5, 2, 0, 0, 1, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .length, 41, .truncated)),
        RejectionCase(name: "header shorter than 8 bytes", bytes: B.ipv6(next: 0, payload: [17, 0, 5, 2, 0, 0]), options: everything,
                      expected: error(.ipv6HopByHop, .header, 40, .truncated)),
        // Routing (RFC 8200 §4.4, RFC 5095, RFC 6275 §6.4).
        RejectionCase(name: "routing type 0, whatever the rules say", bytes: udp(43, [17, 2, 0, 1, 0, 0, 0, 0] + B.server), options: everything,
                      expected: error(.ipv6Routing, .routingType, 42, .ipv6RoutingType0)),
        RejectionCase(name: "routing type 2 not accepted", bytes: udp(43, B.routingType2(next: 17)),
                      expected: error(.ipv6Routing, .routingType, 42, .ipv6Routing)),
        RejectionCase(name: "routing type 2 with no segments left", bytes: udp(43, B.routingType2(next: 17, segmentsLeft: 0)), options: everything,
                      expected: error(.ipv6Routing, .segmentsLeft, 43, .badRoutingHeader)),
        RejectionCase(name: "routing type 2 of the wrong length", bytes: udp(43, [17, 1, 2, 1, 0, 0, 0, 0] + Array(B.server.prefix(8))),
                      options: everything, expected: error(.ipv6Routing, .length, 41, .badRoutingHeader)),
        RejectionCase(name: "routing type 2 to a multicast home", bytes: udp(43, B.routingType2(next: 17, home: B.allNodes)), options: everything,
                      expected: error(.ipv6Routing, .destinationAddress, 48, .badRoutingHeader)),
        RejectionCase(name: "routing type 4 not accepted", bytes: udp(43, [17, 0, 4, 0, 0, 0, 0, 0]),
                      expected: error(.ipv6Routing, .routingType, 42, .ipv6Routing)),
        RejectionCase(name: "accepted routing type 4 with segments left", bytes: udp(43, [17, 0, 4, 1, 0, 0, 0, 0]), options: everything,
                      expected: error(.ipv6Routing, .segmentsLeft, 43, .badRoutingHeader)),
        // Fragments (RFC 8200 §4.5, RFC 7112).
        RejectionCase(name: "fragment not accepted",
                      bytes: B.udpPacket(headers: B.fragmentHeader(next: 17, more: true), first: 44, payload: Array(repeating: 1, count: 8)),
                      expected: error(.ipv6Fragment, .fragmentOffset, 42, .fragment)),
        RejectionCase(name: "later fragment not accepted", bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 17, offset: 100) + [1, 2, 3]),
                      expected: error(.ipv6Fragment, .fragmentOffset, 42, .fragment)),
        RejectionCase(name: "fragment not a multiple of 8 with more to come",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 17, offset: 1, more: true) + [1, 2, 3]), options: everything,
                      expected: error(.ipv6Fragment, .payloadLength, 4, .badFragmentLength)),
        RejectionCase(name: "fragment ending past 65535",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 17, offset: 8191) + Array(repeating: 0, count: 16)),
                      options: everything, expected: error(.ipv6Fragment, .fragmentOffset, 42, .badFragmentLength)),
        RejectionCase(name: "first fragment without the whole TCP header",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 6, more: true) + Array(B.tcp().prefix(16))), options: everything,
                      expected: error(.tcp, .header, 48, .incompleteHeaderChain)),
        RejectionCase(name: "first fragment cut inside a destination options header",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 60, more: true) + [17, 1, 4, 1, 4, 1, 1, 0]), options: everything,
                      expected: error(.ipv6DestinationOptions, .length, 49, .incompleteHeaderChain)),
        RejectionCase(name: "later TCP fragment at offset 1 (RFC 1858)",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 6, offset: 1) + [1, 2, 3]), options: everything,
                      expected: error(.ipv6Fragment, .fragmentOffset, 42, .fragment)),
        RejectionCase(name: "later fragment of an extension header",
                      bytes: B.ipv6(next: 44, payload: B.fragmentHeader(next: 60, offset: 2) + [1, 2, 3]), options: everything,
                      expected: error(.ipv6Fragment, .nextHeader, 40, .unknownProtocol)),
        // The end of the chain.
        RejectionCase(name: "bytes after no next header", bytes: B.ipv6(next: 59, payload: [0, 0, 0, 0]),
                      expected: error(.ipv6, .nextHeader, 6, .trailingBytes)),
        RejectionCase(name: "bytes after no next header in a chain", bytes: B.ipv6(next: 0, payload: [59, 0, 5, 2, 0, 0, 1, 0, 9]), options: everything,
                      expected: error(.ipv6HopByHop, .nextHeader, 40, .trailingBytes)),
        RejectionCase(name: "ESP", bytes: B.ipv6(next: 50, payload: Array(repeating: 0, count: 16)),
                      expected: error(.ipv6, .nextHeader, 6, .unknownProtocol)),
        RejectionCase(name: "AH after hop-by-hop", bytes: B.ipv6(next: 0, payload: [51, 0, 5, 2, 0, 0, 1, 0] + Array(repeating: 0, count: 16)),
                      options: everything, expected: error(.ipv6HopByHop, .nextHeader, 40, .unknownProtocol)),
        RejectionCase(name: "IPv4 in IPv6", bytes: B.ipv6(next: 4, payload: DatagramTests.goldenUDP),
                      expected: error(.ipv6, .nextHeader, 6, .unknownProtocol)),
        RejectionCase(name: "mobility header", bytes: B.ipv6(next: 135, payload: Array(repeating: 0, count: 8)),
                      expected: error(.ipv6, .nextHeader, 6, .unknownProtocol)),
        RejectionCase(name: "nothing where the chain goes on", bytes: B.ipv6(next: 0, payload: []), options: everything,
                      expected: error(.ipv6HopByHop, .header, 40, .truncated)),
    ]

    @Test(arguments: rejections) func rejects(_ testCase: RejectionCase) {
        #expect(B.error(testCase.bytes, context: testCase.context, options: testCase.options) == testCase.expected)
    }

    @Test func acceptsTheWholeOrderWhenAllowed() throws {
        // Destination options, routing type 2, fragment (atomic), destination options, UDP.
        let headers = [43, 0, 4, 1, 4, 1, 1, 0] + B.routingType2(next: 44) + B.fragmentHeader(next: 60) + [17, 0, 4, 1, 0, 1, 1, 0]
        let udp = B.checksummed(PacketBuilder.udp(withChecksum: false), next: 17, at: 6, source: B.client, destination: B.server)
        var bytes = B.ipv6(next: 60, payload: headers + udp)
        bytes.replaceSubrange(24..<40, with: B.linkLocal2)  // care-of address; the home address is fd00::2
        let datagram = try B.parse(bytes, options: Self.everything)
        #expect(datagram.extensions.destinationOptions?.tunnelEncapsulationLimit == 4)
        #expect(datagram.extensions.routing?.homeAddress == IPv6Address("fd00::2"))
        #expect(datagram.extensions.fragment?.isAtomic == true)
        #expect(datagram.extensions.finalDestinationOptions?.tunnelEncapsulationLimit == 0)
        #expect(datagram.extensions.length == 48 && datagram.proto == .udp && datagram.payloadOffset == 96)
        #expect(datagram.normalizations.isEmpty)
        #expect(B.emit(datagram, from: bytes) == bytes)
        // The checksum covers the final destination (RFC 8200 §8.1): over the care-of address it fails.
        var wrong = bytes
        wrong.replaceSubrange(88 + 6..<88 + 8, with: B.checksummed(PacketBuilder.udp(withChecksum: false), next: 17, at: 6,
                                                                   source: B.client, destination: B.linkLocal2)[6..<8])
        #expect(B.error(wrong, options: Self.everything) == Self.error(.udp, .checksum, 94, .badChecksum))
    }

    @Test func hopByHopKeepsTheRouterAlert() throws {
        let bytes = Self.udp(0, Self.hopByHop)
        let datagram = try B.parse(bytes, options: DecodeOptions(allowedIPv6Headers: IPv6HeaderAllowances(hopByHop: true)))
        #expect(datagram.extensions.hopByHop?.routerAlert == 0 && datagram.extensions.hopByHop?.length == 8)
        #expect(B.emit(datagram, from: bytes) == bytes)
    }

    @Test func destinationOptionsKeepTheirPlaceAndTheHomeAddress() throws {
        // Destination options: home address fd00::1 (RFC 6275 §6.3), then PadN to 24 bytes.
        let home = IPv6Address("fd00::1")!
        let headers = B.optionsHeader(next: 17, options: [0xC9, 16] + B.client)
        let bytes = Self.udp(60, headers)
        let datagram = try B.parse(bytes, options: Self.everything)
        // Alone before the upper layer it takes the first place in the order (RFC 8200 §4.1).
        let options = try #require(datagram.extensions.destinationOptions)
        #expect(options.offset == 40 && options.length == 24)
        bytes.withUnsafeBytes { raw in
            #expect(options.homeAddress(in: raw.bytes) == home)
            #expect(Array(options.options(in: raw.bytes).withUnsafeBytes { Array($0) }) == Array(headers[2...]))
        }
        #expect(options.tunnelEncapsulationLimit == nil && options.routerAlert == nil)
        #expect(B.emit(datagram, from: bytes) == bytes)
    }

    @Test func acceptedRoutingTypeWithoutSegmentsLeftPassesAsReceived() throws {
        let bytes = Self.udp(43, [17, 1, 4, 0, 0, 0, 0, 0] + Array(1...8))
        let datagram = try B.parse(bytes, options: Self.everything)
        #expect(datagram.extensions.routing?.routingType == 4 && datagram.extensions.routing?.homeAddress == nil)
        #expect(B.emit(datagram, from: bytes) == bytes)
    }

    @Test func reservedFieldsAreCleared() throws {
        var bytes = Self.udp(43, B.routingType2(next: 44) + B.fragmentHeader(next: 17))
        bytes[44] = 0xFF             // routing type 2 reserved
        bytes[65] = 0x5A             // fragment reserved byte
        bytes[67] |= 0b110           // fragment res bits
        let datagram = try B.parse(bytes, options: Self.everything)
        #expect(datagram.normalizations == [.ipv6RoutingReserved, .ipv6FragmentReserved])
        let rebuilt = B.emit(datagram, from: bytes)
        #expect(rebuilt[44] == 0 && rebuilt[65] == 0 && rebuilt[67] & 0b110 == 0)
        #expect(try B.parse(rebuilt, options: Self.everything).normalizations.isEmpty)
    }

    @Test func atomicFragmentIsAWholePacket() throws {
        // RFC 6946 §4: judged in isolation, without `accept fragments`, checksum verified.
        let bytes = Self.udp(44, B.fragmentHeader(next: 17))
        let datagram = try B.parse(bytes)
        #expect(datagram.extensions.fragment?.isAtomic == true && !datagram.extensions.isFragment)
        var bad = bytes
        bad[bad.count - 1] ^= 1
        #expect(B.error(bad) == Self.error(.udp, .checksum, 54, .badChecksum))
    }

    @Test func fragmentsWhenAccepted() throws {
        let udp = B.udp(payload: Array(repeating: 7, count: 40))
        let first = B.ipv6(next: 44, payload: B.fragmentHeader(next: 17, more: true) + Array(udp.prefix(24)))
        let datagram = try B.parse(first, options: Self.everything)
        #expect(datagram.destinationPort == 53 && datagram.extensions.isFirstFragment)
        #expect(B.emit(datagram, from: first) == first)
        let later = B.ipv6(next: 44, payload: B.fragmentHeader(next: 17, offset: 3) + Array(udp[24...]))
        let rest = try B.parse(later, options: Self.everything)
        #expect(rest.transport == .fragment && rest.proto == .udp && rest.payloadLength == 24)
        #expect(B.emit(rest, from: later) == later)
    }

    @Test func noNextHeaderAlone() throws {
        let bytes = B.ipv6(next: 59, payload: [])
        let datagram = try B.parse(bytes)
        #expect(datagram.transport == .noNextHeader && datagram.encodedLength == 40)
        #expect(B.emit(datagram, from: bytes) == bytes)
    }

    @Test func allowancesByName() {
        var allowances = IPv6HeaderAllowances()
        for good in ["hop-by-hop", "destination-options", "routing-2", "routing-255"] {
            let inserted = allowances.insert(name: Substring(good))
            #expect(inserted, "\(good)")
        }
        for bad in ["routing-0", "routing-256", "routing-02", "routing-", "routing", "fragment", "ah"] {
            let inserted = allowances.insert(name: Substring(bad))
            #expect(!inserted, "\(bad)")
        }
        #expect(allowances == IPv6HeaderAllowances(hopByHop: true, destinationOptions: true, routingTypes: IPOptionTypes([2, 255])))
    }
}
