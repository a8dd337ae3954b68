import Testing
import Wire
@testable import Rules

/// A small deterministic generator (SplitMix64), so a failing case can be replayed by seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
        if chance(10) { words += ["label", "\"r\""] }
        return words.joined(separator: " ")
    }

    func ruleset(count: Int) -> String {
        var lines = [pick(["policy drop", "policy accept"])]
        for _ in 0..<count { lines.append(rule()) }
        return lines.joined(separator: "\n")
    }

    func packet() -> PacketFields {
        let proto = pick([IPProtocol.tcp, .udp, .icmp])
        let ports = proto != .icmp
        func port() -> UInt16? {
            let base = pick(Self.ports)
            return chance(20) ? base &+ 1 : base
        }
        return PacketFields(
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
    }
}

/// The compiled index must agree with the linear reference on every packet: same rule, same
/// action. Thousands of random rulesets and packets, including large rulesets.
@Test(arguments: [(400, 12, 40), (60, 150, 100), (4, 1500, 500)])
func compiledEvaluationEqualsLinearReference(rulesets: Int, rules: Int, packets: Int) {
    let generator = RulesetGenerator(rng: SplitMix(state: UInt64(rules)))
    var compared = 0
    var decidedByRule = 0
    for _ in 0..<rulesets {
        let text = generator.ruleset(count: Int.random(in: 0...rules, using: &generator.rng))
        let (program, diagnostics) = Program.load(source: text, file: "random.rules")
        guard let program else {
            Issue.record("generated ruleset has errors: \(diagnostics.filter { $0.severity == .error })\n\(text)")
            return
        }
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
