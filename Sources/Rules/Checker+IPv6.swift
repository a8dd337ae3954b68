import Wire

/// The checker's address lists of both families, `inet`/`inet6`, and `accept ipv6-headers`.
extension CheckerState {
    /// The keys (`AddressKey`) a list of addresses and networks of either family denotes; nil
    /// after reporting an item that does not fit. A negated list is complemented within the
    /// families it names: `!10.0.0.0/8` is every other IPv4 address and no IPv6 one (as in pf,
    /// where an address gives a rule its family), `!{ 10.0.0.0/8, fd00::/8 }` every other
    /// address of both, `!any` nothing.
    mutating func addresses(_ list: ListSyntax) -> ValueSet? {
        var ranges: [ClosedRange<UInt128>] = []
        var valid = true
        for item in expand(list) {
            switch item.kind {
            case .any:
                ranges.append(Field.source.domain)
            case .host(let address):
                ranges.append(AddressKey.key(address)...AddressKey.key(address))
            case .network(let address, let prefix):
                let match = AddressMatch(network: address, prefix: prefix)
                if match.network != address { report(.hostBitsSet(address, prefix: prefix), at: item.range.start) }
                ranges.append(match.interval)
            case .host6(let address):
                guard !address.isIPv4Mapped else {
                    report(.ipv6(.ipv4MappedAddress("\(address)")), at: item.range.start)
                    valid = false
                    continue
                }
                ranges.append(address.rawValue...address.rawValue)
            case .network6(let address, let prefix):
                let network = AddressKey.network(address, prefix: prefix)
                // RFC 4291 §2.5.5.2: ::ffff:0:0/96 holds IPv4 addresses; no IPv6 packet has one.
                guard prefix < 96 || !network.isIPv4Mapped else {
                    report(.ipv6(.ipv4MappedAddress("\(network)/\(prefix)")), at: item.range.start)
                    valid = false
                    continue
                }
                if network != address { report(.ipv6(.hostBitsSet(address, prefix: prefix)), at: item.range.start) }
                ranges += AddressKey.keys(network, prefix: prefix).ranges
            case .variable:
                valid = false  // undefined, already reported
            default:
                report(.wrongItem(expected: .address, found: Self.describe(item)), at: item.range.start)
                valid = false
            }
        }
        guard valid else { return nil }
        let set = ValueSet(ranges)
        guard list.negation != nil else { return set }
        let families = AddressKey.families(set)
        var scope = ValueSet.empty
        if families.ipv4 { scope = scope.union(ValueSet([AddressKey.ipv4])) }
        if families.ipv6 { scope = scope.union(AddressKey.ipv6) }
        return scope.subtracting(set)
    }

    /// Settles the rule's family: `from` and `to` of different families only, `inet`/`inet6`
    /// against addresses of the other family only, and `icmp`/`icmp6` against the family are
    /// errors (reported; false). `inet`/`inet6` narrow the source address to the family's keys
    /// (a packet's two addresses are of one family).
    mutating func resolveFamily(_ syntax: RuleSyntax, into match: inout RuleMatch) -> Bool {
        let source = match[.source].map(AddressKey.families) ?? (ipv4: true, ipv6: true)
        let destination = match[.destination].map(AddressKey.families) ?? (ipv4: true, ipv6: true)
        var ipv4 = source.ipv4 && destination.ipv4
        var ipv6 = source.ipv6 && destination.ipv6
        if !ipv4 && !ipv6, let to = syntax.destination, source.ipv4 != source.ipv6, destination.ipv4 != destination.ipv6 {
            report(.ipv6(.familiesDiffer(from: source.ipv4 ? .inet : .inet6, to: destination.ipv4 ? .inet : .inet6)), at: to.range.start)
            return false
        }
        // An address list that matches nothing (`!any`): the shadowing analysis says so.
        guard ipv4 || ipv6 else { return true }
        if let family = syntax.family {
            let isIPv4 = family.value == .inet
            guard isIPv4 ? ipv4 : ipv6 else {
                report(.ipv6(.familyExcludesAddresses(family.value)), at: family.range.start)
                return false
            }
            let keys = isIPv4 ? ValueSet([AddressKey.ipv4]) : AddressKey.ipv6
            match[.source] = (match[.source] ?? ValueSet([Field.source.domain])).intersection(keys)
            (ipv4, ipv6) = (isIPv4, !isIPv4)
        }
        let proto = syntax.proto.proto
        if proto == .icmp && !ipv4 || proto == .icmpv6 && !ipv6 {
            report(.ipv6(.icmpFamily(proto: proto ?? .icmp, addresses: ipv4 ? .inet : .inet6)), at: syntax.proto.range.start)
            return false
        }
        return true
    }

    /// `accept ipv6-headers { hop-by-hop, destination-options, routing-2 }` into the decode
    /// options (`IPv6HeaderAllowances.insert(name:)`).
    mutating func acceptIPv6Headers(_ list: ListSyntax) {
        for item in expand(list) {
            switch item.kind {
            case .variable:
                continue  // undefined, already reported
            case .name(let name) where result.decodeOptions.allowedIPv6Headers.insert(name: Substring(name)):
                continue
            case .name(let name):
                report(.ipv6(.unknownHeader(name)), at: item.range.start)
            default:
                report(.ipv6(.unknownHeader(Self.describe(item))), at: item.range.start)
            }
        }
    }
}
