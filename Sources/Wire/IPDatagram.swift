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

    public var sourcePort: UInt16? {
        switch self {
        case .ipv4(let datagram): datagram.sourcePort
        case .ipv6(let datagram): datagram.sourcePort
        }
    }

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
