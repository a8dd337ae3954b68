/// One fully decoded IPv6 packet carrying TCP, UDP or ICMPv6 (or nothing, next header 59).
///
/// The IPv6 twin of `Datagram`, with the same contract: it exists only if every layer passed
/// every check, so the upper-layer payload is exactly the rest of the packet; it stores no bytes:
/// `emit` rebuilds the headers from the (normalized) fields, copies from the original packet the
/// options areas (every byte judged, nothing to normalize) and the data of an accepted routing
/// type other than 2, then the payload; and when `normalizations` is empty,
/// `emit` reproduces the received bytes exactly (with `.keepReceived` for a checksum the kernel
/// marked not ready).
public struct IPv6Datagram: Equatable, Sendable {
    public var ipv6: IPv6.Header
    public var extensions: IPv6.ExtensionHeaders
    public var transport: Transport
    /// What the decoded headers changed from the received ones.
    public var normalizations: Normalizations
    /// Where the upper-layer payload starts in the original packet.
    public var payloadOffset: Int
    /// How many payload bytes follow; they end the packet.
    public var payloadLength: Int

    /// The upper-layer header, by protocol.
    public enum Transport: Equatable, Sendable {
        case tcp(TCP.Header)
        case udp(UDP.Header)
        case icmpv6(ICMPv6.Header)
        /// A fragment that is not the first (allowed by the ruleset): no upper-layer header; its
        /// data passes as received. The protocol is `extensions.upperLayer`.
        case fragment
        /// Next header 59 (RFC 8200 §4.7): nothing follows the headers.
        case noNextHeader
    }

    /// Builds a packet from its parts (for tests and crafted packets).
    public init(
        ipv6: IPv6.Header, extensions: IPv6.ExtensionHeaders, transport: Transport, payloadOffset: Int,
        payloadLength: Int, normalizations: Normalizations = []
    ) {
        self.ipv6 = ipv6
        self.extensions = extensions
        self.transport = transport
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
        self.normalizations = normalizations
    }

    /// Decodes the whole packet or throws the first violation found, layer by layer: fixed
    /// header structure and semantics, the extension header chain (structure, then refusals by
    /// name), then the upper layer, whose checksum uses the final destination (RFC 8200 §8.1).
    /// Never traps on any input.
    public init(
        parsing bytes: RawSpan, context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) throws(DecodeError) {
        let view = try IPv6.View(validating: bytes)
        // Above the input MTU only as one unsegmented GSO packet, never otherwise.
        if !context.isGSO, let mtu = context.inputMTU, bytes.byteCount > mtu {
            throw .make(.ipv6, .payloadLength, at: IPv6.Offset.payloadLength, .exceedsMTU)
        }
        var normalizations = Normalizations()
        let ipv6 = try IPv6.Header(parsing: view)
        let extensions = try IPv6.ExtensionHeaders(parsing: bytes, options: options, normalizations: &normalizations)
        let start = IPv6.headerLength + extensions.length
        let segment = bytes.extracting(start..<bytes.byteCount)
        if let fragment = extensions.fragment, fragment.fragmentOffset != 0 {
            try Self.checkLaterFragment(fragment, at: start - 8)
            self.init(ipv6: ipv6, extensions: extensions, transport: .fragment, payloadOffset: start,
                      payloadLength: segment.byteCount, normalizations: normalizations)
            return
        }
        if extensions.upperLayer == IPv6.NextHeader.noNextHeader {
            self.init(ipv6: ipv6, extensions: extensions, transport: .noNextHeader, payloadOffset: start,
                      payloadLength: 0, normalizations: normalizations)
            return
        }
        let (transport, headerLength) = try Self.parseUpperLayer(
            segment, at: start, ipv6: ipv6, extensions: extensions, context: context,
            packetLength: bytes.byteCount, normalizations: &normalizations)
        self.init(ipv6: ipv6, extensions: extensions, transport: transport, payloadOffset: start + headerLength,
                  payloadLength: segment.byteCount - headerLength, normalizations: normalizations)
    }

    /// Decodes the TCP, UDP or ICMPv6 header of `segment` (which starts at `start` of the
    /// packet) and returns it with its length. The checksum covers the pseudo-header of the
    /// final destination (RFC 8200 §8.1); it is not verified for a first fragment or a checksum
    /// the kernel marked not ready. Inlined so that the header is built in place, not returned
    /// through a temporary and copied again.
    @inline(__always)
    private static func parseUpperLayer(
        _ segment: RawSpan, at start: Int, ipv6: IPv6.Header, extensions: IPv6.ExtensionHeaders,
        context: PacketContext, packetLength: Int, normalizations: inout Normalizations
    ) throws(DecodeError) -> (Transport, Int) {
        let upper = extensions.upperLayer
        let firstFragment = extensions.isFirstFragment
        let verify = !context.checksumNotReady && !firstFragment
        let pseudo = Checksum.pseudoHeaderSum(
            source: ipv6.source, destination: extensions.finalDestination(ipv6.destination), proto: upper,
            length: UInt32(segment.byteCount))
        do throws(DecodeError) {
            switch upper {
            case .tcp:
                let tcp = try TCP.View(validating: segment, at: start)
                return (.tcp(try TCP.Header(parsing: tcp, pseudoHeaderSum: verify ? pseudo : nil, normalizations: &normalizations)),
                        tcp.headerLength)
            case .udp:
                let udp = try UDP.View(validating: segment, at: start, firstFragment: firstFragment)
                // RFC 8200 §8.1: unlike IPv4, the UDP checksum is not optional over IPv6.
                if udp.checksum == 0 && !context.checksumNotReady {
                    throw .make(.udp, .checksum, at: start + UDP.Offset.checksum, .zeroChecksum)
                }
                return (.udp(try UDP.Header(parsing: udp, pseudoHeaderSum: verify ? pseudo : nil)), UDP.headerLength)
            default:
                let icmp = try ICMPv6.View(validating: segment, at: start)
                let icmpContext = ICMPv6.Context(
                    pseudoHeaderSum: verify ? pseudo : nil, hopLimit: ipv6.hopLimit, source: ipv6.source,
                    destination: ipv6.destination, packetLength: packetLength,
                    hasFragmentHeader: extensions.fragment != nil, routerAlert: extensions.hopByHop?.routerAlert)
                return (.icmpv6(try ICMPv6.Header(parsing: icmp, context: icmpContext, normalizations: &normalizations)),
                        ICMPv6.headerLength)
            }
        } catch {
            // RFC 7112 §5: a first fragment must hold the whole upper-layer header.
            if firstFragment && error.reason == .truncated {
                throw DecodeError(layer: error.layer, field: error.field, offset: error.offset, reason: .incompleteHeaderChain)
            }
            throw error
        }
    }

    /// A later fragment carries part of a TCP, UDP or ICMPv6 packet, never another header the
    /// rules could not see; and never TCP at offset 1 (8 bytes), which can only exist to
    /// overwrite the first fragment's TCP flags (RFC 1858 §4; overlaps are illegal, RFC 5722).
    private static func checkLaterFragment(_ fragment: IPv6.FragmentHeader, at offset: Int) throws(DecodeError) {
        let next = fragment.nextHeader
        guard next == .tcp || next == .udp || next == .icmpv6 else {
            throw .make(.ipv6Fragment, .nextHeader, at: offset, .unknownProtocol)
        }
        guard !(next == .tcp && fragment.fragmentOffset == 1) else {
            throw .make(.ipv6Fragment, .fragmentOffset, at: offset + 2, .fragment)
        }
    }

    /// Bytes `emit` will write: the fixed header, the extension headers, the upper-layer header,
    /// the payload. At most 65575 (40 + 65535) for any parsed packet.
    public var encodedLength: Int {
        IPv6.headerLength + extensions.length + transport.encodedLength + payloadLength
    }

    /// The upper-layer protocol (TCP, UDP, ICMPv6, or 59 when there is none).
    public var proto: IPProtocol { extensions.upperLayer }
}

extension IPv6Datagram {
    /// Writes the rebuilt packet into `out[0..<encodedLength]`: the fixed header, the extension
    /// headers (padding zero, reserved fields clear), the upper-layer header, then the payload
    /// copied from `original[payloadOffset..<payloadOffset + payloadLength]`.
    ///
    /// The payload length and UDP length are written from what is encoded. The upper-layer
    /// checksum is recomputed over the pseudo-header of the final destination with `.compute`,
    /// or written back as received with `.keepReceived`. As for IPv4, a fragment's checksum
    /// cannot be computed: a first fragment's UDP length and checksum are kept, and a changed TCP
    /// header has its received checksum updated for the changed words only (RFC 1624).
    ///
    /// Never allocates and never fails for in-contract arguments: `out.byteCount >= encodedLength`
    /// and `original` the buffer this packet was parsed from (violations trap: they are bugs).
    public func emit(payloadFrom original: RawSpan, into out: inout MutableRawSpan, transportChecksum: ChecksumMode) {
        let transportStart = IPv6.headerLength + extensions.length
        let headerEnd = transportStart + transport.encodedLength
        let total = headerEnd + payloadLength
        let upperLength = total - transportStart
        let fragment = extensions.isFragment
        var ip = ipv6
        ip.payloadLength = UInt16(truncatingIfNeeded: total - IPv6.headerLength)
        var ipOut = out._mutatingExtracting(0..<IPv6.headerLength)
        ip.emit(into: &ipOut)
        extensions.emit(into: &out, at: IPv6.headerLength, original: original)

        let recompute = transportChecksum == .compute && !fragment
        var checksumOffset: Int?
        var transportOut = out._mutatingExtracting(transportStart..<headerEnd)
        switch transport {
        case .tcp(var header):
            if recompute { header.checksum = 0; checksumOffset = TCP.Offset.checksum }
            header.emit(into: &transportOut)
            if fragment {
                Datagram.adjustChecksum(of: &transportOut, from: original.extracting(transportStart..<headerEnd))
            }
        case .udp(var header):
            if !fragment { header.length = UInt16(truncatingIfNeeded: upperLength) }
            if recompute { header.checksum = 0; checksumOffset = UDP.Offset.checksum }
            header.emit(into: &transportOut)
        case .icmpv6(var header):
            if recompute { header.checksum = 0; checksumOffset = ICMPv6.Offset.checksum }
            header.emit(into: &transportOut)
        case .fragment, .noNextHeader:
            break
        }
        Datagram.copy(original.extracting(payloadOffset..<payloadOffset + payloadLength), into: &out, at: headerEnd)

        if let checksumOffset {
            let pseudo = Checksum.pseudoHeaderSum(
                source: ip.source, destination: extensions.finalDestination(ip.destination), proto: proto,
                length: UInt32(upperLength))
            var checksum = Checksum.internetChecksum(out.bytes.extracting(transportStart..<total), adding: pseudo)
            // RFC 8200 §8.1: a computed UDP checksum of 0 is sent as all ones.
            if case .udp = transport, checksum == 0 { checksum = 0xFFFF }
            out.store(checksum, at: transportStart + checksumOffset)
        }
    }

    /// The TCP or UDP source port; nil otherwise.
    public var sourcePort: UInt16? {
        switch transport {
        case .tcp(let header): header.sourcePort
        case .udp(let header): header.sourcePort
        default: nil
        }
    }

    /// The TCP or UDP destination port; nil otherwise.
    public var destinationPort: UInt16? {
        switch transport {
        case .tcp(let header): header.destinationPort
        case .udp(let header): header.destinationPort
        default: nil
        }
    }

    /// The ICMPv6 type; nil unless ICMPv6.
    public var icmpType: UInt8? {
        if case .icmpv6(let header) = transport { header.type.rawValue } else { nil }
    }

    /// The ICMPv6 code; nil unless ICMPv6.
    public var icmpCode: UInt8? {
        if case .icmpv6(let header) = transport { header.code } else { nil }
    }
}

extension IPv6Datagram.Transport {
    /// The upper-layer header's encoded size; 0 for a later fragment or no next header.
    public var encodedLength: Int {
        switch self {
        case .tcp(let header): header.encodedLength
        case .udp(let header): header.encodedLength
        case .icmpv6(let header): header.encodedLength
        case .fragment, .noNextHeader: 0
        }
    }
}

extension IPv6Datagram: CustomStringConvertible {
    /// The packet in the syntax `portcullis explain` will take for IPv6:
    /// "tcp [fd00::1]:40000 -> [fd00::2]:22 flags S", "icmp6 fd00::1 -> fd00::2 type echo-request code 0".
    public var description: String {
        let source = ipv6.source, destination = ipv6.destination
        switch transport {
        case .tcp(let header):
            return "tcp [\(source)]:\(header.sourcePort) -> [\(destination)]:\(header.destinationPort) flags \(header.flags)"
        case .udp(let header):
            return "udp [\(source)]:\(header.sourcePort) -> [\(destination)]:\(header.destinationPort)"
        case .icmpv6(let header):
            return "icmp6 \(source) -> \(destination) type \(header.type) code \(header.code)"
        case .fragment:
            let offset = Int(extensions.fragment?.fragmentOffset ?? 0) * 8
            return "\(proto) \(source) -> \(destination) fragment offset \(offset)"
        case .noNextHeader:
            return "ipv6 \(source) -> \(destination) no-next-header"
        }
    }
}
