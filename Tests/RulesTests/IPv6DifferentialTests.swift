import Testing
import Wire
@testable import Rules
import TestSupport

/// The compiled index against the linear reference on random rulesets of both families:
/// IPv4 and IPv6 networks mixed in lists, `inet`/`inet6`, `icmp6`, negations (complemented
/// within their families), on random packets of both families.
private struct MixedGenerator {
    let base: RulesetGenerator
    static let ipv6Hosts = ["fd00::", "fd00::1", "fd00::ff", "fd00:0:0:1::1", "2001:db8::1", "fe80::1", "::1", "::"]
    static let ipv6Prefixes: [UInt8] = [0, 8, 16, 64, 120, 127, 128]

    func ipv6Address() -> IPv6Address {
        let host = IPv6Address(base.pick(Self.ipv6Hosts))!
        return IPv6Address(rawValue: host.rawValue &+ (base.chance(20) ? 1 : 0))
    }

    func addressList(ipv6Share: Int) -> String {
        base.list { () -> String in
            if base.chance(8) { return "any" }
            guard base.chance(ipv6Share) else {
                let prefix = base.pick(RulesetGenerator.prefixes)
                return "\(dottedQuad(base.address()))/\(prefix)"
            }
            let prefix = base.pick(Self.ipv6Prefixes)
            let address = IPv6Address(base.pick(Self.ipv6Hosts))!
            return prefix == 128 && base.chance(50) ? "\(address)" : "\(AddressKey.network(address, prefix: prefix))/\(prefix)"
        }
    }

    func rule() -> String {
        var words = [base.pick(["accept", "drop"])]
        if base.chance(20) { words.append(base.pick(["inet", "inet6"])) }
        let proto = base.pick(["tcp", "udp", "icmp", "icmp6", "any"])
        words.append(proto)
        let ports = proto == "tcp" || proto == "udp"
        let share = base.pick([0, 50, 100])
        if base.chance(60) {
            words += ["from", addressList(ipv6Share: share)]
            if ports && base.chance(30) { words += ["port", base.rangeList([0, 22, 53, 443, 65535], maximum: 65535)] }
        }
        if base.chance(60) {
            words += ["to", addressList(ipv6Share: share)]
            if ports && base.chance(50) { words += ["port", base.rangeList([0, 22, 53, 443, 65535], maximum: 65535)] }
        }
        if proto == "icmp6" && base.chance(50) {
            words += ["type", base.list { base.pick(["echo-request", "echo-reply", "neighbor-solicitation", "1", "128-136"]) }]
        }
        if base.chance(15) { words += ["ttl", base.rangeList([0, 1, 64, 255], maximum: 255)] }
        if base.chance(10) { words += ["length", base.rangeList([40, 60, 65535, 65575], maximum: 65575)] }
        return words.joined(separator: " ")
    }

    /// Rules that load on their own (no family errors), mostly not catch-alls.
    func ruleset(count: Int) -> String {
        var lines = [base.pick(["policy drop", "policy accept"])]
        while lines.count <= count {
            let rule = rule()
            guard let program = Program.load(source: rule, file: "one.rules").program else { continue }
            if program.index.firstCatchAll != 0 || base.chance(2) { lines.append(rule) }
        }
        return lines.joined(separator: "\n")
    }

    func packet() -> PacketFields {
        var packet = base.packet()
        guard base.chance(50) else { return packet }
        packet.source = .v6(ipv6Address())
        packet.destination = .v6(ipv6Address())
        if packet.proto == .icmp {
            packet.proto = .icmpv6
            packet.icmpType = base.pick([1, 128, 129, 135, 200])
        }
        packet.length = base.pick([40, 60, 65535, 65575])
        return packet
    }
}

@Test(arguments: [(200, 12, 60), (20, 200, 200)])
func mixedFamilyIndexEqualsLinearReference(rulesets: Int, rules: Int, packets: Int) {
    let generator = MixedGenerator(base: RulesetGenerator(rng: SplitMix(state: UInt64(rules) &+ 6)))
    var decidedByRule = 0
    var ipv6Decided = 0
    for _ in 0..<rulesets {
        let text = generator.ruleset(count: Int.random(in: 0...rules, using: &generator.base.rng))
        let (program, diagnostics) = Program.load(source: text, file: "mixed.rules")
        guard let program else {
            Issue.record("generated ruleset has errors: \(diagnostics.filter { $0.severity == .error })\n\(text)")
            return
        }
        #expect(program.selfCheck(randomProbes: 64).passed)
        for _ in 0..<packets {
            let packet = generator.packet()
            let compiled = program.evaluate(packet)
            guard compiled == program.evaluateLinearly(packet) else {
                Issue.record("\(packet): compiled \(compiled), reference \(program.evaluateLinearly(packet))\n\(text)")
                return
            }
            if compiled.ruleIndex != nil {
                decidedByRule += 1
                if case .v6 = packet.source { ipv6Decided += 1 }
            }
        }
    }
    // The pools make rules match often enough for the comparison to mean something.
    #expect(decidedByRule > rulesets * packets / 10 && ipv6Decided > rulesets * packets / 40)
}
