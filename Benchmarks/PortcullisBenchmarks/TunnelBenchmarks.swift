import Benchmark
import Engine
import Log
import Rules
import TestSupport
import Wire

/// GRE, IP-in-IP and 6in4 (issue 15): the outer and the inner decode, the rebuild that emits the
/// inner packet again, and the engine's judge with an `inner` rule, each held to 0 mallocs by
/// scripts/bench-check like the TCP path.
func tunnelBenchmarks() {
    let rebuildBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 16)
    let syn = typicalSYN()
    let gre = tunnelPacket(proto: 47, greChecksummed([0xB0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 7] + syn))
    let ipip = tunnelPacket(proto: 4, syn)
    let packets: [(String, [UInt8])] = [
        ("decode + emit + compare GRE (checksum, key, sequence) carrying a TCP SYN", gre),
        ("decode + emit + compare IP-in-IP carrying a TCP SYN", ipip),
    ]
    for (name, packet) in packets {
        precondition((try? Datagram(parsing: packet.span.bytes))?.inner != nil, "\(name): the benchmark packet does not decode")
        // `.compute` emits the inner packet from its decoded form (decoded again): the longest path.
        Benchmark(name) { benchmark in
            packet.withUnsafeBytes { bytes in
                for _ in benchmark.scaledIterations {
                    guard let datagram = try? Datagram(parsing: bytes.bytes, context: PacketContext()) else { continue }
                    blackHole(emitAndCompare(datagram, bytes, into: rebuildBuffer))
                }
            }
        }
    }

    let (program, _) = Program.load(
        source: "policy drop\nlog drops\naccept gre from 192.0.2.1 inner tcp from 10.1.0.0/16 to any port 443\n", file: "bench.rules")
    let engine = Engine(program: program!)
    let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: gre.count)
    // The verdict line of a dropped 6in4 packet: the `inner` object with IPv6 addresses as text.
    let sixInFour = tunnelPacket(proto: 41, ipv6SYN())
    let sixMetadata = PacketMetadata(queue: 0, packetID: 1, packetLength: sixInFour.count)
    precondition((try? Datagram(parsing: sixInFour.span.bytes))?.inner?.isIPv6 == true, "the 6in4 packet does not decode")
    Benchmark("judge and log a dropped 6in4 TCP SYN") { benchmark in
        guard let writer = try? JSONLinesWriter(destination: .file("/dev/null"), ruleset: String(repeating: "0", count: 64)) else {
            return
        }
        var count = 0
        sixInFour.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: sixMetadata)
                if event.shouldLog { writer.writeVerdict(event) }
                count += 1
                if count & 511 == 0 { writer.flush() }
                blackHole(outcome)
            }
        }
        writer.flush()
    }

    Benchmark("engine judge GRE with an inner rule") { benchmark in
        gre.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                blackHole(outcome)
                blackHole(event.verdict)
            }
        }
    }
}

/// A TCP SYN [fd00::1]:40000 -> [fd00::2]:443 (IPv6PacketBuilder, independent of Wire).
private func ipv6SYN() -> [UInt8] {
    IPv6PacketBuilder.tcpPacket(flags: 0x02)
}

/// A GRE header and payload with its checksum (C bit set) filled in.
private func greChecksummed(_ message: [UInt8]) -> [UInt8] {
    var body = message
    PacketBuilder.put(PacketBuilder.checksum(body), at: 4, in: &body)
    return body
}

/// `payload` behind an IPv4 header 192.0.2.1 -> 192.0.2.2 of protocol `proto`.
private func tunnelPacket(proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let length = 20 + payload.count
    var header: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1, 0x40, 0, 64, proto, 0, 0,
                           192, 0, 2, 1, 192, 0, 2, 2]
    PacketBuilder.put(PacketBuilder.checksum(header), at: 10, in: &header)
    return header + payload
}
