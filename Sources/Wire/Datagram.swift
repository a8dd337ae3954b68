/// What the kernel told us about the packet (NFQA_SKB_INFO).
public struct PacketContext: Equatable, Sendable {
    /// NFQA_SKB_CSUMNOTREADY: the transport checksum is partial (offloaded); do not verify it.
    public var checksumNotReady: Bool
    /// NFQA_SKB_GSO: the packet is an unsegmented GSO packet.
    public var isGSO: Bool
    /// The MTU of the interface the packet arrived on, when known. Only a GSO packet may be
    /// longer; a locally generated packet (no input interface) has none, since the kernel
    /// fragments it later.
    public var inputMTU: Int?

    public init(checksumNotReady: Bool = false, isGSO: Bool = false, inputMTU: Int? = nil) {
        self.checksumNotReady = checksumNotReady
        self.isGSO = isGSO
        self.inputMTU = inputMTU
    }
}

/// How `Datagram.emit` fills the transport checksum.
public enum ChecksumMode: Sendable {
    /// Compute it over the pseudo-header (TCP, UDP) and the emitted bytes.
    case compute
    /// Write the received value back. Used when the kernel marked the checksum not ready: the
    /// partial value must then be preserved, as long as nothing it covers changed.
    case keepReceived
}

/// One fully decoded IPv4 datagram carrying TCP, UDP or ICMP.
///
/// A `Datagram` exists only if every layer passed every check, so the transport payload is
/// exactly the rest of the datagram. It stores no bytes: `emit` rebuilds the headers from the
/// (normalized) fields and copies the payload from the original buffer. `normalizations` says
/// what that rebuild changes; when it is empty, `emit` reproduces the received bytes exactly
/// (for a checksum the kernel marked not ready, with `.keepReceived`).
public struct Datagram: Equatable, Sendable {
    public var ipv4: IPv4.Header
    public var transport: Transport
    /// What the decoded headers changed from the received ones.
    public var normalizations: Normalizations

    /// The transport header, by protocol.
    public enum Transport: Equatable, Sendable {
        case tcp(TCP.Header)
        case udp(UDP.Header)
        case icmp(ICMP.Header)
        /// IGMP (RFC 3376): no ports; its sources and group records are the payload.
        case igmp(IGMP.Header)
        /// ESP (RFC 4303): SPI and sequence number; the ciphertext is the payload.
        case esp(ESP.Header)
        /// AH (RFC 4302): the fixed header; the ICV and the protocol it protects are the
        /// payload, walked by the decoder and passed as received.
        case ah(AH.Header)
        /// VRRP v2 or v3 (RFC 3768, RFC 9568): the fixed header; the addresses are the payload.
        case vrrp(VRRP.Header)
        /// SCTP (RFC 9260): the common header; the chunks are the payload.
        case sctp(SCTP.Header)
        /// A non-first fragment (offset > 0, allowed by the ruleset): it carries no transport
        /// header, so it has no ports or ICMP type; its payload is passed on as received.
        case fragment
    }

    /// Where the transport payload starts in the original datagram.
    public var payloadOffset: Int
    /// How many payload bytes follow; they end the datagram.
    public var payloadLength: Int

    /// Builds a datagram from its parts (for tests and crafted packets).
    public init(
        ipv4: IPv4.Header, transport: Transport, payloadOffset: Int, payloadLength: Int,
        normalizations: Normalizations = []
    ) {
        self.ipv4 = ipv4
        self.transport = transport
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
        self.normalizations = normalizations
    }

    /// Decodes the whole datagram or throws the first violation found, layer by layer: IPv4
    /// structure, IPv4 semantics (with the ruleset's `options`), protocol, then the transport
    /// layer. Never traps on any input.
    ///
    /// A first fragment (allowed by `options`) has its transport header decoded without the
    /// checksum and length checks that need the whole datagram; a later fragment has none.
    public init(
        parsing bytes: RawSpan, context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) throws(DecodeError) {
        let ipView = try IPv4.View(validating: bytes, isGSO: context.isGSO)
        // Above the input MTU only as one unsegmented GSO packet, never otherwise.
        if !context.isGSO, let mtu = context.inputMTU, bytes.byteCount > mtu { throw Self.exceedsMTU() }
        var normalizations = Normalizations()
        let ipv4 = try IPv4.Header(parsing: ipView, options: options, normalizations: &normalizations)
        let segment = ipView.payload
        let start = ipView.headerLength
        guard Self.decodes(ipv4.proto) else { throw Self.unknownProtocol() }
        // Total length 0 (BIG TCP, passed by the view only for a GSO packet above 64 KiB) is
        // Linux's TCP segmentation offload; nothing else, and no fragment, is sent that way.
        if ipv4.totalLength == 0, ipv4.proto != .tcp || ipv4.isFragment { throw Self.badBigTCP() }
        if ipv4.fragmentOffset != 0 {
            // RFC 1858 §4: a TCP fragment at offset 1 (8 bytes) can only exist to overwrite
            // the flags of the header in the first fragment.
            guard !(ipv4.proto == .tcp && ipv4.fragmentOffset == 1) else { throw Self.overlappingFragment() }
            self.init(
                ipv4: ipv4, transport: .fragment, payloadOffset: start, payloadLength: segment.byteCount,
                normalizations: normalizations)
            return
        }
        let firstFragment = ipv4.isFragment
        let verify = !context.checksumNotReady && !firstFragment
        let pseudo = Self.pseudoHeaderSum(ipv4, proto: ipv4.proto, segmentLength: segment.byteCount)
        let transport: Transport
        let transportHeaderLength: Int
        switch ipv4.proto {
        case .tcp:
            let view = try TCP.View(validating: segment, at: start)
            transport = .tcp(try TCP.Header(parsing: view, pseudoHeaderSum: verify ? pseudo : nil, normalizations: &normalizations))
            transportHeaderLength = view.headerLength
        case .udp:
            let view = try UDP.View(validating: segment, at: start, firstFragment: firstFragment)
            transport = .udp(try UDP.Header(parsing: view, pseudoHeaderSum: verify ? pseudo : nil))
            transportHeaderLength = UDP.headerLength
        case .esp:
            let view = try ESP.View(validating: segment, at: start)
            transport = .esp(try ESP.Header(parsing: view))
            transportHeaderLength = ESP.headerLength
        case .igmp:
            let view = try IGMP.View(validating: segment, at: start)
            transport = .igmp(try IGMP.Header(parsing: view, verifyingChecksum: verify))
            transportHeaderLength = IGMP.headerLength
        case .ah:
            transport = .ah(try Self.parseAH(
                segment, at: start, ipv4: ipv4, firstFragment: firstFragment, verify: verify, normalizations: normalizations))
            transportHeaderLength = AH.headerLength
        case .vrrp:
            let view = try VRRP.View(validating: segment, at: start)
            transport = .vrrp(try VRRP.Header(
                parsing: view, ttl: ipv4.ttl, destination: ipv4.destination, pseudoHeaderSum: verify ? pseudo : nil))
            transportHeaderLength = VRRP.headerLength
        case .sctp:
            let view = try SCTP.View(validating: segment, at: start, firstFragment: firstFragment)
            transport = .sctp(try SCTP.Header(parsing: view, verifyingChecksum: verify))
            transportHeaderLength = SCTP.headerLength
        default:
            let view = try ICMP.View(validating: segment, at: start)
            transport = .icmp(try ICMP.Header(parsing: view, verifyingChecksum: verify, normalizations: &normalizations))
            transportHeaderLength = ICMP.headerLength
        }
        self.init(
            ipv4: ipv4, transport: transport, payloadOffset: start + transportHeaderLength,
            payloadLength: segment.byteCount - transportHeaderLength, normalizations: normalizations)
    }

    @inline(never)
    private static func exceedsMTU() -> DecodeError {
        .make(.ipv4, .totalLength, at: IPv4.Offset.totalLength, .exceedsMTU)
    }

    /// Only TCP and UDP use it. The segment length fits 16 bits unless the packet is BIG TCP;
    /// then its high bits are added too, as Linux sums the length as a 32-bit word
    /// (`csum_tcpudp_nofold`), the same sum RFC 8200 §8.1 defines for IPv6.
    @inline(__always)
    static func pseudoHeaderSum(_ ipv4: IPv4.Header, proto: IPProtocol, segmentLength: Int) -> UInt64 {
        Checksum.pseudoHeaderSum(
            source: ipv4.source, destination: ipv4.destination, proto: proto,
            length: UInt16(truncatingIfNeeded: segmentLength)) + UInt64(segmentLength >> 16)
    }

    @inline(never)
    private static func badBigTCP() -> DecodeError {
        .make(.ipv4, .totalLength, at: IPv4.Offset.totalLength, .badTotalLength)
    }

    @inline(never)
    private static func unknownProtocol() -> DecodeError {
        .make(.ipv4, .protocol, at: IPv4.Offset.proto, .unknownProtocol)
    }

    @inline(never)
    private static func overlappingFragment() -> DecodeError {
        .make(.ipv4, .fragmentOffset, at: IPv4.Offset.flagsAndFragmentOffset, .fragment)
    }

    /// Bytes `emit` will write: the IPv4 header, the transport header, the payload.
    /// At most 65535 for any parsed datagram but a BIG TCP one (total length 0 with the GSO mark),
    /// which is as long as its buffer; a caller that grows options must keep it so.
    public var encodedLength: Int {
        ipv4.encodedLength + transport.encodedLength + payloadLength
    }

    /// Writes the rebuilt datagram into `out[0..<encodedLength]`: headers from the decoded fields,
    /// then the payload copied from `original[payloadOffset..<payloadOffset + payloadLength]`.
    ///
    /// The IPv4 total length and UDP length are written from what is encoded, not from the stored
    /// fields. The IPv4 header checksum is always recomputed. The transport checksum is recomputed
    /// with `.compute` (except a received UDP checksum of 0, which stays 0: the sender asked for
    /// none, RFC 768) or written back as received with `.keepReceived`.
    ///
    /// A fragment covers only part of its transport datagram, so its transport checksum cannot be
    /// computed: a first fragment's UDP length and transport checksum are kept as received, and
    /// if its TCP header changed, the received checksum is updated for the changed header
    /// words only (RFC 1624), with either mode.
    ///
    /// Never allocates and never fails for in-contract arguments: `out.byteCount >= encodedLength`
    /// and `original` the buffer this datagram was parsed from (violations trap: they are bugs).
    public func emit(payloadFrom original: RawSpan, into out: inout MutableRawSpan, transportChecksum: ChecksumMode) {
        let ipLength = ipv4.encodedLength
        let headerEnd = ipLength + transport.encodedLength
        let total = headerEnd + payloadLength
        let fragment = ipv4.isFragment

        var ip = ipv4
        // Above 65535 bytes only a BIG TCP datagram decodes, and it says so with 0.
        ip.totalLength = total > IPv4.maximumLength ? 0 : UInt16(truncatingIfNeeded: total)
        // `_mutatingExtracting` is the 6.3 spelling of a mutable sub-span (plain `extracting` on
        // MutableRawSpan is deprecated); each sub-span ends before the next one starts.
        var ipOut = out._mutatingExtracting(0..<ipLength)
        ip.emit(into: &ipOut)

        var transportOut = out._mutatingExtracting(ipLength..<headerEnd)
        let recompute = transportChecksum == .compute && !fragment
        let (checksumOffset, pseudo) = emitTransport(
            ip, segmentLength: total - ipLength, recompute: recompute, original: original, into: &transportOut)

        Self.copy(original.extracting(payloadOffset..<payloadOffset + payloadLength), into: &out, at: headerEnd)

        if let checksumOffset {
            var checksum = Checksum.internetChecksum(out.bytes.extracting(ipLength..<total), adding: pseudo)
            // RFC 768: a computed 0 is sent as all ones, since 0 means "no checksum".
            if case .udp = transport, checksum == 0 { checksum = 0xFFFF }
            out.store(checksum, at: ipLength + checksumOffset)
        }
    }

    /// Emits the transport header into `transportOut` with its checksum field zeroed when it is
    /// to be recomputed, and says where that checksum sits and the pseudo-header sum it takes.
    /// A first fragment's TCP checksum is adjusted here instead (RFC 1624).
    @inline(__always)
    private func emitTransport(
        _ ip: IPv4.Header, segmentLength: Int, recompute: Bool, original: RawSpan, into transportOut: inout MutableRawSpan
    ) -> (checksumOffset: Int?, pseudo: UInt64) {
        let fragment = ipv4.isFragment
        var checksumOffset: Int?
        var pseudo: UInt64 = 0
        switch transport {
        case .tcp(var header):
            if recompute {
                header.checksum = 0
                checksumOffset = TCP.Offset.checksum
                pseudo = Self.pseudoHeaderSum(ip, proto: .tcp, segmentLength: segmentLength)
            }
            header.emit(into: &transportOut)
            if fragment {
                Self.adjustChecksum(of: &transportOut, from: original.extracting(ipv4.headerLength..<ipv4.headerLength + header.encodedLength))
            }
        case .udp(var header):
            if !fragment { header.length = UInt16(truncatingIfNeeded: segmentLength) }
            // A received 0 means "no checksum"; inventing one would change what the sender said.
            if recompute && header.checksum != 0 {
                header.checksum = 0
                checksumOffset = UDP.Offset.checksum
                pseudo = Checksum.pseudoHeaderSum(
                    source: ip.source, destination: ip.destination, proto: .udp, length: UInt16(truncatingIfNeeded: segmentLength))
            }
            header.emit(into: &transportOut)
        case .icmp(var header):
            if recompute {
                header.checksum = 0
                checksumOffset = ICMP.Offset.checksum
            }
            header.emit(into: &transportOut)
        case .igmp(var header):
            if recompute {
                header.checksum = 0
                checksumOffset = IGMP.Offset.checksum
            }
            header.emit(into: &transportOut)
        case .esp(let header):
            header.emit(into: &transportOut)
        // Nothing AH, VRRP or SCTP's checks cover is ever rewritten: emitted as received.
        case .ah(let header):
            header.emit(into: &transportOut)
        case .vrrp(let header):
            header.emit(into: &transportOut)
        case .sctp(let header):
            header.emit(into: &transportOut)
        case .fragment:
            break
        }
        return (checksumOffset, pseudo)
    }

    /// RFC 1624 eqn. 3: when a TCP header of unchanged length was rewritten, its checksum is
    /// HC' = ~(~HC + ~m + m'), with m and m' the old and new header sums without the checksum
    /// field. Left alone when the header did not change, so an unchanged fragment is unchanged.
    static func adjustChecksum(of header: inout MutableRawSpan, from received: RawSpan) {
        if let adjusted = adjustedChecksum(emitted: header.bytes, received: received) {
            header.store(adjusted, at: TCP.Offset.checksum)
        }
    }

    private static func adjustedChecksum(emitted: RawSpan, received: RawSpan) -> UInt16? {
        guard emitted.byteCount == received.byteCount else { return nil }
        var same = true
        for index in 0..<emitted.byteCount where emitted.byte(at: index) != received.byte(at: index) {
            same = false
            break
        }
        if same { return nil }
        let checksum = received.uint16(at: TCP.Offset.checksum)
        let old = Checksum.fold(Checksum.sum(received) + UInt64(~checksum))
        let new = Checksum.fold(Checksum.sum(emitted) + UInt64(~emitted.uint16(at: TCP.Offset.checksum)))
        return ~Checksum.fold(UInt64(~checksum) + UInt64(~old) + UInt64(new))
    }

    /// Copies `source` into `out` at `offset`, bounds checked once by the two span extractions.
    static func copy(_ source: RawSpan, into out: inout MutableRawSpan, at offset: Int) {
        var destination = out._mutatingExtracting(offset..<offset + source.byteCount)
        destination.withUnsafeMutableBytes { target in
            source.withUnsafeBytes { bytes in
                target.copyMemory(from: bytes)
            }
        }
    }

    /// The TCP, UDP or SCTP source port; nil for the others and for a non-first fragment.
    public var sourcePort: UInt16? {
        switch transport {
        case .tcp(let header): header.sourcePort
        case .udp(let header): header.sourcePort
        case .sctp(let header): header.sourcePort
        case .icmp, .igmp, .esp, .ah, .vrrp, .fragment: nil
        }
    }

    /// The TCP, UDP or SCTP destination port; nil for the others and for a non-first fragment.
    public var destinationPort: UInt16? {
        switch transport {
        case .tcp(let header): header.destinationPort
        case .udp(let header): header.destinationPort
        case .sctp(let header): header.destinationPort
        case .icmp, .igmp, .esp, .ah, .vrrp, .fragment: nil
        }
    }

    /// The ICMP type; nil unless ICMP.
    public var icmpType: UInt8? {
        if case .icmp(let header) = transport { header.type.rawValue } else { nil }
    }

    /// The ICMP code; nil unless ICMP.
    public var icmpCode: UInt8? {
        if case .icmp(let header) = transport { header.code } else { nil }
    }
}

extension Datagram.Transport {
    /// The transport header's encoded size; 0 for a non-first fragment.
    public var encodedLength: Int {
        switch self {
        case .tcp(let header): header.encodedLength
        case .udp(let header): header.encodedLength
        case .icmp(let header): header.encodedLength
        case .igmp(let header): header.encodedLength
        case .esp(let header): header.encodedLength
        case .ah(let header): header.encodedLength
        case .vrrp(let header): header.encodedLength
        case .sctp(let header): header.encodedLength
        case .fragment: 0
        }
    }
}

extension Datagram: CustomStringConvertible {
    /// The packet in the syntax of `portcullis explain`:
    /// "tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S", "udp 10.0.0.1:5353 -> 10.0.0.2:53",
    /// "icmp 10.0.0.1 -> 10.0.0.2 type echo-request code 0".
    public var description: String {
        let source = ipv4.source, destination = ipv4.destination
        switch transport {
        case .tcp(let header):
            return "tcp \(source):\(header.sourcePort) -> \(destination):\(header.destinationPort) flags \(header.flags)"
        case .udp(let header):
            return "udp \(source):\(header.sourcePort) -> \(destination):\(header.destinationPort)"
        case .icmp(let header):
            return "icmp \(source) -> \(destination) type \(header.type) code \(header.code)"
        case .igmp(let header):
            return "igmp \(source) -> \(destination) \(header.type)"
        case .esp(let header):
            return "esp \(source) -> \(destination) spi \(header.spi)"
        case .ah(let header):
            return "ah \(source) -> \(destination) spi \(header.spi) next \(header.nextHeader)"
        case .vrrp(let header):
            return "vrrp \(source) -> \(destination) vrid \(header.vrid) priority \(header.priority)"
        case .sctp(let header):
            return "sctp \(source):\(header.sourcePort) -> \(destination):\(header.destinationPort)"
        case .fragment:
            return "\(ipv4.proto) \(source) -> \(destination) fragment offset \(Int(ipv4.fragmentOffset) * 8)"
        }
    }
}
