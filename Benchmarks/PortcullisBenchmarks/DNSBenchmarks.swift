import Benchmark
import Engine
import Rules
import TestSupport
import Wire

/// A name list of `count` names in hosts-file and plain lines mixed, a tenth of them wildcards:
/// the shape of a published blocklist. Deterministic.
func generatedNameList(_ count: Int) -> String {
    var text = "# generated blocklist\n"
    text.reserveCapacity(count * 30)
    for index in 0..<count {
        let name = "ads\(index).tracker\(index % 997).example\(index % 13).com"
        switch index % 10 {
        case 0: text += "*.\(name)\n"
        case 1, 2, 3, 4: text += "0.0.0.0 \(name)\n"
        default: text += name + "\n"
        }
    }
    return text
}

/// The ruleset of the DNS benchmarks: a blocklist of `names` names checked on every query.
func dnsRuleset() -> String {
    """
    policy drop
    log drops
    inspect dns
    set blocklist = file "blocklist.txt"
    drop udp to any port 53 dns-name $blocklist label "blocklist"
    accept udp to any port 53
    """
}

func dnsBenchmarks() {
    let query = Packets.udp(sourcePort: 40000, destinationPort: 53, payload: DNSMessageBuilder.query("www.example.com"))
    let response = DNSMessageBuilder.response("www.example.com", addresses: [[93, 184, 216, 34]])
    let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: query.count)

    Benchmark("decode DNS response (one A answer, OPT)") { benchmark in
        response.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                blackHole(try? DNS.Message(parsing: bytes.bytes, at: 28))
            }
        }
    }

    // The baseline: the same UDP datagram judged without `inspect dns`.
    let (plainProgram, _) = Program.load(source: "policy drop\nlog drops\naccept udp to any port 53\n", file: "plain.rules")
    let plain = Engine(program: plainProgram!)
    Benchmark("engine judge UDP query, no inspect dns") { benchmark in
        query.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = plain.judge(bytes, metadata: metadata)
                blackHole(outcome)
                blackHole(event.verdict)
            }
        }
    }

    let names = 1_000_000
    let list = generatedNameList(names)
    let loader = InMemoryRuleSources(["dns.rules": dnsRuleset(), "blocklist.txt": list])
    guard case .success(let loaded) = Program.load(path: "dns.rules", loader: loader, shadowing: false),
          let program = loaded.program else { fatalError("the DNS benchmark ruleset does not load") }
    precondition(program.dns.nameCount == names, "\(program.dns.nameCount) names loaded")
    let engine = Engine(program: program)
    Benchmark("engine judge DNS query, 1000000-name list") { benchmark in
        query.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                blackHole(outcome)
                blackHole(event.verdict)
            }
        }
    }

    // What `run` does on start and on SIGHUP: read, parse and check the rules, read the list,
    // compile, self-check. Peak resident memory above the process's before the load is what
    // the list adds (its text included, which the loader keeps for the ruleset digest).
    Benchmark("load 1000000-name list (rules, list, compile, self-check)", configuration: .init(
        metrics: [.wallClock, .peakMemoryResidentDelta], timeUnits: .milliseconds,
        units: [.peakMemoryResidentDelta: .mega], warmupIterations: 0,
        scalingFactor: .one, maxDuration: .seconds(30), maxIterations: 3)
    ) { benchmark in
        guard case .success(let loaded) = Program.load(path: "dns.rules", loader: loader, shadowing: false),
              let program = loaded.program else { fatalError("the DNS benchmark ruleset does not load") }
        blackHole(program.selfCheck())
    }
}
