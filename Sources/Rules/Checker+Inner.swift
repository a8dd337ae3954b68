import Wire

extension CheckerState {
    /// An `inner` clause into the inner fields of `match`; false when it is invalid (reported).
    /// The outer protocol must carry packets: `gre`, `ipip`, `ipv6-in-ipv4`, or `any` (then
    /// the rule matches only tunnelled packets, whatever their tunnel).
    mutating func resolveInner(_ inner: InnerSyntax, outer: IPProtocol?, into match: inout RuleMatch) -> Bool {
        var valid = true
        if let outer, outer != .gre, outer != .ipip, outer != .ipv6InIPv4 {
            report(.innerNeedsTunnel, at: inner.range.start)
            valid = false
        }
        if let proto = inner.proto.proto {
            match[.innerProto] = ValueSet(UInt128(proto.rawValue))
        } else {
            // `inner any`: any tunnelled packet, never one that is not.
            match[.innerProto] = ValueSet([0...255])
        }
        let endpointsValid = resolveEndpoints(
            [(inner.source, .innerSource, .innerSourcePort), (inner.destination, .innerDestination, .innerDestinationPort)],
            proto: inner.proto.proto, into: &match)
        return valid && endpointsValid && checkInnerFamily(inner, match)
    }

    /// As `resolveFamily` for the outer addresses: inner `from` and `to` of different
    /// families, and `icmp`/`icmp6` against the inner addresses' family, are errors (reported).
    private mutating func checkInnerFamily(_ inner: InnerSyntax, _ match: RuleMatch) -> Bool {
        let source = match[.innerSource].map(AddressKey.families) ?? (ipv4: true, ipv6: true)
        let destination = match[.innerDestination].map(AddressKey.families) ?? (ipv4: true, ipv6: true)
        let ipv4 = source.ipv4 && destination.ipv4
        let ipv6 = source.ipv6 && destination.ipv6
        if !ipv4 && !ipv6, let to = inner.destination, source.ipv4 != source.ipv6, destination.ipv4 != destination.ipv6 {
            report(.ipv6(.familiesDiffer(from: source.ipv4 ? .inet : .inet6, to: destination.ipv4 ? .inet : .inet6)), at: to.range.start)
            return false
        }
        guard ipv4 || ipv6 else { return true }
        let proto = inner.proto.proto
        if proto == .icmp && !ipv4 || proto == .icmpv6 && !ipv6 {
            report(.ipv6(.icmpFamily(proto: proto ?? .icmp, addresses: ipv4 ? .inet : .inet6)), at: inner.proto.range.start)
            return false
        }
        return true
    }
}
