import Benchmark
import Engine
import Log
import Rules
import Wire

/// Judging a packet the rules drop and writing its verdict line into the writer's reused
/// buffer (flushed to /dev/null every 512 lines): the cost of `log drops` per dropped packet.
func logBenchmarks() {
    let packet = typicalSYN()
    let (program, _) = Program.load(source: "policy drop\nlog drops\n", file: "bench.rules")
    let engine = Engine(program: program!)
    let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: packet.count)

    // Every field a verdict line can carry for TCP: flags, ttl, ct_state, mark, community_id.
    let marked = PacketMetadata(queue: 0, packetID: 1, mark: 0x2A, packetLength: packet.count, connectionState: .new)
    Benchmark("judge and log a dropped TCP SYN with state and mark") { benchmark in
        guard let writer = try? JSONLinesWriter(destination: .file("/dev/null"), ruleset: String(repeating: "0", count: 64)) else {
            return
        }
        var count = 0
        packet.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: marked)
                if event.shouldLog { writer.writeVerdict(event) }
                count += 1
                if count & 511 == 0 { writer.flush() }
                blackHole(outcome)
            }
        }
        writer.flush()
    }

    Benchmark("judge and log a dropped TCP SYN") { benchmark in
        guard let writer = try? JSONLinesWriter(destination: .file("/dev/null"), ruleset: String(repeating: "0", count: 64)) else {
            return
        }
        var count = 0
        packet.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                if event.shouldLog { writer.writeVerdict(event) }
                count += 1
                if count & 511 == 0 { writer.flush() }
                blackHole(outcome)
            }
        }
        writer.flush()
    }
}
