import Benchmark
import Glibc
import Engine
import Rules
import TestSupport
import Wire

/// The benchmark suite. Each benchmark's figures are printed by `swift package --package-path Benchmarks benchmark`;
/// nothing here is asserted in tests (see BENCHMARKS.md).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: fixedIterations() == nil ? .seconds(3) : .seconds(3600),
        maxIterations: fixedIterations() ?? Benchmark.defaultConfiguration.maxIterations
    )
    engineBenchmarks()
    ipv6Benchmarks()
    protocolBenchmarks()
    ahVRRPSCTPBenchmarks()
    tunnelBenchmarks()
    // The rules benchmarks load up to 10,000 rules when they are registered (even when
    // filtered out): some 10^8 retains, which would take minutes under uprobes.
    if fixedIterations() == nil { rulesBenchmarks() }
    if fixedIterations() == nil { ipv6RulesBenchmarks() }
    // Loads a list of a million names when registered: also skipped under uprobes.
    if fixedIterations() == nil { dnsBenchmarks() }
    logBenchmarks()
    queueBenchmarks()
}

/// `PORTCULLIS_BENCH_ITERATIONS=N` runs every benchmark exactly N times (1,000 packets each)
/// with no time limit: two runs with different N under `perf stat` on uprobes of
/// `swift_retain`/`swift_release` give the retains and releases per packet by difference,
/// setup cancelled out (the benchmark's own ARC metrics crash on Swift 6.3; BENCHMARKS.md).
func fixedIterations() -> Int? {
    getenv("PORTCULLIS_BENCH_ITERATIONS").flatMap { Int(String(cString: $0)) }
}

/// A valid TCP SYN 10.1.0.2:40000 -> 10.2.0.2:443 with MSS, SACK-permitted, timestamps,
/// NOP and window scale options (the typical first packet of a connection).
func typicalSYN() -> [UInt8] {
    let packet: [UInt8] = [
        // IPv4: version 4 IHL 5, TOS 0, total length 60, id 0x1c46, DF, TTL 64, TCP, checksum 0
        0x45, 0x00, 0x00, 0x3C, 0x1C, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
        10, 1, 0, 2, 10, 2, 0, 2,
        // TCP: ports 40000 -> 443, seq, ack 0, data offset 10, SYN, window 64240, checksum 0, urg 0
        0x9C, 0x40, 0x01, 0xBB, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0xA0, 0x02, 0xFA, 0xF0, 0, 0, 0, 0,
        // options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7
        0x02, 0x04, 0x05, 0xB4, 0x04, 0x02, 0x08, 0x0A, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07,
    ]
    return resealed(packet)
}

/// A valid ACK|PSH segment 10.1.0.2:40000 -> 10.2.0.2:443 with NOP, NOP, timestamps, NOP,
/// NOP, SACK (one block) and 100 payload bytes: what most packets of a busy connection look like.
func typicalSegment() -> [UInt8] {
    var packet = typicalSYN()
    let options: [UInt8] = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0]
    packet.replaceSubrange(40..<60, with: options)
    packet += (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    packet[2] = UInt8(packet.count >> 8)
    packet[3] = UInt8(packet.count & 0xFF)
    packet[32] = UInt8((20 + options.count) / 4) << 4
    packet[33] = 0x18
    return resealed(packet)
}

/// Recomputes the IPv4 and TCP checksums of a 20-byte-IPv4-header TCP datagram, with the
/// reference checksum of the test support (written independently of `Wire.Checksum`).
func resealed(_ original: [UInt8]) -> [UInt8] {
    var packet = original
    packet[10] = 0; packet[11] = 0
    PacketBuilder.put(PacketBuilder.checksum(packet[0..<20]), at: 10, in: &packet)
    packet[36] = 0; packet[37] = 0
    let pseudo = PacketBuilder.pseudoHeader(
        source: Array(packet[12..<16]), destination: Array(packet[16..<20]), proto: 6, length: packet.count - 20)
    PacketBuilder.put(PacketBuilder.checksum(pseudo + packet[20...]), at: 36, in: &packet)
    return packet
}

/// Emits `datagram` into `buffer` and says whether it reproduced `original`.
@inline(__always)
func emitAndCompare(_ datagram: Datagram, _ original: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
    let out = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<datagram.encodedLength])
    var span = out.mutableBytes
    datagram.emit(payloadFrom: original.bytes, into: &span, transportChecksum: .compute)
    return out.count == original.count && memcmp(out.baseAddress!, original.baseAddress!, original.count) == 0
}

func engineBenchmarks() {
    let packet = typicalSYN()
    let (program, _) = Program.load(source: "policy drop\naccept tcp to 10.2.0.0/16 port 443\n", file: "bench.rules")
    let engine = Engine(program: program!)
    let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: packet.count)

    Benchmark("decode typical TCP SYN") { benchmark in
        packet.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                blackHole(try? Datagram(parsing: bytes.bytes, context: PacketContext()))
            }
        }
    }

    // An established-connection segment: ACK|PSH, timestamps and a SACK block, 100 payload bytes.
    let segment = typicalSegment()
    let rebuildBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 16)
    // The rebuild check as the engine runs it: a datagram with nothing to normalize passes as
    // received (Wire guarantees its emit would reproduce it), anything else is emitted.
    Benchmark("decode + rebuild check TCP segment with options") { benchmark in
        segment.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                guard let datagram = try? Datagram(parsing: bytes.bytes, context: PacketContext()) else { continue }
                if datagram.normalizations.isEmpty {
                    blackHole(true)
                } else {
                    blackHole(emitAndCompare(datagram, bytes, into: rebuildBuffer))
                }
            }
        }
    }

    // The full rebuild, for comparison: decode, emit into the rebuild buffer, compare.
    Benchmark("decode + emit + compare TCP segment with options") { benchmark in
        segment.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                guard let datagram = try? Datagram(parsing: bytes.bytes, context: PacketContext()) else { continue }
                blackHole(emitAndCompare(datagram, bytes, into: rebuildBuffer))
            }
        }
    }

    Benchmark("engine judge (decode, evaluate, rebuild check) typical TCP SYN") { benchmark in
        packet.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                blackHole(outcome)
                blackHole(event.verdict)
            }
        }
    }
}
