/// The packet a tunnel carries (GRE, IP-in-IP, IPv6-in-IPv4), as the rules and the log see it.
///
/// A flat summary, not a decoded value: a `Datagram` holding a `Datagram` would be a recursive
/// type, which Swift boxes on the heap, and decoding must not allocate. The inner packet was
/// decoded whole by the same strict decoders (`Datagram`, `IPv6Datagram`) before this exists;
/// what a rule or the log needs of it is copied here, and `Datagram.emit` decodes it again from
/// the received bytes when it has to be rebuilt.
public struct InnerPacket: Equatable, Sendable {
    /// The inner packet's upper-layer protocol (for an inner tunnel: GRE, 4 or 41).
    public var proto: IPProtocol
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    /// The TCP flags byte; nil unless TCP.
    public var tcpFlags: UInt8?
    /// IPv4 TTL or IPv6 hop limit.
    public var hopLimit: UInt8
    /// Where the inner packet starts in the outer datagram, and its length as received.
    public var offset: Int
    public var receivedLength: Int
    /// What its `emit` writes; differs from `receivedLength` only when it is normalized.
    public var encodedLength: Int
    /// What rebuilding the inner packet changes (included in the outer datagram's).
    public var normalizations: Normalizations

    public init(
        proto: IPProtocol, source: IPAddress, destination: IPAddress, sourcePort: UInt16? = nil,
        destinationPort: UInt16? = nil, icmpType: UInt8? = nil, icmpCode: UInt8? = nil, tcpFlags: UInt8? = nil,
        hopLimit: UInt8 = 64, offset: Int, receivedLength: Int, encodedLength: Int? = nil,
        normalizations: Normalizations = []
    ) {
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.tcpFlags = tcpFlags
        self.hopLimit = hopLimit
        self.offset = offset
        self.receivedLength = receivedLength
        self.encodedLength = encodedLength ?? receivedLength
        self.normalizations = normalizations
    }

    /// The summary of `packet`, found at `offset` of the outer datagram.
    init(_ packet: IPDatagram, offset: Int, receivedLength: Int) {
        self.init(
            proto: packet.proto, source: packet.source, destination: packet.destination,
            sourcePort: packet.sourcePort, destinationPort: packet.destinationPort, icmpType: packet.icmpType,
            icmpCode: packet.icmpCode, tcpFlags: packet.tcpHeader.map { UInt8(truncatingIfNeeded: $0.flags.rawValue) },
            hopLimit: packet.hopLimit, offset: offset, receivedLength: receivedLength,
            encodedLength: packet.encodedLength, normalizations: packet.normalizations)
    }

    /// IPv6 (RFC 4213) rather than IPv4 (RFC 2003) inside.
    public var isIPv6: Bool {
        if case .v6 = source { true } else { false }
    }
}

extension Datagram {
    /// How many tunnels deep a packet may be nested: an outer IPv4 datagram may carry a tunnelled
    /// packet, which may carry one more; a tunnel inside that is refused (`tunnel-too-deep`).
    public static let maximumTunnelDepth = 2

    /// Whether `proto` carries an IP packet: GRE (47, RFC 2784), IP-in-IP (4, RFC 2003) and
    /// IPv6-in-IPv4 (41, RFC 4213).
    static func isTunnel(_ proto: IPProtocol) -> Bool {
        proto == .gre || proto == .ipip || proto == .ipv6InIPv4
    }

    /// Decodes the tunnel header (GRE; IP-in-IP and 6in4 have none) of `segment`, which starts at
    /// `start` of the datagram, and the packet it carries, at `depth + 1`. Inner errors are
    /// thrown with their offsets measured from the start of the outer datagram.
    static func parseTunnel(
        _ segment: RawSpan, at start: Int, ipv4: IPv4.Header, depth: Int, context: PacketContext,
        options: DecodeOptions, normalizations: inout Normalizations
    ) throws(DecodeError) -> (Transport, Int, InnerPacket) {
        guard depth < maximumTunnelDepth else {
            throw .make(.ipv4, .protocol, at: IPv4.Offset.proto, .tunnelTooDeep)
        }
        // The inner packet must be whole to be judged: a first fragment of a tunnel is refused.
        guard !ipv4.isFragment else { throw .make(.ipv4, .flags, at: IPv4.Offset.flagsAndFragmentOffset, .fragment) }
        var transport = Transport.ipInIP
        var headerLength = 0
        var ipv6 = ipv4.proto == .ipv6InIPv4
        if ipv4.proto == .gre {
            let view = try GRE.View(validating: segment, at: start)
            let header = try GRE.Header(
                parsing: view, verifyingChecksum: !context.checksumNotReady, normalizations: &normalizations)
            transport = .gre(header)
            headerLength = view.headerLength
            ipv6 = header.protocolType == GRE.ProtocolType.ipv6
        }
        let innerStart = start + headerLength
        let bytes = segment.extracting(headerLength..<segment.byteCount)
        let packet = try decodeInner(bytes, ipv6: ipv6, depth: depth + 1, context: context, options: options, at: innerStart)
        let inner = InnerPacket(packet, offset: innerStart, receivedLength: bytes.byteCount)
        normalizations.formUnion(inner.normalizations)
        return (transport, headerLength, inner)
    }

    /// The inner packet of the family the tunnel names, decoded at `depth`; errors shifted by `offset`.
    static func decodeInner(
        _ bytes: RawSpan, ipv6: Bool, depth: Int, context: PacketContext, options: DecodeOptions, at offset: Int
    ) throws(DecodeError) -> IPDatagram {
        // The kernel's checksum state covers the inner packet too; GSO and the MTU concern the outer.
        let innerContext = PacketContext(checksumNotReady: context.checksumNotReady)
        do throws(DecodeError) {
            if ipv6 { return .ipv6(try IPv6Datagram(parsing: bytes, context: innerContext, options: options)) }
            return .ipv4(try Datagram(parsing: bytes, context: innerContext, options: options, depth: depth))
        } catch {
            throw DecodeError(layer: error.layer, field: error.field, offset: error.offset + offset, reason: error.reason)
        }
    }

    /// Writes the tunnelled packet at `offset` of `out`: copied as received when decoding it
    /// normalized nothing and checksums are kept (`.keepReceived`), else emitted from its
    /// decoded form (decoded again from `original`) with `mode`, so that `.compute` completes
    /// the inner checksums too. Decoding the same bytes again cannot fail: they were accepted
    /// with stricter options.
    func emitInner(_ inner: InnerPacket, original: RawSpan, into out: inout MutableRawSpan, at offset: Int, mode: ChecksumMode) {
        let bytes = original.extracting(inner.offset..<inner.offset + inner.receivedLength)
        guard !inner.normalizations.isEmpty || mode == .compute else {
            Self.copy(bytes, into: &out, at: offset)
            return
        }
        let again: IPDatagram
        do throws(DecodeError) {
            again = try Self.decodeInner(
                bytes, ipv6: inner.isIPv6, depth: 1, context: PacketContext(checksumNotReady: true),
                options: .everythingDecodable, at: inner.offset)
        } catch {
            preconditionFailure("an accepted tunnelled packet no longer decodes: \(error)")
        }
        var target = out._mutatingExtracting(offset..<offset + inner.encodedLength)
        again.emit(payloadFrom: bytes, into: &target, transportChecksum: mode)
    }
}

extension DecodeOptions {
    /// Everything a ruleset can allow: for decoding again what was already accepted.
    static let everythingDecodable = DecodeOptions(
        allowFragments: true, allowedIPOptionTypes: IPOptionTypes(0...255),
        allowedIPv6Headers: IPv6HeaderAllowances(hopByHop: true, destinationOptions: true, routingTypes: IPOptionTypes(1...255)))
}

extension InnerPacket: CustomStringConvertible {
    /// "tcp 10.8.0.1:40000 -> 10.8.0.2:22", "icmp6 fd00::1 -> fd00::2 type 128 code 0".
    public var description: String {
        let (source, destination) = isIPv6 ? ("[\(self.source)]", "[\(self.destination)]") : ("\(self.source)", "\(self.destination)")
        if let sourcePort, let destinationPort {
            return "\(proto) \(source):\(sourcePort) -> \(destination):\(destinationPort)"
        }
        if let icmpType, let icmpCode {
            return "\(proto) \(self.source) -> \(self.destination) type \(icmpType) code \(icmpCode)"
        }
        return "\(proto) \(self.source) -> \(self.destination)"
    }
}
