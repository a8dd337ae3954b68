import Testing
@testable import Wire
import TestSupport

@Suite struct ICMPv6Tests {
    typealias B = IPv6PacketBuilder

    static func error(_ field: DecodeError.Field, _ offset: Int, _ reason: DecodeError.Reason) -> DecodeError {
        DecodeError(layer: .icmpv6, field: field, offset: offset, reason: reason)
    }

    /// A source link-layer address option (RFC 4861 §4.6.1): type 1, length 1 (8 bytes), MAC.
    static let sourceLinkLayer: [UInt8] = [1, 1, 0x02, 0, 0, 0, 0, 0x01]
    /// What an error quotes: the start of the golden UDP packet (version 6).
    static let quoted = Array(IPv6Tests.goldenUDP.prefix(48))

    /// NS fd00::1 → ff02::1:ff00:2 for target fd00::2 with a source link-layer address.
    static let neighborSolicitation = B.icmpPacket(
        type: 135, body: B.server + sourceLinkLayer, destination: B.solicitedServer, hopLimit: 255)
    /// NA fd00::2 → fd00::1, Solicited and Override, target fd00::2.
    static let neighborAdvertisement = B.icmpPacket(
        type: 136, rest: 0x6000_0000, body: B.server + [2, 1, 2, 0, 0, 0, 0, 2], source: B.server, destination: B.client, hopLimit: 255)
    /// RS fe80::1 → ff02::1.
    static let routerSolicitation = B.icmpPacket(type: 133, body: sourceLinkLayer, source: B.linkLocal, destination: B.allNodes, hopLimit: 255)
    /// RA fe80::1 → ff02::1: hop limit 64, router lifetime 1800, reachable 0, retransmit 0.
    static let routerAdvertisement = B.icmpPacket(
        type: 134, rest: 0x4000_0708, body: [0, 0, 0, 0, 0, 0, 0, 0] + sourceLinkLayer, source: B.linkLocal, destination: B.allNodes, hopLimit: 255)
    /// Redirect fe80::1 → fd00::1: target fe80::2, destination fd00::2.
    static let redirect = B.icmpPacket(type: 137, body: B.linkLocal2 + B.server, source: B.linkLocal, destination: B.client, hopLimit: 255)
    /// MLDv2 report fe80::1 → ff02::16, hop limit 1, hop-by-hop router alert, one record
    /// (change to exclude, no sources) for ff02::fb.
    static let mldReport: [UInt8] = B.icmpPacket(
        type: 143, rest: 1, body: [4, 0, 0, 0, 0xFF, 0x02] + Array(repeating: 0, count: 13) + [0xFB],
        headers: B.optionsHeader(next: 58, options: B.routerAlertMLD), first: 0,
        source: B.linkLocal, destination: B.allMLDv2Routers, hopLimit: 1)
    /// MLDv1 query fe80::1 → ff02::1 (general), maximum response delay 10000.
    static let mldQuery: [UInt8] = B.icmpPacket(
        type: 130, rest: 0x2710_0000, body: B.unspecified, headers: B.optionsHeader(next: 58, options: B.routerAlertMLD), first: 0,
        source: B.linkLocal, destination: B.allNodes, hopLimit: 1)
    static let withHopByHop = DecodeOptions(allowedIPv6Headers: IPv6HeaderAllowances(hopByHop: true))

    static let accepted: [(String, [UInt8])] = [
        ("echo request", IPv6Tests.goldenICMP),
        ("echo reply", B.icmpPacket(type: 129, rest: 0x0007_0001)),
        ("destination unreachable, port", B.icmpPacket(type: 1, code: 4, body: quoted)),
        ("destination unreachable, headers too long (RFC 8883)", B.icmpPacket(type: 1, code: 8, body: quoted)),
        ("packet too big 1280", B.icmpPacket(type: 2, rest: 1280, body: quoted)),
        ("time exceeded", B.icmpPacket(type: 3, code: 1, body: quoted)),
        ("parameter problem, incomplete chain (RFC 7112)", B.icmpPacket(type: 4, code: 3, rest: 40, body: quoted)),
        ("parameter problem, option too big (RFC 8883)", B.icmpPacket(type: 4, code: 10, rest: 42, body: quoted)),
        ("neighbor solicitation", neighborSolicitation),
        ("duplicate address detection", B.icmpPacket(type: 135, body: B.server, source: B.unspecified, destination: B.solicitedServer, hopLimit: 255)),
        ("neighbor advertisement", neighborAdvertisement),
        ("unsolicited neighbor advertisement to all nodes",
         B.icmpPacket(type: 136, rest: 0x2000_0000, body: B.server, source: B.server, destination: B.allNodes, hopLimit: 255)),
        ("router solicitation", routerSolicitation),
        ("router advertisement", routerAdvertisement),
        ("redirect", redirect),
    ]

    @Test(arguments: accepted) func accepts(_ named: (String, [UInt8])) throws {
        let datagram = try B.parse(named.1)
        #expect(datagram.normalizations.isEmpty)
        #expect(B.emit(datagram, from: named.1) == named.1)
    }

    @Test func deconstructEcho() throws {
        let datagram = try B.parse(IPv6Tests.goldenICMP)
        #expect(datagram.transport == .icmpv6(ICMPv6.Header(type: .echoRequest, code: 0, checksum: 0xA6DB, restOfHeader: 0x0007_0001)))
        #expect(datagram.icmpType == 128 && datagram.icmpCode == 0 && datagram.payloadLength == 4)
        #expect(datagram.description == "icmp6 fd00::1 -> fd00::2 type echo-request code 0")
    }

    @Test func multicastListenerMessagesNeedHopByHop() throws {
        for packet in [Self.mldReport, Self.mldQuery] {
            let datagram = try B.parse(packet, options: Self.withHopByHop)
            #expect(B.emit(datagram, from: packet) == packet)
            #expect(B.error(packet) == DecodeError(layer: .ipv6HopByHop, field: .header, offset: 40, reason: .ipv6HopByHop))
        }
    }

    static let rejections: [RejectionCase] = {
        func changed(_ bytes: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var copy = bytes
            change(&copy)
            return copy
        }
        let options = withHopByHop
        return [
            RejectionCase(name: "shorter than 8", bytes: B.ipv6(next: 58, payload: [128, 0, 0, 0]), expected: error(.header, 40, .truncated)),
            RejectionCase(name: "bad checksum", bytes: changed(IPv6Tests.goldenICMP) { $0[51] ^= 1 }, expected: error(.checksum, 42, .badChecksum)),
            RejectionCase(name: "unknown type", bytes: B.icmpPacket(type: 200), expected: error(.type, 40, .unknownICMPType)),
            RejectionCase(name: "node information query", bytes: B.icmpPacket(type: 139), expected: error(.type, 40, .unknownICMPType)),
            RejectionCase(name: "echo code 1", bytes: B.icmpPacket(type: 128, code: 1), expected: error(.code, 41, .badICMPCode)),
            RejectionCase(name: "unreachable code 9", bytes: B.icmpPacket(type: 1, code: 9, body: quoted), expected: error(.code, 41, .badICMPCode)),
            RejectionCase(name: "parameter problem code 11", bytes: B.icmpPacket(type: 4, code: 11, body: quoted), expected: error(.code, 41, .badICMPCode)),
            RejectionCase(name: "error quoting less than an IPv6 header", bytes: B.icmpPacket(type: 1, body: Array(quoted.prefix(39))),
                          expected: error(.embeddedHeader, 48, .truncated)),
            RejectionCase(name: "error quoting IPv4", bytes: B.icmpPacket(type: 3, body: DatagramTests.goldenTCP),
                          expected: error(.embeddedHeader, 48, .badVersion)),
            RejectionCase(name: "error longer than 1280 bytes", bytes: B.icmpPacket(type: 1, body: quoted + Array(repeating: 0, count: 1185)),
                          expected: error(.header, 40, .icmpv6TooLong)),
            RejectionCase(name: "packet too big below 1280", bytes: B.icmpPacket(type: 2, rest: 1279, body: quoted), expected: error(.mtu, 44, .badMTU)),
            // Neighbor discovery (RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1; RFC 6980 §5).
            RejectionCase(name: "NS with hop limit 254", bytes: changed(neighborSolicitation) { $0[7] = 254 },
                          expected: error(.hopLimit, 7, .badNeighborDiscovery)),
            RejectionCase(name: "NS code 1", bytes: B.icmpPacket(type: 135, code: 1, body: B.server, destination: B.solicitedServer, hopLimit: 255),
                          expected: error(.code, 41, .badICMPCode)),
            RejectionCase(name: "NS shorter than 24", bytes: B.icmpPacket(type: 135, body: Array(B.server.prefix(12)), hopLimit: 255),
                          expected: error(.length, 40, .badNeighborDiscovery)),
            RejectionCase(name: "NS for a multicast target", bytes: B.icmpPacket(type: 135, body: B.allNodes, hopLimit: 255),
                          expected: error(.targetAddress, 48, .badNeighborDiscovery)),
            RejectionCase(name: "ND option of length 0", bytes: B.icmpPacket(type: 135, body: B.server + [1, 0, 0, 0, 0, 0, 0, 0], hopLimit: 255),
                          expected: error(.ndOption, 64, .badNeighborDiscovery)),
            RejectionCase(name: "ND option past the message", bytes: B.icmpPacket(type: 135, body: B.server + [1, 2, 0, 0, 0, 0, 0, 0], hopLimit: 255),
                          expected: error(.ndOption, 64, .badNeighborDiscovery)),
            RejectionCase(name: "ND option cut before its length", bytes: B.icmpPacket(type: 133, body: [1], source: B.linkLocal, hopLimit: 255),
                          expected: error(.ndOption, 48, .badNeighborDiscovery)),
            RejectionCase(name: "NS from :: with a source link-layer address",
                          bytes: B.icmpPacket(type: 135, body: B.server + sourceLinkLayer, source: B.unspecified, destination: B.solicitedServer, hopLimit: 255),
                          expected: error(.ndOption, 64, .badNeighborDiscovery)),
            RejectionCase(name: "NS from :: not to a solicited-node address",
                          bytes: B.icmpPacket(type: 135, body: B.server, source: B.unspecified, destination: B.allNodes, hopLimit: 255),
                          expected: error(.destinationAddress, 24, .badNeighborDiscovery)),
            RejectionCase(name: "RS from :: with a source link-layer address",
                          bytes: B.icmpPacket(type: 133, body: sourceLinkLayer, source: B.unspecified, destination: B.allNodes, hopLimit: 255),
                          expected: error(.ndOption, 48, .badNeighborDiscovery)),
            RejectionCase(name: "NA to a multicast destination with Solicited",
                          bytes: B.icmpPacket(type: 136, rest: 0x4000_0000, body: B.server, source: B.server, destination: B.allNodes, hopLimit: 255),
                          expected: error(.flags, 44, .badNeighborDiscovery)),
            RejectionCase(name: "NA for a multicast target", bytes: B.icmpPacket(type: 136, body: B.allNodes, hopLimit: 255),
                          expected: error(.targetAddress, 48, .badNeighborDiscovery)),
            RejectionCase(name: "RA from a global address", bytes: B.icmpPacket(type: 134, body: Array(repeating: 0, count: 8), hopLimit: 255),
                          expected: error(.sourceAddress, 8, .badNeighborDiscovery)),
            RejectionCase(name: "RA shorter than 16", bytes: B.icmpPacket(type: 134, body: [0, 0, 0, 0], source: B.linkLocal, hopLimit: 255),
                          expected: error(.length, 40, .badNeighborDiscovery)),
            RejectionCase(name: "redirect to a multicast destination",
                          bytes: B.icmpPacket(type: 137, body: B.linkLocal2 + B.allNodes, source: B.linkLocal, hopLimit: 255),
                          expected: error(.destinationAddress, 64, .badNeighborDiscovery)),
            RejectionCase(name: "ND in an atomic fragment",
                          bytes: B.icmpPacket(type: 135, body: B.server, headers: B.fragmentHeader(next: 58), first: 44,
                                              destination: B.solicitedServer, hopLimit: 255),
                          expected: error(.type, 48, .fragment)),
            // MLD (RFC 3810 §5, §7.4; RFC 2710).
            RejectionCase(name: "MLD with hop limit 2", bytes: changed(mldReport) { $0[7] = 2 }, options: options,
                          expected: error(.hopLimit, 7, .badMLD)),
            RejectionCase(name: "MLD without a router alert",
                          bytes: B.icmpPacket(type: 143, body: [], source: B.linkLocal, destination: B.allMLDv2Routers, hopLimit: 1),
                          expected: error(.type, 40, .badMLD)),
            RejectionCase(name: "MLD query from a global address",
                          bytes: B.icmpPacket(type: 130, body: B.unspecified, headers: B.optionsHeader(next: 58, options: B.routerAlertMLD), first: 0,
                                              destination: B.allNodes, hopLimit: 1),
                          options: options, expected: error(.sourceAddress, 8, .badMLD)),
            RejectionCase(name: "MLDv2 report with bytes after its records",
                          bytes: B.icmpPacket(type: 143, rest: 0, body: [0, 0, 0, 0], headers: B.optionsHeader(next: 58, options: B.routerAlertMLD),
                                              first: 0, source: B.linkLocal, destination: B.allMLDv2Routers, hopLimit: 1),
                          options: options, expected: error(.length, 48, .badMLD)),
            RejectionCase(name: "MLDv1 report of 23 bytes",
                          bytes: B.icmpPacket(type: 131, body: Array(B.allNodes.prefix(15)), headers: B.optionsHeader(next: 58, options: B.routerAlertMLD),
                                              first: 0, source: B.linkLocal, destination: B.allNodes, hopLimit: 1),
                          options: options, expected: error(.length, 48, .badMLD)),
        ]
    }()

    @Test(arguments: rejections) func rejects(_ testCase: RejectionCase) {
        #expect(B.error(testCase.bytes, context: testCase.context, options: testCase.options) == testCase.expected)
    }

    @Test func unusedAndReservedBitsAreCleared() throws {
        for (type, rest, kept) in [(UInt8(1), UInt32(0xDEAD_BEEF), UInt32(0)), (3, 1, 0), (136, 0x7FFF_FFFF, 0x6000_0000)] {
            let body = type == 136 ? B.server : Self.quoted
            let bytes = B.icmpPacket(type: type, rest: rest, body: body, source: B.server, destination: B.client, hopLimit: 255)
            let datagram = try B.parse(bytes)
            #expect(datagram.normalizations == .icmpv6Reserved)
            let rebuilt = B.emit(datagram, from: bytes)
            #expect(PacketBuilder.be32(kept) == Array(rebuilt[44..<48]))
            let again = try B.parse(rebuilt)
            #expect(again.normalizations.isEmpty)
        }
    }
}
