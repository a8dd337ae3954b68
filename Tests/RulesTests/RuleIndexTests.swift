import Testing
import Wire
@testable import Rules
import TestSupport

/// Random rule text over small value pools, so rules overlap, nest and shadow one another.
final class RulesetGenerator {
    var rng: SplitMix

    init(rng: SplitMix) {
        self.rng = rng
    }
    static let octets: [UInt8] = [0, 1, 5, 127, 128, 255]
    static let prefixes: [UInt8] = [0, 8, 16, 24, 25, 30, 32]
    static let ports: [UInt16] = [0, 1, 22, 53, 80, 443, 1024, 8080, 65534, 65535]
    static let interfaces = ["eth0", "eth1", "lo", "eth0.100"]

    func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
    func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    func address() -> IPv4Address {
        IPv4Address(10, pick([0, 1]), pick(Self.octets), pick(Self.octets))
    }

    func list(_ item: () -> String) -> String {
        let negation = chance(15) ? "!" : ""
        let count = Int.random(in: 1...3, using: &rng)
        if count == 1 && negation.isEmpty && chance(50) { return item() }
        return negation + "{ " + (0..<count).map { _ in item() }.joined(separator: ", ") + " }"
    }

    func addressList() -> String {
        list { () -> String in
            if chance(10) { return "any" }
            let prefix = pick(Self.prefixes)
            let text = dottedQuad(address())
            return prefix == 32 && chance(50) ? text : "\(text)/\(prefix)"
        }
    }

    func rangeList(_ values: [UInt64], maximum: UInt64, hex: Bool = false) -> String {
        list { () -> String in
            func show(_ value: UInt64) -> String { hex ? "0x" + String(value, radix: 16) : "\(value)" }
            let low = min(pick(values) + (chance(30) ? 1 : 0), maximum)
            guard chance(50) else { return show(low) }
            let high = max(low, min(pick(values), maximum))
            return "\(show(low))-\(show(high))"
        }
    }

    func rule() -> String {
        var words = [pick(["accept", "drop"])]
        if chance(10) { words.append("log") }
        let proto = pick(["tcp", "udp", "icmp", "any"])
        words.append(proto)
        let ports = proto == "tcp" || proto == "udp"
        if chance(60) {
            words += ["from", addressList()]
            if ports && chance(30) { words += ["port", rangeList(Self.ports.map(UInt64.init), maximum: 65535)] }
        }
        if chance(70) {
            words += ["to", addressList()]
            if ports && chance(60) { words += ["port", rangeList(Self.ports.map(UInt64.init), maximum: 65535)] }
        }
        if chance(15) { words += ["in", list { pick(Self.interfaces) }] }
        if chance(10) { words += ["out", list { pick(Self.interfaces) }] }
        if proto == "tcp" && chance(30) {
            let letters = Array(ParserState.flagLetters)
            let set = String(letters.filter { _ in chance(25) })
            let mask = String(letters.filter { set.contains($0) || chance(35) })
            words += ["flags", (set.isEmpty ? "S" : set) + "/" + (mask.isEmpty ? "SA" : mask)]
        }
        if proto == "icmp" && chance(50) {
            words += ["type", list { pick(["echo-request", "echo-reply", "unreachable", "3", "11", "0-8"]) }]
        }
        if proto == "icmp" && chance(20) { words += ["code", rangeList([0, 1, 3, 4], maximum: 255)] }
        if chance(20) { words += ["state", list { pick(["new", "established", "related", "invalid"]) }] }
        if chance(15) { words += ["length", rangeList([20, 28, 40, 60, 576, 1500, 65535], maximum: 65535)] }
        if chance(15) { words += ["ttl", rangeList([0, 1, 63, 64, 128, 255], maximum: 255)] }
        if chance(10) { words += ["mark", rangeList([0, 1, 0xFF, 0xFFFF_FFFF], maximum: 0xFFFF_FFFF, hex: true)] }
        if proto == "udp" {
            // DNS matches: numeric ones in the index, list ones tried in order beside it.
            if chance(20) { words += ["dns-type", list { pick(["A", "AAAA", "TXT", "ANY", "65", "1"]) }] }
            if chance(15) { words += ["dns-rcode", list { pick(["noerror", "nxdomain", "2", "servfail"]) }] }
            if chance(20) { words += ["dns-name", pick(["a.example", "{ *.example, b.test }", "!{ c.example }", "\"d.example\""])] }
            if chance(10) { words += ["dns-response-ip", addressList()] }
        }
        if chance(10) { words += ["label", "\"r\""] }
        return words.joined(separator: " ")
    }

    /// A rule that matches every packet (`any from any`, `ttl 0-255`, ...) hides all later
    /// rules; such rules are kept rare, so that large rulesets keep their long, heavily
    /// overlapping tail (the part that exercises the index's bitset fallback).
    func ruleset(count: Int) -> String {
        var lines = [pick(["policy drop", "policy accept"]), "inspect dns"]
        while lines.count <= count + 1 {
            let rule = rule()
            let catchAll = Program.load(source: rule, file: "one.rules").program?.index.firstCatchAll == 0
            if !catchAll || chance(2) { lines.append(rule) }
        }
        return lines.joined(separator: "\n")
    }

    func packet() -> PacketFields {
        let proto = pick([IPProtocol.tcp, .udp, .icmp])
        let ports = proto != .icmp
        func port() -> UInt16? {
            let base = pick(Self.ports)
            return chance(20) ? base &+ 1 : base
        }
        var packet = PacketFields(
            proto: proto, source: address(), destination: address(),
            sourcePort: ports ? port() : nil, destinationPort: ports ? port() : nil,
            inInterface: chance(80) ? InterfaceName(pick(Self.interfaces + ["eth9"])) : nil,
            outInterface: chance(80) ? InterfaceName(pick(Self.interfaces + ["wlan0"])) : nil,
            tcpFlags: proto == .tcp ? UInt8.random(in: 0...255, using: &rng) : nil,
            icmpType: proto == .icmp ? pick([0, 3, 8, 11, 200]) : nil,
            icmpCode: proto == .icmp ? pick([0, 1, 3, 4]) : nil,
            connectionState: chance(80) ? pick(ConnectionState.allCases) : nil,
            length: pick([20, 28, 40, 41, 60, 576, 1500, 1501, 65535]),
            ttl: pick([0, 1, 2, 63, 64, 65, 128, 255]),
            mark: pick([0, 1, 2, 0xFF, 0x100, 0xFFFF_FFFF]))
        if proto == .udp, chance(60) {
            // What `describeDNS` fills: type, RCODE for a response, one hit bit per list.
            packet.dnsType = pick([1, 28, 16, 255, 65, 6])
            packet.dnsRCode = chance(50) ? pick([0, 2, 3, 5]) : nil
            packet.dnsNameHits = UInt64.random(in: 0...15, using: &rng)
            packet.dnsAddressHits = UInt64.random(in: 0...255, using: &rng)
        }
        return packet
    }
}

/// The compiled index must agree with the linear reference on every packet: same rule, same
/// action. Thousands of random rulesets and packets, including large rulesets.
@Test(arguments: [(400, 12, 40), (60, 150, 100), (4, 1500, 500)])
func compiledEvaluationEqualsLinearReference(rulesets: Int, rules: Int, packets: Int) {
    let generator = RulesetGenerator(rng: SplitMix(state: UInt64(rules)))
    var compared = 0
    var decidedByRule = 0
    var usedFallback = 0
    var usedKeys = 0
    for _ in 0..<rulesets {
        let text = generator.ruleset(count: Int.random(in: 0...rules, using: &generator.rng))
        let (program, diagnostics) = Program.load(source: text, file: "random.rules")
        guard let program else {
            Issue.record("generated ruleset has errors: \(diagnostics.filter { $0.severity == .error })\n\(text)")
            return
        }
        if program.index.fallbackRuleCount > 0 { usedFallback += 1 }
        if !program.index.tables.isEmpty { usedKeys += 1 }
        for _ in 0..<packets {
            let packet = generator.packet()
            let compiled = program.evaluate(packet)
            let linear = program.evaluateLinearly(packet)
            if compiled != linear {
                Issue.record("compiled \(compiled) != linear \(linear) for \(packet)\n\(text)")
                return
            }
            compared += 1
            if compiled.ruleIndex != nil { decidedByRule += 1 }
        }
    }
    #expect(compared == rulesets * packets)
    // The generator is useful only if rules, not the policy, decide a good share of packets.
    #expect(decidedByRule * 4 > compared)
    // Both halves of the index must be under test: key tables and the bitset fallback (which
    // no ruleset of at most `listLimit` rules can need: no list can be longer).
    #expect(usedKeys * 2 > rulesets)
    #expect(usedFallback > 0 || rules <= RuleIndex.listLimit)
}

@Test func emptyAndCatchAllRulesets() {
    let packet = PacketFields(proto: .udp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8), sourcePort: 1, destinationPort: 2)
    #expect(Program(rules: []).evaluate(packet) == Decision(action: .drop, ruleIndex: nil))
    let (program, _) = Program.load(source: "accept any\ndrop any", file: "f")
    #expect(program?.evaluate(packet) == Decision(action: .accept, ruleIndex: 0))
}

@Test func manyRulesAcrossWordBoundaries() {
    // Rules 0..<199 match only their own port; the 200th matches everything: checks word 3.
    let text = (0..<199).map { "drop tcp to any port \($0 + 1)" }.joined(separator: "\n") + "\naccept any"
    let (program, _) = Program.load(source: text, file: "f")
    let base = PacketFields(proto: .tcp, source: IPv4Address(1, 1, 1, 1), destination: IPv4Address(2, 2, 2, 2), sourcePort: 9, destinationPort: 0)
    var packet = base
    packet.destinationPort = 150
    #expect(program?.evaluate(packet) == Decision(action: .drop, ruleIndex: 149))
    packet.destinationPort = 5000
    #expect(program?.evaluate(packet) == Decision(action: .accept, ruleIndex: 199))
    #expect(program?.evaluate(base) == Decision(action: .accept, ruleIndex: 199))
}

// MARK: - Key tables: filing, re-filing and the fallback

/// The longest segment list over every key table of `index`.
private func longestList(_ index: RuleIndex) -> Int {
    index.tables.map { table in
        (0..<table.starts.count).map { Int(table.listStarts[$0 + 1] - table.listStarts[$0]) }.max() ?? 0
    }.max() ?? 0
}

private func expectAgreement(_ program: Program, _ packets: [PacketFields], sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Int {
    var decided = 0
    for packet in packets {
        let compiled = program.evaluate(packet)
        #expect(compiled == program.evaluateLinearly(packet), "\(packet)", sourceLocation: sourceLocation)
        if compiled.ruleIndex != nil { decided += 1 }
    }
    return decided
}

/// The shape of a large real ruleset (block lists of hosts and networks, services by port):
/// every rule has a narrow field, so all are filed under key fields and none reaches the
/// bitset fallback; the compiled answer still equals the linear one on packets built from the
/// rules' own addresses and ports, so that rules, not the policy, decide most of them.
@Test func narrowRulesAreAllKeyedAndAgreeWithTheReference() {
    var rng = SplitMix(state: 7)
    var hosts: [IPv4Address] = []
    var lines = ["policy drop"]
    for index in 0..<3_000 {
        let host = IPv4Address(rawValue: UInt32(truncatingIfNeeded: rng.next()) | 0x0100_0000)
        hosts.append(host)
        let text = dottedQuad(host)
        let line = switch index % 5 {
        case 0: "drop tcp from \(text) to any port \(1 + index % 1000)"
        case 1: "drop any from \(text)/\(16 + index % 16)"
        case 2: "accept udp from \(text)/24 to any port { 53, \(2000 + index % 50) }"
        case 3: "accept tcp to \(text) port 1000-3000 flags S/SA"
        default: "drop tcp to \(text)/28 port !{ 22, 443 } ttl 2-255"
        }
        lines.append(line)
    }
    guard let program = Program.load(source: lines.joined(separator: "\n"), file: "f").program else {
        Issue.record("generated ruleset has errors")
        return
    }
    #expect(program.index.fallbackRuleCount == 0)
    #expect(longestList(program.index) <= RuleIndex.listLimit)
    var packets: [PacketFields] = []
    for _ in 0..<6_000 {
        let proto = [IPProtocol.tcp, .udp, .icmp][Int(rng.next() % 3)]
        func nearby() -> IPv4Address {
            IPv4Address(rawValue: hosts[Int(rng.next() % UInt64(hosts.count))].rawValue ^ UInt32(rng.next() % 4 == 0 ? rng.next() % 512 : 0))
        }
        func port() -> UInt16 { [22, 53, 443, 1500, 2010, UInt16(rng.next() % 1001)][Int(rng.next() % 6)] }
        packets.append(PacketFields(
            proto: proto, source: nearby(), destination: nearby(),
            sourcePort: proto == .icmp ? nil : port(), destinationPort: proto == .icmp ? nil : port(),
            tcpFlags: proto == .tcp ? UInt8(truncatingIfNeeded: rng.next()) : nil,
            icmpType: proto == .icmp ? 8 : nil, icmpCode: proto == .icmp ? 0 : nil,
            ttl: UInt8(truncatingIfNeeded: rng.next())))
    }
    let decided = expectAgreement(program, packets)
    // About a fifth (1,296 with this seed): enough that a wrong keyed answer would show.
    #expect(decided * 6 > packets.count, "rules decided only \(decided) of \(packets.count)")
}

/// A wide network over a block list of hosts spans hundreds of segments of the source table,
/// and stays there. Twenty-one nested networks over the same hosts would make each host's
/// segment list them all: the widest of them are filed again under their next field (TTL
/// here), or, with no field left, handed to the bitset fallback; the hosts stay keyed. Either way the
/// answers stay exact.
@Test func nestedRulesAreRefiledOrFallBack() {
    let hosts = (0..<300).map { "accept tcp from 10.0.\($0 / 200).\($0 % 200 + 1) to any port 22" }
    // One /8 over the hosts: keyed by source, spanning every host's segment.
    guard let wide = Program.load(source: (["drop any from 10.0.0.0/8 ttl 1-5"] + hosts).joined(separator: "\n"), file: "f").program else {
        Issue.record("ruleset has errors")
        return
    }
    #expect(wide.index.fallbackRuleCount == 0)
    #expect(wide.index.tables.contains { $0.field == .source && $0.members.filter { $0 == 0 }.count > 300 })
    for (suffix, keyed) in [(" ttl 1-5", true), ("", false)] {
        let nested = (8...28).map { "drop any from 10.0.0.0/\($0)\(suffix)" }
        guard let program = Program.load(source: (nested + hosts + ["accept udp"]).joined(separator: "\n"), file: "f").program else {
            Issue.record("ruleset has errors")
            return
        }
        #expect(longestList(program.index) <= RuleIndex.listLimit)
        if keyed {
            #expect(program.index.fallbackRuleCount == 0)
            #expect(program.index.tables.contains { $0.field == .ttl && $0.members.contains(0) })
        } else {
            // A host inside all 21 networks makes 22 rules in its segment: the widest 10 leave.
            #expect(program.index.fallbackRuleCount == 22 - RuleIndex.listLimit)
        }
        var packets: [PacketFields] = []
        for host in 0..<320 {
            for ttl: UInt8 in [3, 64] {
                packets.append(PacketFields(proto: host % 2 == 0 ? .tcp : .udp, source: IPv4Address(10, 0, UInt8(host / 200), UInt8(host % 200 + 1)),
                                            destination: IPv4Address(192, 0, 2, 1), sourcePort: 1000, destinationPort: 22, ttl: ttl))
            }
        }
        packets.append(PacketFields(proto: .udp, source: IPv4Address(11, 0, 0, 1), destination: IPv4Address(192, 0, 2, 1), sourcePort: 1, destinationPort: 2))
        _ = expectAgreement(program, packets)
        // The /8 decides the low-TTL packets (or all of them) before any host rule.
        #expect(program.evaluate(packets[0]).ruleIndex == 0)
    }
}

/// Two hundred rules on one network and one port differ only in a wide, nested TTL range:
/// every segment would list them all. Each segment keeps at most `listLimit`; the rest go on
/// to other fields and finally to the bitset fallback, which then holds more than one
/// 64-rule word — and the answers stay exact.
@Test func longListsAreCutAndTheRestFallBack() {
    let lines = (0..<200).map { "accept tcp from 10.0.0.0/24 to any port 80 ttl \($0)-255" } + ["drop udp to any port 53"]
    guard let program = Program.load(source: lines.joined(separator: "\n"), file: "f").program else {
        Issue.record("ruleset has errors")
        return
    }
    #expect(program.index.fallbackRuleCount > 64)
    #expect(longestList(program.index) <= RuleIndex.listLimit)
    var packets: [PacketFields] = []
    for ttl in 0...255 {
        for proto in [IPProtocol.tcp, .udp] {
            packets.append(PacketFields(proto: proto, source: IPv4Address(10, 0, 0, UInt8(ttl)), destination: IPv4Address(192, 0, 2, 1),
                                        sourcePort: 1000, destinationPort: proto == .tcp ? 80 : 53, ttl: UInt8(ttl)))
        }
    }
    let decided = expectAgreement(program, packets)
    #expect(decided > 300)
    var late = packets[0]
    late.ttl = 150
    #expect(program.evaluate(late).ruleIndex == 0)
    late.source = .v4(IPv4Address(10, 0, 1, 1))
    #expect(program.evaluate(late).ruleIndex == nil)
}

/// Rules after a catch-all can never decide; they are left out of the index entirely.
@Test func rulesAfterACatchAllAreNotIndexed() {
    guard let program = Program.load(source: "drop tcp to any port 22\naccept any\ndrop udp", file: "f").program else {
        Issue.record("ruleset has errors")
        return
    }
    #expect(program.index.firstCatchAll == 1)
    #expect(!program.index.tables.contains { $0.members.contains(2) })
    let packet = PacketFields(proto: .udp, source: IPv4Address(1, 1, 1, 1), destination: IPv4Address(2, 2, 2, 2), sourcePort: 1, destinationPort: 22)
    #expect(program.evaluate(packet) == Decision(action: .accept, ruleIndex: 1))
}

/// A small, varied ruleset would get a key table per kind of rule (one for ICMP types, one for
/// states, ...): tables of a few rules are dissolved into the others, so a packet costs fewer
/// lookups, and the answers stay exact.
@Test func smallTablesAreDissolvedIntoOthers() {
    let text = """
        policy drop
        accept tcp from 10.1.0.0/24 to any port 22 flags S/SA
        accept tcp from 10.1.0.0/24 to any port 443
        accept icmp type echo-request
        accept udp to any port 53 state new
        drop tcp to any port 23
        accept any state established
        """
    guard let program = Program.load(source: text, file: "f").program else {
        Issue.record("ruleset has errors")
        return
    }
    // Undissolved: source (rules 0, 1), ICMP type (2), destination port (3, 4), state (5).
    #expect(program.index.tables.count < 4, "\(program.index.tables.map(\.field))")
    #expect(program.index.fallbackRuleCount == 0)
    let generator = RulesetGenerator(rng: SplitMix(state: 3))
    let packets = (0..<3_000).map { _ in
        var packet = generator.packet()
        if generator.chance(30) { packet.source = .v4(IPv4Address(10, 1, 0, 7)) }
        return packet
    }
    let decided = expectAgreement(program, packets)
    #expect(decided > 300)
}

/// The reference's rule match, written to skip unconstrained fields, means exactly "every
/// field matches, and the DNS list conditions hold" on random rules and packets.
@Test func ruleMatchIsEveryFieldMatching() {
    let generator = RulesetGenerator(rng: SplitMix(state: 41))
    var matched = 0
    for _ in 0..<200 {
        guard let program = Program.load(source: generator.ruleset(count: 10), file: "r").program else { continue }
        for _ in 0..<50 {
            let packet = generator.packet()
            for rule in program.rules {
                let fieldByField = Field.allCases.allSatisfy { rule.match.matches(packet, on: $0) } && rule.match.dnsListsMatch(packet)
                #expect(rule.match.matches(packet) == fieldByField)
                if fieldByField { matched += 1 }
            }
        }
    }
    #expect(matched > 1000)
}
