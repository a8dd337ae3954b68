import Rules
import Wire

/// What the engine needs of a decoded datagram, for each family's own decoder (`Datagram`,
/// `IPv6Datagram`). The engine's path is generic over it and specialized per family, so that
/// a packet is judged on its family's value directly: wrapping it in `IPDatagram` (an enum as
/// large as its largest case, 568 bytes) cost the hot path a copy of that value at every step,
/// about 60 ns for IPv6 and more for IPv4 (BENCHMARKS.md).
protocol JudgedDatagram {
    init(parsing bytes: RawSpan, context: PacketContext, options: DecodeOptions) throws(DecodeError)
    var normalizations: Normalizations { get }
    var encodedLength: Int { get }
    func emit(payloadFrom original: RawSpan, into out: inout MutableRawSpan, transportChecksum: ChecksumMode)
    var sourcePort: UInt16? { get }
    var destinationPort: UInt16? { get }
    var icmpType: UInt8? { get }
    var icmpCode: UInt8? { get }
    /// IPv4's protocol field, or the IPv6 chain's upper-layer protocol.
    var judgedProto: IPProtocol { get }
    var judgedSource: IPAddress { get }
    /// The header's destination field (for IPv6 not a routing header's final destination).
    var judgedDestination: IPAddress { get }
    /// IPv4 TTL or IPv6 hop limit.
    var judgedHopLimit: UInt8 { get }
    /// IPv4 total length, or 40 + the IPv6 payload length.
    var judgedLength: UInt32 { get }
    /// The TCP flags byte; nil unless TCP.
    var judgedTCPFlags: UInt8? { get }
    /// The packet a tunnel carries (GRE, IP-in-IP, IPv6-in-IPv4): only an IPv4 datagram has one.
    var judgedInner: InnerPacket? { get }
    /// Where a UDP datagram's payload lies in the packet; nil unless UDP (`inspect dns`).
    var udpPayload: Range<Int>? { get }
}

extension Datagram: JudgedDatagram {
    var judgedProto: IPProtocol { ipv4.proto }
    var judgedSource: IPAddress { .v4(ipv4.source) }
    var judgedDestination: IPAddress { .v4(ipv4.destination) }
    var judgedHopLimit: UInt8 { ipv4.ttl }
    var judgedLength: UInt32 { UInt32(ipv4.totalLength) }
    var judgedInner: InnerPacket? { inner }
    var judgedTCPFlags: UInt8? {
        guard case .tcp(let header) = transport else { return nil }
        return UInt8(truncatingIfNeeded: header.flags.rawValue)
    }
    var udpPayload: Range<Int>? {
        guard case .udp = transport else { return nil }
        return payloadOffset..<payloadOffset + payloadLength
    }
}

extension IPv6Datagram: JudgedDatagram {
    var judgedProto: IPProtocol { proto }
    var judgedSource: IPAddress { .v6(ipv6.source) }
    var judgedDestination: IPAddress { .v6(ipv6.destination) }
    var judgedHopLimit: UInt8 { ipv6.hopLimit }
    var judgedLength: UInt32 { UInt32(IPv6.headerLength) + UInt32(ipv6.payloadLength) }
    /// IPv6 tunnels (4in6, 6in6, GRE over IPv6) are not decoded: an IPv6 packet has no inner one.
    var judgedInner: InnerPacket? { nil }
    var judgedTCPFlags: UInt8? {
        guard case .tcp(let header) = transport else { return nil }
        return UInt8(truncatingIfNeeded: header.flags.rawValue)
    }
    var udpPayload: Range<Int>? {
        guard case .udp = transport else { return nil }
        return payloadOffset..<payloadOffset + payloadLength
    }
}
