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
            match[.innerProto] = ValueSet(UInt64(proto.rawValue))
        } else {
            // `inner any`: any tunnelled packet, never one that is not.
            match[.innerProto] = ValueSet([0...255])
        }
        let endpointsValid = resolveEndpoints(
            [(inner.source, .innerSource, .innerSourcePort), (inner.destination, .innerDestination, .innerDestinationPort)],
            proto: inner.proto.proto, into: &match)
        return valid && endpointsValid
    }
}
