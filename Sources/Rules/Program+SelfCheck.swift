import Wire

/// The start-up check that a compiled program decides exactly as the plain rule-by-rule
/// reference does (a miscompiled ruleset must not go live).
///
/// Probes are packets built to hit each rule: one at the low end and one at the high end
/// of every range the rule constrains (the interfaces by the first name it lists), plus a
/// fixed set of seeded random packets. Bounded so that a very large ruleset still starts (and
/// reloads) in reasonable time: at most `maximumRuleProbes` rules are probed, evenly spread,
/// and the probes are so many that the reference evaluator, whose cost per probe grows with
/// the rules, does at most about `referenceWorkBudget` rule matches in all. The check's cost
/// is then linear in the rules up to the budget and constant beyond: a few hundred probes for
/// 100,000 rules, about two thousand for 10,000, every rule twice below about 1,000.
extension Program {
    /// What the check did and the first disagreement, if any.
    public struct SelfCheck: Sendable, Equatable {
        public var probes: Int
        /// A description of the first probe on which the two evaluators differ.
        public var mismatch: String?
        public var passed: Bool { mismatch == nil }
    }

    public static let maximumRuleProbes = 4096
    /// About the most rule matches the reference evaluator may do in one check.
    public static let referenceWorkBudget = 10_000_000
    /// The fewest probes a check makes, whatever the size of the ruleset.
    static let minimumProbes = 64

    /// Runs the check. Allocates, so it belongs at start-up and before a reload is swapped in.
    public func selfCheck(randomProbes: Int = 256, seed: UInt64 = 0x5EED_C0DE) -> SelfCheck {
        var probes = 0
        let affordable = Swift.max(Self.minimumProbes, Self.referenceWorkBudget / Swift.max(1, rules.count))
        let randomProbes = Swift.min(randomProbes, affordable / 4)
        let probedRules = Swift.max(1, Swift.min(Self.maximumRuleProbes, (affordable - randomProbes) / 2))
        let stride = Swift.max(1, (rules.count + probedRules - 1) / probedRules)
        for index in Swift.stride(from: 0, to: rules.count, by: stride) {
            for end in [false, true] {
                let packet = Self.probe(for: rules[index].match, highEnd: end)
                probes += 1
                if let mismatch = disagreement(on: packet) { return SelfCheck(probes: probes, mismatch: mismatch) }
            }
        }
        var generator = SplitMix(state: seed)
        for _ in 0..<randomProbes {
            let packet = Self.randomPacket(&generator)
            probes += 1
            if let mismatch = disagreement(on: packet) { return SelfCheck(probes: probes, mismatch: mismatch) }
        }
        return SelfCheck(probes: probes, mismatch: nil)
    }

    private func disagreement(on packet: PacketFields) -> String? {
        let compiled = evaluate(packet), reference = evaluateLinearly(packet)
        guard compiled != reference else { return nil }
        func name(_ decision: Decision) -> String {
            decision.ruleIndex.map { "\(decision.action.rawValue) by \(rules[$0].location)" } ?? "\(decision.action.rawValue) by policy"
        }
        return "\(packet): compiled \(name(compiled)), reference \(name(reference))"
    }

    /// A packet inside every range `match` constrains, at their low or high ends.
    static func probe(for match: RuleMatch, highEnd: Bool) -> PacketFields {
        var packet = PacketFields(
            proto: .tcp, source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2),
            sourcePort: 40000, destinationPort: 80, tcpFlags: 0x02, length: 60)
        for field in Field.allCases {
            guard let set = match[field], let range = highEnd ? set.ranges.last : set.ranges.first else { continue }
            packet.set(field, key: highEnd ? range.upperBound : range.lowerBound)
        }
        // One family per packet: an address the rule leaves open follows the one it sets.
        if match[.source] != nil, match[.destination] == nil, case .v6 = packet.source {
            packet.destination = .v6(IPv6Address(high: 0xFD00_0000_0000_0000, low: 2))
        } else if match[.destination] != nil, match[.source] == nil, case .v6 = packet.destination {
            packet.source = .v6(IPv6Address(high: 0xFD00_0000_0000_0000, low: 1))
        }
        if let names = match.inInterfaces, !names.negated { packet.inInterface = names.names.first }
        if let names = match.outInterfaces, !names.negated { packet.outInterface = names.names.first }
        if match.dnsNames != nil || match.dnsAddresses != nil || match[.dnsType] != nil || match[.dnsRCode] != nil {
            packet.dnsType = packet.dnsType ?? 1
            if let names = match.dnsNames, !names.negated { packet.dnsNameHits = 1 << UInt64(names.list) }
            if let addresses = match.dnsAddresses, !addresses.negated { packet.dnsAddressHits = 1 << UInt64(addresses.list) }
        }
        return packet
    }

    /// Every fourth random packet is IPv6 (ICMPv6 in place of ICMP), its addresses in
    /// fd00::/8 or anywhere, but never IPv4-mapped (no decoded packet has one).
    static func randomPacket(_ generator: inout SplitMix) -> PacketFields {
        let ipv6 = generator.next() % 4 == 0
        func address() -> IPAddress {
            guard ipv6 else { return .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: generator.next()))) }
            let high = generator.next() % 2 == 0 ? 0xFD00_0000_0000_0000 | generator.next() >> 8 : generator.next() | 1 << 62
            return .v6(IPv6Address(high: high, low: generator.next()))
        }
        var packet = PacketFields(
            proto: [IPProtocol.tcp, .udp, ipv6 ? .icmpv6 : .icmp][Int(generator.next() % 3)],
            source: address(), destination: address(),
            sourcePort: nil, destinationPort: nil,
            length: UInt32(20 + generator.next() % 1480), ttl: UInt8(truncatingIfNeeded: generator.next()),
            mark: UInt32(generator.next() % 4))
        switch packet.proto {
        case .tcp:
            packet.sourcePort = UInt16(truncatingIfNeeded: generator.next())
            packet.destinationPort = UInt16(generator.next() % 1024)
            packet.tcpFlags = UInt8(truncatingIfNeeded: generator.next())
        case .udp:
            packet.sourcePort = UInt16(truncatingIfNeeded: generator.next())
            packet.destinationPort = UInt16(generator.next() % 1024)
            if generator.next() % 2 == 0 { randomDNS(&packet, &generator) }
        default:
            packet.icmpType = UInt8(generator.next() % 20)
            packet.icmpCode = UInt8(generator.next() % 4)
        }
        return packet
    }

    /// DNS facts for a UDP probe: a common type, an RCODE half the time, random list hits.
    static func randomDNS(_ packet: inout PacketFields, _ generator: inout SplitMix) {
        packet.dnsType = [1, 28, 16, 255, 65][Int(generator.next() % 5)]
        packet.dnsRCode = generator.next() % 2 == 0 ? nil : UInt16(generator.next() % 6)
        packet.dnsNameHits = generator.next() & 0xF
        packet.dnsAddressHits = generator.next() & 0xF
    }

    /// A small, fast, seeded generator (SplitMix64) so the check is the same every run. Public so
    /// that tests (through TestSupport) seed their generators with the same one.
    public struct SplitMix: RandomNumberGenerator, Sendable {
        var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension PacketFields {
    /// Sets a field from its numeric key (the inverse of `key(_:)`).
    mutating func set(_ field: Field, key: UInt128) {
        switch field {
        case .proto: proto = IPProtocol(rawValue: UInt8(truncatingIfNeeded: key))
        case .source: source = AddressKey.address(key)
        case .destination: destination = AddressKey.address(key)
        case .sourcePort: sourcePort = key == Field.noPort ? nil : UInt16(truncatingIfNeeded: key)
        case .destinationPort: destinationPort = key == Field.noPort ? nil : UInt16(truncatingIfNeeded: key)
        case .tcpFlags: tcpFlags = key == Field.notApplicable ? nil : UInt8(truncatingIfNeeded: key)
        case .icmpType: icmpType = key == Field.notApplicable ? nil : UInt8(truncatingIfNeeded: key)
        case .icmpCode: icmpCode = key == Field.notApplicable ? nil : UInt8(truncatingIfNeeded: key)
        case .state: connectionState = ConnectionState(rawValue: UInt8(truncatingIfNeeded: key))
        case .length: length = UInt32(truncatingIfNeeded: key)
        case .ttl: ttl = UInt8(truncatingIfNeeded: key)
        case .mark: mark = UInt32(truncatingIfNeeded: key)
        case .innerProto: innerProto = key == Field.notApplicable ? nil : IPProtocol(rawValue: UInt8(truncatingIfNeeded: key))
        case .innerSource: innerSource = key == Field.noInnerSource ? nil : AddressKey.address(key)
        case .innerDestination: innerDestination = key == Field.noInnerDestination ? nil : AddressKey.address(key)
        case .innerSourcePort: innerSourcePort = key == Field.noPort ? nil : UInt16(truncatingIfNeeded: key)
        case .innerDestinationPort: innerDestinationPort = key == Field.noPort ? nil : UInt16(truncatingIfNeeded: key)
        case .dnsType: dnsType = key == Field.noDNSType ? nil : UInt16(truncatingIfNeeded: key)
        case .dnsRCode: dnsRCode = key == Field.noDNSRCode ? nil : UInt16(truncatingIfNeeded: key)
        default: break
        }
    }
}
