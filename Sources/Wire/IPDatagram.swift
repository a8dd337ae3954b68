/// A decoded packet of either family: the entry point for a queue that carries both
/// (iptables and ip6tables rules may point at the same queue).
///
/// The version nibble chooses the decoder; anything that is not version 6 goes to the IPv4
/// decoder, so every non-IPv6 input is judged exactly as `Datagram(parsing:)` judges it.
public enum IPDatagram: Equatable, Sendable {
    case ipv4(Datagram)
    case ipv6(IPv6Datagram)

    /// Decodes the packet with the decoder of its family, or throws that decoder's first
    /// violation. Never traps on any input.
    public init(
        parsing bytes: RawSpan, context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) throws(DecodeError) {
        if bytes.byteCount > 0 && bytes.byte(at: 0) >> 4 == 6 {
            self = .ipv6(try IPv6Datagram(parsing: bytes, context: context, options: options))
        } else {
            self = .ipv4(try Datagram(parsing: bytes, context: context, options: options))
        }
    }

    /// What the rebuild changes; empty means `emit` reproduces the received bytes.
    public var normalizations: Normalizations {
        switch self {
        case .ipv4(let datagram): datagram.normalizations
        case .ipv6(let datagram): datagram.normalizations
        }
    }

    /// Bytes `emit` will write.
    public var encodedLength: Int {
        switch self {
        case .ipv4(let datagram): datagram.encodedLength
        case .ipv6(let datagram): datagram.encodedLength
        }
    }

    /// The family's `emit(payloadFrom:into:transportChecksum:)`, with its guarantees.
    public func emit(payloadFrom original: RawSpan, into out: inout MutableRawSpan, transportChecksum: ChecksumMode) {
        switch self {
        case .ipv4(let datagram): datagram.emit(payloadFrom: original, into: &out, transportChecksum: transportChecksum)
        case .ipv6(let datagram): datagram.emit(payloadFrom: original, into: &out, transportChecksum: transportChecksum)
        }
    }

    /// The upper-layer protocol: IPv4's protocol field, or the IPv6 chain's last next header.
    public var proto: IPProtocol {
        switch self {
        case .ipv4(let datagram): datagram.ipv4.proto
        case .ipv6(let datagram): datagram.proto
        }
    }

    /// The packet's source address.
    public var source: IPAddress {
        switch self {
        case .ipv4(let datagram): .v4(datagram.ipv4.source)
        case .ipv6(let datagram): .v6(datagram.ipv6.source)
        }
    }

    /// The packet's destination field (for IPv6 not the final destination of a routing header:
    /// the rules judge the packet as it travels).
    public var destination: IPAddress {
        switch self {
        case .ipv4(let datagram): .v4(datagram.ipv4.destination)
        case .ipv6(let datagram): .v6(datagram.ipv6.destination)
        }
    }

    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8 {
        switch self {
        case .ipv4(let datagram): datagram.ipv4.ttl
        case .ipv6(let datagram): datagram.ipv6.hopLimit
        }
    }

    /// The packet's length in bytes as received (IPv4 total length; IPv6 40 + payload length).
    public var length: Int {
        switch self {
        case .ipv4(let datagram): Int(datagram.ipv4.totalLength)
        case .ipv6(let datagram): IPv6.headerLength + Int(datagram.ipv6.payloadLength)
        }
    }

    /// The ICMP or ICMPv6 type; nil for other protocols.
    public var icmpType: UInt8? {
        switch self {
        case .ipv4(let datagram): datagram.icmpType
        case .ipv6(let datagram): datagram.icmpType
        }
    }

    /// The ICMP or ICMPv6 code; nil for other protocols.
    public var icmpCode: UInt8? {
        switch self {
        case .ipv4(let datagram): datagram.icmpCode
        case .ipv6(let datagram): datagram.icmpCode
        }
    }

    /// The TCP header, for flags; nil for other protocols.
    public var tcpHeader: TCP.Header? {
        switch self {
        case .ipv4(let datagram): if case .tcp(let header) = datagram.transport { header } else { nil }
        case .ipv6(let datagram): if case .tcp(let header) = datagram.transport { header } else { nil }
        }
    }

    /// The TCP or UDP source port; nil otherwise.
    public var sourcePort: UInt16? {
        switch self {
        case .ipv4(let datagram): datagram.sourcePort
        case .ipv6(let datagram): datagram.sourcePort
        }
    }

    /// The TCP or UDP destination port; nil otherwise.
    public var destinationPort: UInt16? {
        switch self {
        case .ipv4(let datagram): datagram.destinationPort
        case .ipv6(let datagram): datagram.destinationPort
        }
    }
}

extension IPDatagram: CustomStringConvertible {
    /// The family's description.
    public var description: String {
        switch self {
        case .ipv4(let datagram): datagram.description
        case .ipv6(let datagram): datagram.description
        }
    }
}
