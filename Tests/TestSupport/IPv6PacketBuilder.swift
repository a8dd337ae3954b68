import Wire

/// Builds valid IPv6 packets as byte arrays, with checksums from `PacketBuilder`'s independent
/// RFC 1071 reference over the RFC 8200 §8.1 pseudo-header.
public enum IPv6PacketBuilder {
    /// fd00::1
    public static let client: [UInt8] = [0xFD, 0] + Array(repeating: 0, count: 13) + [1]
    /// fd00::2
    public static let server: [UInt8] = [0xFD, 0] + Array(repeating: 0, count: 13) + [2]
    /// fe80::1
    public static let linkLocal: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]
    /// fe80::2
    public static let linkLocal2: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [2]
    /// ff02::1, all nodes.
    public static let allNodes: [UInt8] = [0xFF, 0x02] + Array(repeating: 0, count: 13) + [1]
    /// ff02::16, all MLDv2-capable routers.
    public static let allMLDv2Routers: [UInt8] = [0xFF, 0x02] + Array(repeating: 0, count: 13) + [0x16]
    /// ff02::1:ff00:2, the solicited-node address of fd00::2.
    public static let solicitedServer: [UInt8] = [0xFF, 0x02] + Array(repeating: 0, count: 9) + [1, 0xFF, 0, 0, 2]
    /// ::
    public static let unspecified: [UInt8] = Array(repeating: 0, count: 16)

    public static func be16(_ value: UInt16) -> [UInt8] { PacketBuilder.be16(value) }
    public static func be32(_ value: UInt32) -> [UInt8] { PacketBuilder.be32(value) }

    /// A fixed header followed by `payload` (extension headers and the upper layer).
    public static func ipv6(
        next: UInt8, payload: [UInt8], source: [UInt8] = client, destination: [UInt8] = server,
        hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0
    ) -> [UInt8] {
        let first = UInt32(6) << 28 | UInt32(trafficClass) << 20 | flowLabel
        return be32(first) + be16(UInt16(payload.count)) + [next, hopLimit] + source + destination + payload
    }

    /// The RFC 8200 §8.1 pseudo-header.
    public static func pseudoHeader(source: [UInt8], destination: [UInt8], next: UInt8, length: Int) -> [UInt8] {
        source + destination + be32(UInt32(length)) + [0, 0, 0, next]
    }

    /// `segment` with its checksum at `checksumOffset` filled in for the given addresses.
    public static func checksummed(_ segment: [UInt8], next: UInt8, at checksumOffset: Int, source: [UInt8], destination: [UInt8]) -> [UInt8] {
        var bytes = segment
        bytes[checksumOffset] = 0
        bytes[checksumOffset + 1] = 0
        var sum = PacketBuilder.checksum(pseudoHeader(source: source, destination: destination, next: next, length: bytes.count) + bytes)
        if next == 17 && sum == 0 { sum = 0xFFFF }
        PacketBuilder.put(sum, at: checksumOffset, in: &bytes)
        return bytes
    }

    public static func tcp(flags: UInt8 = 0x02, options: [UInt8] = [], payload: [UInt8] = [], source: [UInt8] = client, destination: [UInt8] = server) -> [UInt8] {
        let segment = PacketBuilder.tcp(flags: flags, options: options, payload: payload)
        return checksummed(segment, next: 6, at: 16, source: source, destination: destination)
    }

    public static func udp(payload: [UInt8] = Array("abcd".utf8), source: [UInt8] = client, destination: [UInt8] = server) -> [UInt8] {
        let datagram = PacketBuilder.udp(payload: payload, withChecksum: false)
        return checksummed(datagram, next: 17, at: 6, source: source, destination: destination)
    }

    public static func icmpv6(type: UInt8, code: UInt8 = 0, rest: UInt32 = 0, body: [UInt8] = [], source: [UInt8] = client, destination: [UInt8] = server) -> [UInt8] {
        checksummed([type, code, 0, 0] + be32(rest) + body, next: 58, at: 2, source: source, destination: destination)
    }

    /// A whole TCP packet, with `headers` (already chained, the last naming TCP) between.
    public static func tcpPacket(headers: [UInt8] = [], first: UInt8 = 6, flags: UInt8 = 0x02, payload: [UInt8] = []) -> [UInt8] {
        ipv6(next: first, payload: headers + tcp(flags: flags, payload: payload))
    }

    public static func udpPacket(headers: [UInt8] = [], first: UInt8 = 17, payload: [UInt8] = Array("abcd".utf8)) -> [UInt8] {
        ipv6(next: first, payload: headers + udp(payload: payload))
    }

    /// An ICMPv6 packet; the checksum covers the given addresses.
    public static func icmpPacket(
        type: UInt8, code: UInt8 = 0, rest: UInt32 = 0, body: [UInt8] = [], headers: [UInt8] = [], first: UInt8 = 58,
        source: [UInt8] = client, destination: [UInt8] = server, hopLimit: UInt8 = 64
    ) -> [UInt8] {
        ipv6(next: first, payload: headers + icmpv6(type: type, code: code, rest: rest, body: body, source: source, destination: destination),
             source: source, destination: destination, hopLimit: hopLimit)
    }

    /// A hop-by-hop or destination options header: next header, length, then `options` padded
    /// with PadN (or Pad1) to a multiple of 8.
    public static func optionsHeader(next: UInt8, options: [UInt8]) -> [UInt8] {
        var body = options
        let pad = (8 - (body.count + 2) % 8) % 8
        if pad == 1 { body += [0] } else if pad > 1 { body += [1, UInt8(pad - 2)] + Array(repeating: 0, count: pad - 2) }
        return [next, UInt8((body.count + 2) / 8 - 1)] + body
    }

    /// Router alert for MLD (RFC 2711: type 5, length 2, value 0).
    public static let routerAlertMLD: [UInt8] = [5, 2, 0, 0]

    public static func fragmentHeader(next: UInt8, offset: UInt16 = 0, more: Bool = false, identification: UInt32 = 0x1234_5678) -> [UInt8] {
        [next, 0] + be16(offset << 3 | (more ? 1 : 0)) + be32(identification)
    }

    /// A type 2 routing header (RFC 6275 §6.4) holding `home`.
    public static func routingType2(next: UInt8, home: [UInt8] = server, segmentsLeft: UInt8 = 1) -> [UInt8] {
        [next, 2, 2, segmentsLeft, 0, 0, 0, 0] + home
    }

    public static func parse(_ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> IPv6Datagram {
        try IPv6Datagram(parsing: bytes.span.bytes, context: context, options: options)
    }

    public static func error(_ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()) -> DecodeError? {
        PacketBuilder.error { () throws(DecodeError) in try parse(bytes, context: context, options: options) }
    }

    public static func emit(_ datagram: IPv6Datagram, from original: [UInt8], mode: ChecksumMode = .compute) -> [UInt8] {
        PacketBuilder.emitHeader(length: datagram.encodedLength) { out in
            datagram.emit(payloadFrom: original.span.bytes, into: &out, transportChecksum: mode)
        }
    }

    /// Every extension header accepted, fragments too.
    public static let everything = DecodeOptions(
        allowFragments: true,
        allowedIPv6Headers: IPv6HeaderAllowances(hopByHop: true, destinationOptions: true, routingTypes: IPOptionTypes(1...255)))
}
