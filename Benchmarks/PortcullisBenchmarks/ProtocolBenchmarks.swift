import Benchmark
import Glibc
import Wire

/// Decode and rebuild of the protocols added for issue 15 (IGMPv3 report, ICMP router
/// advertisement, ESP), each held to 0 mallocs by scripts/bench-check like the TCP path.
func protocolBenchmarks() {
    let rebuildBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 16)
    let packets: [(String, [UInt8])] = [
        ("decode + emit + compare IGMPv3 report", protocolPacket(proto: 2, [
            0x22, 0, 0, 0, 0, 0, 0, 2, 4, 0, 0, 0, 239, 1, 2, 3,
            1, 1, 0, 1, 239, 1, 2, 4, 10, 0, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD,
        ], checksumAt: 2)),
        ("decode + emit + compare ICMP router advertisement", protocolPacket(proto: 1, [
            9, 0, 0, 0, 2, 2, 0x07, 0x08, 192, 168, 1, 1, 0, 0, 0, 0, 192, 168, 1, 2, 0, 0, 0, 1,
        ], checksumAt: 2)),
        ("decode + emit + compare ESP", protocolPacket(proto: 50, [
            0, 0, 0x10, 0, 0, 0, 0, 1, 0x8F, 0x3A, 0x1C, 0x5E, 0x0B, 0x7D, 0x22, 0x41,
        ], checksumAt: nil)),
    ]
    for (name, packet) in packets {
        precondition((try? Datagram(parsing: packet.span.bytes)) != nil, "\(name): the benchmark packet does not decode")
        Benchmark(name) { benchmark in
            packet.withUnsafeBytes { bytes in
                for _ in benchmark.scaledIterations {
                    guard let datagram = try? Datagram(parsing: bytes.bytes, context: PacketContext()) else { continue }
                    blackHole(emitAndCompare(datagram, bytes, into: rebuildBuffer))
                }
            }
        }
    }
}

/// `message` behind an IPv4 header from 10.1.0.2 to 10.2.0.2, with its RFC 1071 checksum at
/// `checksumAt` (none for ESP) and the header checksum filled in.
private func protocolPacket(proto: UInt8, _ message: [UInt8], checksumAt: Int?) -> [UInt8] {
    func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
    var body = message
    if let at = checksumAt {
        let sum = checksum(body)
        body[at] = UInt8(sum >> 8); body[at + 1] = UInt8(sum & 0xFF)
    }
    let length = 20 + body.count
    var header: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1, 0x40, 0, 64, proto, 0, 0,
                           10, 1, 0, 2, 10, 2, 0, 2]
    let sum = checksum(header)
    header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xFF)
    return header + body
}
