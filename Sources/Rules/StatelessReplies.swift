import Wire

/// The "stateless reply rule" warning: an `accept` meant for a service's replies that lets
/// through anything sent from the service's port.
///
/// A rule such as `accept udp from any port 53 to 203.0.113.10 port 1024-65535` is written
/// for DNS answers, but a packet's source port is chosen by its sender: anyone who sends
/// from port 53 reaches every port from 1024 up. What tells a reply from a new packet is the
/// connection state (`state established`), or for TCP at least the ACK flag (`flags A/A`:
/// every segment after a connection's first SYN carries ACK: the SYN-ACK, RFC 9293
/// §3.10.7.2; a RST answering a SYN, §3.10.7.1; and a synchronized connection drops any
/// segment without it, §3.10.7.4).
///
/// A rule is warned about when it accepts TCP or UDP from a narrow source port list (at most
/// `narrowPorts` ports: a service's port) to a wide destination (no `port`, or more than
/// `narrowPorts` ports), with no `state` condition and, for TCP, no `flags` condition that
/// requires ACK. The warning carries a witness: a packet, in `explain`'s syntax, that the
/// rule accepts and that is not a reply.
enum StatelessReplies {
    /// The most ports a "service port" list has, and the fewest a "wide" destination has.
    static let narrowPorts: UInt128 = 1024

    /// Addresses tried first for a witness: reserved for benchmarking and documentation
    /// (RFC 2544, RFC 5737), so a witness never names a real host by accident.
    static let preferredAddresses: [UInt32] = [0xC612_0042, 0xCB00_7142, 0xC000_0242]  // 198.18.0.66, 203.0.113.66, 192.0.2.66
    /// The same for IPv6: 2001:db8::66 and 2001:db8::1:66 (RFC 3849).
    static let preferredIPv6Addresses: [UInt128] = [0x2001_0DB8_0000_0000_0000_0000_0000_0066, 0x2001_0DB8_0000_0000_0000_0000_0001_0066]
    /// Destination ports tried first: services a reply rule must not expose (memcached,
    /// RDP, Redis, PostgreSQL).
    static let preferredPorts: [UInt128] = [11211, 3389, 6379, 5432]

    static func analyze(_ rules: [Rule]) -> [Diagnostic] {
        rules.compactMap { rule in
            guard let message = finding(rule) else { return nil }
            return Diagnostic(message, at: rule.location)
        }
    }

    /// The warning for `rule`, or nil when it is not a stateless reply rule.
    static func finding(_ rule: Rule) -> Diagnostic.Message? {
        let match = rule.match
        guard rule.action == .accept, let protoSet = match[.proto], protoSet.ranges.count == 1,
              let protoRange = protoSet.ranges.first, protoRange.lowerBound == protoRange.upperBound
        else { return nil }
        let proto = IPProtocol(rawValue: UInt8(truncatingIfNeeded: protoRange.lowerBound))
        guard proto == .tcp || proto == .udp, match[.state] == nil,
              let sourcePorts = match[.sourcePort], count(sourcePorts) <= narrowPorts
        else { return nil }
        if let destinationPorts = match[.destinationPort], count(destinationPorts) <= narrowPorts { return nil }
        if proto == .tcp, let flags = match[.tcpFlags], requiresACK(flags) { return nil }
        return .statelessReply(
            sourcePorts: describe(sourcePorts), destinationPorts: match[.destinationPort].map(describe),
            witness: witness(rule, proto: proto), tcp: proto == .tcp)
    }

    /// How many values `set` holds.
    static func count(_ set: ValueSet) -> UInt128 {
        set.ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) }
    }

    /// Whether every flags byte in `set` has ACK (0x10) set.
    static func requiresACK(_ set: ValueSet) -> Bool {
        set.ranges.allSatisfy { range in range.allSatisfy { $0 <= 255 && $0 & 0x10 != 0 } }
    }

    /// `port 53`, `ports 1024-65535`, `ports { 80, 443 }`.
    static func describe(_ set: ValueSet) -> String {
        let items = set.ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
        if items.count == 1 { return (count(set) == 1 ? "port " : "ports ") + items[0] }
        return "ports { " + items.joined(separator: ", ") + " }"
    }

    /// A packet the rule accepts that is not a reply, as `explain` reads it; nil when none
    /// could be built (the rule's interfaces are only negated names, say, and the packet the
    /// built one does not match).
    static func witness(_ rule: Rule, proto: IPProtocol) -> String? {
        let match = rule.match
        // Both addresses of one family: IPv6 when either side names IPv6 networks only.
        let ipv6Only = [match[.source], match[.destination]].contains { set in set.map { !AddressKey.families($0).ipv4 } ?? false }
        let addresses = ipv6Only ? preferredIPv6Addresses : preferredAddresses.map { AddressKey.key(IPv4Address(rawValue: $0)) }
        let source = AddressKey.address(pick(match[.source], preferred: addresses, address: true))
        let destination = AddressKey.address(pick(match[.destination], preferred: addresses, address: true))
        let sourcePort = UInt16(truncatingIfNeeded: pick(match[.sourcePort], preferred: []))
        let destinationPort = UInt16(truncatingIfNeeded: pick(match[.destinationPort], preferred: preferredPorts.filter { $0 != UInt128(sourcePort) }))
        var packet = PacketFields(
            proto: proto, source: source, destination: destination, sourcePort: sourcePort, destinationPort: destinationPort,
            tcpFlags: proto == .tcp ? 0 : nil, length: proto == .tcp ? 40 : 28)
        var text = "\(protocolName(proto)) \(endpoint(source, sourcePort)) -> \(endpoint(destination, destinationPort))"
        if proto == .tcp {
            // A SYN from the service's port: the start of a connection, never a reply.
            let flags = match[.tcpFlags].map { $0.contains(0x02) ? 0x02 : UInt8(truncatingIfNeeded: pick($0, preferred: [])) } ?? 0x02
            packet.tcpFlags = flags
            if flags != 0 { text += " flags \(Checker.flagLetters(flags))" }
        }
        for (keyword, set) in [("in", match.inInterfaces), ("out", match.outInterfaces)] {
            guard let set, !set.negated, let name = set.names.first else { continue }
            if keyword == "in" { packet.inInterface = name } else { packet.outInterface = name }
            text += " \(keyword) \(name)"
        }
        if let set = match[.ttl], !set.contains(UInt128(packet.ttl)) {
            packet.ttl = UInt8(truncatingIfNeeded: pick(set, preferred: []))
            text += " ttl \(packet.ttl)"
        }
        if let set = match[.length], !set.contains(UInt128(packet.length)) {
            packet.length = UInt32(truncatingIfNeeded: pick(set, preferred: []))
            text += " length \(packet.length)"
        }
        if let set = match[.mark], !set.contains(0) {
            packet.mark = UInt32(truncatingIfNeeded: pick(set, preferred: []))
            text += " mark 0x\(String(packet.mark, radix: 16))"
        }
        return match.matches(packet) ? text : nil
    }

    /// The first of `preferred` in `set` (any value when there is no set), else the set's
    /// lowest value, or for an `address` the one after it when that ends in zero (a
    /// network's own address).
    static func pick(_ set: ValueSet?, preferred: [UInt128], address: Bool = false) -> UInt128 {
        guard let set else { return preferred.first ?? 0 }
        if let value = preferred.first(where: set.contains) { return value }
        guard let first = set.ranges.first else { return 0 }
        let skip = address && first.lowerBound & 0xFF == 0 && first.upperBound > first.lowerBound
        return skip ? first.lowerBound + 1 : first.lowerBound
    }

    /// `a.b.c.d:port`, or `[v6]:port` as `explain` reads an IPv6 endpoint (RFC 5952 §6).
    static func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
        switch address {
        case .v4(let v4): "\(v4):\(port)"
        case .v6(let v6): "[\(v6)]:\(port)"
        }
    }
}
