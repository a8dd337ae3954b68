import Benchmark
import Rules
import Wire

/// A generated ruleset of `count` rules of mixed kinds, the shape of a real large ruleset:
/// mostly host and network blocklist entries, service rules with port lists, and a share of
/// rules on flags, ICMP types, state, TTL, interfaces and marks. Deterministic (no RNG).
func generatedRuleset(_ count: Int) -> String {
    var lines = ["policy drop", "log drops"]
    for index in 0..<count {
        let a = UInt32(truncatingIfNeeded: index &* 2_654_435_761)  // spread addresses over the space
        let host = "\(10 + (a >> 24) % 100).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
        let line: String = switch index % 10 {
        case 0, 1, 2: "drop tcp from \(host) to any port \(1 + index % 60_000)"
        case 3: "drop any from \(host)/\(16 + index % 16)"
        case 4: "accept udp from \(host)/24 to any port { 53, \(2000 + index % 5000) }"
        case 5: "accept tcp from any to \(host) port \(1024 + index % 1000)-\(3000 + index % 1000) flags S/SA state new"
        case 6: "accept icmp from \(host) type { echo-request, echo-reply } ttl 2-255"
        case 7: "drop tcp to \(host)/28 port !{ 22, 443 } in eth\(index % 4)"
        case 8: "accept udp from \(host)/30 port 1024-65535 to any port 123 length 48-76"
        default: "accept tcp from \(host)/26 to any port 80 mark \(index % 16)"
        }
        lines.append(line)
    }
    // The packets below are decided by this last rule: every earlier rule was passed over.
    lines.append("accept tcp to 10.2.0.0/16 port 443 label \"web\"")
    return lines.joined(separator: "\n")
}

func rulesBenchmarks() {
    let packets = [
        // Decided by the last rule: the worst case for a linear scan.
        PacketFields(proto: .tcp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
                     sourcePort: 40000, destinationPort: 443, inInterface: InterfaceName("eth0"), tcpFlags: 0x02,
                     connectionState: .new, length: 60, ttl: 64, mark: 0),
        // Decided by the policy.
        PacketFields(proto: .udp, source: IPv4Address(192, 168, 1, 1), destination: IPv4Address(172, 16, 0, 1),
                     sourcePort: 5353, destinationPort: 9999, length: 80, ttl: 3),
    ]
    for count in [10, 1_000, 10_000] {
        let (loaded, diagnostics) = Program.load(source: generatedRuleset(count), file: "generated.rules")
        guard let program = loaded else { fatalError("generated ruleset has errors: \(diagnostics.prefix(3))") }
        precondition(program.evaluate(packets[0]) == program.evaluateLinearly(packets[0]))
        Benchmark("evaluate, \(count) rules (ns per packet)", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .instructions], scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(program.evaluate(packets[index & 1]))
            }
        }
    }
    // The index's bad case, for honesty: rules that overlap on every field (four networks,
    // five ports, nested TTL ranges), so that most cannot be keyed and go to the bitset part.
    let overlapping = (["policy drop"] + (0..<10_000).map { index in
        "accept tcp from 10.0.\(index % 4).0/24 to any port \([22, 80, 443, 8080, 9000][index % 5]) ttl \(index % 200)-255"
    } + ["accept tcp to 10.2.0.0/16 port 443"]).joined(separator: "\n")
    if let program = Program.load(source: overlapping, file: "overlapping.rules").program {
        Benchmark("evaluate, 10000 heavily overlapping rules, \(program.indexShape.fallbackRules) in the bitset part (ns per packet)", configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(program.evaluate(packets[index & 1]))
            }
        }
    }
    let tenThousand = generatedRuleset(10_000)
    let (syntax, _) = Parser.parse(tenThousand, file: "generated.rules")
    let checked = Checker.check(syntax.statements.map { LocatedStatement(file: "generated.rules", statement: $0) })
    Benchmark("compile 10000 rules (index only)", configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 5)) { benchmark in
        blackHole(Compiler.compile(checked))
    }
    Benchmark("reload 10000 rules as run does (parse, check without shadowing, compile, self-check)", configuration: .init(metrics: [.wallClock], warmupIterations: 0, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 3)) { benchmark in
        let loaded = Program.load(path: "generated.rules", loader: InMemoryRuleSources(["generated.rules": tenThousand]), shadowing: false)
        guard case .success(let result) = loaded, let program = result.program else { fatalError("generated ruleset does not load") }
        blackHole(program.selfCheck())
    }
    Benchmark("load 10000 rules (parse, check with exact shadowing, compile)", configuration: .init(metrics: [.wallClock], warmupIterations: 0, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 3)) { benchmark in
        blackHole(Program.load(source: tenThousand, file: "generated.rules").program)
    }
}
