extension Datagram {
    /// The IPv4 protocols Portcullis decodes; any other is `unknown-protocol`.
    @inline(__always)
    static func decodes(_ proto: IPProtocol) -> Bool {
        switch proto {
        case .icmp, .igmp, .tcp, .udp, .esp, .ah, .vrrp, .sctp: true
        default: false
        }
    }

    /// AH and, in a whole datagram, the protocol it protects (transport mode).
    ///
    /// Nothing the ICV covers may change, so what follows AH is walked with its own decoder's
    /// checks (checksums included unless `verify` is false) but never rewritten: what that
    /// decoder would normalize is passed as received. A protocol Portcullis cannot walk after
    /// AH, tunnel mode (4, 41) included, is refused. In the IPv4 header, the rebuild may only
    /// touch what RFC 4302 §3.3.3.1.1.1 calls mutable (flags, header checksum): non-zero bytes
    /// after an end-of-option-list, which the ICV covers, are refused as `ah-rewrite`.
    static func parseAH(
        _ segment: RawSpan, at start: Int, ipv4: IPv4.Header, firstFragment: Bool, verify: Bool, normalizations: Normalizations
    ) throws(DecodeError) -> AH.Header {
        let view = try AH.View(validating: segment, at: start)
        let header = try AH.Header(parsing: view)
        if normalizations.contains(.ipOptionPadding) { throw .make(.ipv4, .options, at: IPv4.Offset.options, .ahRewrite) }
        // RFC 4302 §3.4.1: AH covers the whole datagram; a first fragment holds only its start.
        if !firstFragment {
            try walkAfterAH(view.inner, at: start + view.length, ahOffset: start, proto: header.nextHeader, ipv4: ipv4, verify: verify)
        }
        return header
    }

    private static func walkAfterAH(
        _ inner: RawSpan, at offset: Int, ahOffset: Int, proto: IPProtocol, ipv4: IPv4.Header, verify: Bool
    ) throws(DecodeError) {
        let pseudo: UInt64? = verify ? pseudoHeaderSum(ipv4, proto: proto, segmentLength: inner.byteCount) : nil
        var ignored = Normalizations()
        switch proto {
        case .tcp: _ = try TCP.Header(parsing: TCP.View(validating: inner, at: offset), pseudoHeaderSum: pseudo)
        case .udp: _ = try UDP.Header(parsing: UDP.View(validating: inner, at: offset), pseudoHeaderSum: pseudo)
        case .icmp:
            _ = try ICMP.Header(parsing: ICMP.View(validating: inner, at: offset), verifyingChecksum: verify, normalizations: &ignored)
        case .igmp: _ = try IGMP.Header(parsing: IGMP.View(validating: inner, at: offset), verifyingChecksum: verify)
        case .esp: _ = try ESP.Header(parsing: ESP.View(validating: inner, at: offset))
        case .vrrp:
            _ = try VRRP.Header(
                parsing: VRRP.View(validating: inner, at: offset), ttl: ipv4.ttl, destination: ipv4.destination, pseudoHeaderSum: pseudo)
        case .sctp: _ = try SCTP.Header(parsing: SCTP.View(validating: inner, at: offset), verifyingChecksum: verify)
        default: throw .make(.ah, .nextHeader, at: ahOffset + AH.Offset.nextHeader, .unknownProtocol)
        }
    }
}
