import Benchmark
import Engine
import Rules
import TestSupport
import Wire

/// The IPv6 figures beside the IPv4 ones (scripts/bench-check holds them to 0 mallocs per
/// packet, the segment within 1.3 times its IPv4 twin, and 10,000 mixed-family rules within
/// 1.5 times 10 of them).

/// `typicalSegment()` as IPv6: [fd00::1]:40000 -> [fd00::2]:443, ACK|PSH, NOP, NOP,
/// timestamps, NOP, NOP, one SACK block, 100 payload bytes, checksum over the pseudo-header.
func typicalIPv6Segment() -> [UInt8] {
    let options: [UInt8] = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0]
    let payload = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let segment = PacketBuilder.tcp(sequence: 0x1234_5678, acknowledgment: 1, flags: 0x18, options: options, payload: payload)
    return IPv6PacketBuilder.ipv6(
        next: 6, payload: IPv6PacketBuilder.checksummed(
            segment, next: 6, at: 16, source: IPv6PacketBuilder.client, destination: IPv6PacketBuilder.server))
}

func ipv6Benchmarks() {
    let segment = typicalIPv6Segment()
    let rebuildBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Engine.maximumPacketLength, alignment: 16)
    segment.withUnsafeBytes { bytes in
        precondition((try? IPDatagram(parsing: bytes.bytes))?.normalizations.isEmpty == true, "a canonical segment")
    }
    // As "decode + rebuild check TCP segment with options", through the dual-stack entry point.
    Benchmark("decode + rebuild check IPv6 TCP segment with options (through IPDatagram)") { benchmark in
        segment.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                guard let datagram = try? IPDatagram(parsing: bytes.bytes, context: PacketContext()) else { continue }
                if datagram.normalizations.isEmpty {
                    blackHole(true)
                } else {
                    let out = UnsafeMutableRawBufferPointer(rebasing: rebuildBuffer[0..<datagram.encodedLength])
                    var span = out.mutableBytes
                    datagram.emit(payloadFrom: bytes.bytes, into: &span, transportChecksum: .compute)
                    blackHole(out)
                }
            }
        }
    }

    // The same through the family's own decoder, as the engine decodes (`JudgedDatagram`):
    // the difference is what the dual-stack enum costs (a 568-byte value moved into it).
    Benchmark("decode + rebuild check IPv6 TCP segment with options") { benchmark in
        segment.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                do {
                    let datagram = try IPv6Datagram(parsing: bytes.bytes, context: PacketContext())
                    blackHole(datagram.normalizations.isEmpty)
                } catch {
                    blackHole(error)
                }
            }
        }
    }

    let (program, _) = Program.load(source: "policy drop\naccept tcp to fd00::/8 port 443\n", file: "bench6.rules")
    let engine = Engine(program: program!)
    let metadata = PacketMetadata(queue: 0, packetID: 1, packetLength: segment.count)
    Benchmark("engine judge (decode, evaluate, rebuild check) IPv6 TCP segment") { benchmark in
        segment.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                blackHole(outcome)
                blackHole(event.verdict)
            }
        }
    }
}

/// `generatedRuleset(count)` with every other rule's addresses IPv6 (networks 32 bits longer,
/// ICMPv6 for ICMP), and two last rules, one per family, that decide the packets below.
func generatedMixedRuleset(_ count: Int) -> String {
    var lines = ["policy drop", "log drops"]
    for index in 0..<count {
        let a = UInt32(truncatingIfNeeded: index &* 2_654_435_761)
        let ipv6 = index % 2 == 1
        let host = ipv6
            ? "fd\(String(10 + (a >> 24) % 100, radix: 16)):\(String(a >> 8 & 0xFFFF, radix: 16))::\(String(a & 0xFF, radix: 16))"
            : "\(10 + (a >> 24) % 100).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
        let extra = ipv6 ? 32 : 0
        let line: String = switch index % 10 {
        case 0, 1, 2: "drop tcp from \(host) to any port \(1 + index % 60_000)"
        case 3: "drop any from \(host)/\(16 + extra + index % 16)"
        case 4: "accept udp from \(host)/\(24 + extra) to any port { 53, \(2000 + index % 5000) }"
        case 5: "accept tcp from any to \(host) port \(1024 + index % 1000)-\(3000 + index % 1000) flags S/SA state new"
        case 6: "accept \(ipv6 ? "icmp6" : "icmp") from \(host) type { echo-request, echo-reply } ttl 2-255"
        case 7: "drop tcp to \(host)/\(28 + extra) port !{ 22, 443 } in eth\(index % 4)"
        case 8: "accept udp from \(host)/\(30 + extra) port 1024-65535 to any port 123 length 48-76"
        default: "accept tcp from \(host)/\(26 + extra) to any port 80 mark \(index % 16)"
        }
        lines.append(line)
    }
    lines.append("accept tcp to 10.2.0.0/16 port 443 label \"web\"")
    lines.append("accept tcp to fd02::/16 port 443 label \"web6\"")
    return lines.joined(separator: "\n")
}

func ipv6RulesBenchmarks() {
    func v6(_ text: String) -> IPAddress { .v6(IPv6Address(text)!) }
    let packets = [
        // Decided by the last rules: the worst case for a linear scan, one per family.
        PacketFields(proto: .tcp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
                     sourcePort: 40000, destinationPort: 443, inInterface: InterfaceName("eth0"), tcpFlags: 0x02,
                     connectionState: .new, length: 60, ttl: 64, mark: 0),
        PacketFields(proto: .tcp, source: v6("fd01::2"), destination: v6("fd02::2"),
                     sourcePort: 40000, destinationPort: 443, inInterface: InterfaceName("eth0"), tcpFlags: 0x02,
                     connectionState: .new, length: 80, ttl: 64, mark: 0),
        // Decided by the policy.
        PacketFields(proto: .udp, source: IPv4Address(192, 168, 1, 1), destination: IPv4Address(172, 16, 0, 1),
                     sourcePort: 5353, destinationPort: 9999, length: 80, ttl: 3),
        PacketFields(proto: .udp, source: v6("2001:db8::1"), destination: v6("2001:db8::2"),
                     sourcePort: 5353, destinationPort: 9999, length: 100, ttl: 3),
    ]
    for count in [10, 10_000] {
        let (loaded, diagnostics) = Program.load(source: generatedMixedRuleset(count), file: "mixed.rules")
        guard let program = loaded else { fatalError("mixed ruleset has errors: \(diagnostics.filter { $0.severity == .error }.prefix(3))") }
        for packet in packets { precondition(program.evaluate(packet) == program.evaluateLinearly(packet)) }
        precondition(program.evaluate(packets[1]).ruleIndex == count + 1)
        Benchmark("evaluate, \(count) mixed-family rules (ns per packet)", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .instructions], scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(program.evaluate(packets[index & 3]))
            }
        }
    }
}
