import Benchmark
import Engine
import Rules
import Wire

/// The benchmark suite. Each benchmark's figures are printed by `swift package benchmark`;
/// nothing here is asserted in tests (see STYLE §5 and BENCHMARKS.md).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(3)
    )
    engineBenchmarks()
    rulesBenchmarks()
}

/// A valid TCP SYN 10.1.0.2:40000 -> 10.2.0.2:443 with MSS, SACK-permitted, timestamps,
/// NOP and window scale options (the typical first packet of a connection).
func typicalSYN() -> [UInt8] {
    var packet: [UInt8] = [
        // IPv4: version 4 IHL 5, TOS 0, total length 60, id 0x1c46, DF, TTL 64, TCP, checksum 0
        0x45, 0x00, 0x00, 0x3C, 0x1C, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
        10, 1, 0, 2, 10, 2, 0, 2,
        // TCP: ports 40000 -> 443, seq, ack 0, data offset 10, SYN, window 64240, checksum 0, urg 0
        0x9C, 0x40, 0x01, 0xBB, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0xA0, 0x02, 0xFA, 0xF0, 0, 0, 0, 0,
        // options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7
        0x02, 0x04, 0x05, 0xB4, 0x04, 0x02, 0x08, 0x0A, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07,
    ]
    func checksum(_ bytes: ArraySlice<UInt8>, initial: UInt32 = 0) -> UInt16 {
        var sum = initial
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.endIndex ? UInt32(bytes[index + 1]) : 0
            sum += high | low
            index += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
    let ip = checksum(packet[0..<20])
    packet[10] = UInt8(ip >> 8)
    packet[11] = UInt8(ip & 0xFF)
    // Pseudo-header: source, destination, zero, protocol 6, TCP length 40.
    var pseudo: UInt32 = 0x0A01 + 0x0002 + 0x0A02 + 0x0002 + 6 + 40
    pseudo = (pseudo & 0xFFFF) + (pseudo >> 16)
    let tcp = checksum(packet[20...], initial: pseudo)
    packet[36] = UInt8(tcp >> 8)
    packet[37] = UInt8(tcp & 0xFF)
    return packet
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
