import Benchmark
import Glibc
import Wire

/// Decode and rebuild of AH (over TCP), VRRPv3 and SCTP (a COOKIE ACK, and a DATA chunk of
/// 1,200 bytes, which the CRC32c reads whole), each held to 0 mallocs by scripts/bench-check.
func ahVRRPSCTPBenchmarks() {
    let rebuildBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 16)
    let packets: [(String, [UInt8])] = [
        ("decode + emit + compare AH over TCP", ahOverTCP()),
        ("decode + emit + compare VRRPv3 advertisement", vrrpV3()),
        ("decode + emit + compare SCTP COOKIE ACK", sctp(chunks: [11, 0, 0, 4])),
        ("decode + emit + compare SCTP DATA 1200 bytes", sctp(chunks: [0, 3, 0x04, 0xC0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
            + [UInt8](repeating: 0x5A, count: 1200))),
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

private func sum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    for index in stride(from: 0, to: bytes.count, by: 2) {
        sum += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

private let source: [UInt8] = [10, 1, 0, 2]
private let destination: [UInt8] = [10, 2, 0, 2]

private func ipv4(proto: UInt8, ttl: UInt8 = 64, to target: [UInt8] = destination, _ body: [UInt8]) -> [UInt8] {
    let length = 20 + body.count
    var header: [UInt8] = [0x45, 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 1, 0x40, 0, ttl, proto, 0, 0] + source + target
    let headerSum = sum(header)
    header[10] = UInt8(headerSum >> 8); header[11] = UInt8(headerSum & 0xFF)
    return header + body
}

/// AH (96-bit ICV) over a TCP ACK whose checksum is right.
private func ahOverTCP() -> [UInt8] {
    var tcp: [UInt8] = [0x9C, 0x40, 0x01, 0xBB, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x10, 0xFF, 0xFF, 0, 0, 0, 0]
    let tcpSum = sum(source + destination + [0, 6, 0, UInt8(tcp.count)] + tcp)
    tcp[16] = UInt8(tcpSum >> 8); tcp[17] = UInt8(tcpSum & 0xFF)
    return ipv4(proto: 51, [6, 4, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1] + [UInt8](repeating: 0xC3, count: 12) + tcp)
}

/// A VRRPv3 advertisement with two addresses to 224.0.0.18, TTL 255.
private func vrrpV3() -> [UInt8] {
    let group: [UInt8] = [224, 0, 0, 18]
    var message: [UInt8] = [0x31, 7, 100, 2, 0, 100, 0, 0, 10, 1, 0, 100, 10, 1, 0, 101]
    let messageSum = sum(source + group + [0, 112, 0, UInt8(message.count)] + message)
    message[6] = UInt8(messageSum >> 8); message[7] = UInt8(messageSum & 0xFF)
    return ipv4(proto: 112, ttl: 255, to: group, message)
}

/// An SCTP packet 40000 → 2905 with verification tag 7 and its CRC32c.
private func sctp(chunks: [UInt8]) -> [UInt8] {
    var packet: [UInt8] = [0x9C, 0x40, 0x0B, 0x59, 0, 0, 0, 7, 0, 0, 0, 0] + chunks
    let crc = packet.withUnsafeBytes { CRC32C.checksum($0.bytes) }
    packet[8] = UInt8(crc & 0xFF); packet[9] = UInt8(crc >> 8 & 0xFF); packet[10] = UInt8(crc >> 16 & 0xFF); packet[11] = UInt8(crc >> 24)
    return ipv4(proto: 132, packet)
}
