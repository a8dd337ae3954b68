import Testing
@testable import Wire
import TestSupport

/// Generates canonical datagram representations: fields a decoder keeps, options in forms it
/// accepts, and nothing the rebuild would change.
struct DatagramGenerator {
    var random: SplitMix

    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &random) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// IPv4 options in canonical form (allowed by `PropertyTests.everything`), at most `room` bytes.
    mutating func ipOptions(room: Int) -> [UInt8] {
        var options: [UInt8] = []
        while chance(50) {
            let candidates: [[UInt8]] = [
                [1],
                [148, 4, 0, 0],
                [7, 7, 4] + bytes(4),
                [7, 11, 8] + bytes(8),
                [68, 8, 5, 0] + bytes(4),
                [68, 12, 13, 1] + bytes(8),
                [130, 3, byte()],
                [0x99, 2],
            ]
            let option = candidates.randomElement(using: &random)!
            guard options.count + option.count <= room else { break }
            options += option
        }
        return options
    }

    /// TCP options in canonical form for a segment with or without SYN.
    mutating func tcpOptions(syn: Bool, room: Int) -> [UInt8] {
        var options: [UInt8] = []
        while chance(60) {
            var candidates: [[UInt8]] = [[1], [8, 10] + bytes(8), [5, 10] + bytes(8), [5, 18] + bytes(16)]
            if syn {
                candidates += [[2, 4, byte(), byte()], [3, 3, UInt8.random(in: 0...14, using: &random)], [4, 2]]
            }
            let option = candidates.randomElement(using: &random)!
            guard options.count + option.count <= room else { break }
            options += option
        }
        return options
    }

    mutating func tcpFlags() -> TCP.Flags {
        let legal: [TCP.Flags] = [.syn, [.syn, .ack], .ack, [.psh, .ack], [.fin, .ack], [.fin, .psh, .ack], .rst, [.rst, .ack],
                                  [.urg, .ack], [.syn, .ece, .cwr], [.ack, .ece]]
        return legal.randomElement(using: &random)!
    }

    /// A datagram and the buffer its payload comes from (headers zeroed, then the payload).
    mutating func datagram() -> (Datagram, [UInt8]) {
        let ipOptions = chance(30) ? self.ipOptions(room: 40) : []
        let ipHeaderLength = 20 + ((ipOptions.count + 3) & ~3) + (chance(10) && ipOptions.count <= 36 ? 4 : 0)
        let flags: IPv4.Flags = chance(50) ? .dontFragment : []
        let proto = [IPProtocol.tcp, .udp, .icmp].randomElement(using: &random)!
        let transport: Datagram.Transport
        switch proto {
        case .tcp:
            let flags = tcpFlags()
            let options = tcpOptions(syn: flags.contains(.syn), room: 40)
            let padded = (options.count + 3) & ~3
            let extra = chance(10) && padded <= 36 ? 4 : 0
            transport = .tcp(TCP.Header(
                sourcePort: UInt16.random(in: 0...65535, using: &random), destinationPort: UInt16.random(in: 0...65535, using: &random),
                sequenceNumber: UInt32.random(in: 0...UInt32.max, using: &random),
                acknowledgmentNumber: UInt32.random(in: 0...UInt32.max, using: &random), flags: flags,
                windowSize: UInt16.random(in: 0...65535, using: &random),
                urgentPointer: flags.contains(.urg) ? UInt16.random(in: 0...65535, using: &random) : 0,
                options: TCP.Options(options)!, headerLength: 20 + padded + extra))
        case .udp:
            transport = .udp(UDP.Header(sourcePort: UInt16.random(in: 0...65535, using: &random),
                                        destinationPort: UInt16.random(in: 0...65535, using: &random), checksum: chance(20) ? 0 : 1))
        default:
            transport = .icmp(ICMP.Header(type: chance(50) ? .echoRequest : .echoReply,
                                          restOfHeader: UInt32.random(in: 0...UInt32.max, using: &random)))
        }
        let payload = bytes(Int.random(in: 0...64, using: &random))
        let ipv4 = IPv4.Header(
            typeOfService: byte(), totalLength: 0, identification: UInt16.random(in: 0...65535, using: &random), flags: flags,
            ttl: UInt8.random(in: 1...255, using: &random), proto: proto,
            source: IPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &random)),
            destination: IPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &random)),
            options: IPv4.Options(ipOptions)!, headerLength: ipHeaderLength)
        let headers = ipHeaderLength + transport.encodedLength
        var datagram = Datagram(ipv4: ipv4, transport: transport, payloadOffset: headers, payloadLength: payload.count)
        datagram.ipv4.totalLength = UInt16(datagram.encodedLength)
        return (datagram, [UInt8](repeating: 0, count: headers) + payload)
    }
}

@Suite struct DatagramPropertyTests {
    static let everything = DecodeOptions(allowFragments: true, allowedIPOptionTypes: IPOptionTypes(0...255))
    static let iterations = 2000

    /// The fields `emit` computes rather than copies: checksums and UDP length.
    static func withComputedFields(_ datagram: Datagram, from parsed: Datagram) -> Datagram {
        var expected = datagram
        expected.ipv4.headerChecksum = parsed.ipv4.headerChecksum
        switch (expected.transport, parsed.transport) {
        case (.tcp(var header), .tcp(let other)):
            header.checksum = other.checksum
            expected.transport = .tcp(header)
        case (.udp(var header), .udp(let other)):
            header.checksum = header.checksum == 0 ? 0 : other.checksum
            header.length = other.length
            expected.transport = .udp(header)
        case (.icmp(var header), .icmp(let other)):
            header.checksum = other.checksum
            expected.transport = .icmp(header)
        default:
            break
        }
        return expected
    }

    @Test func parseOfEmitIsTheRepresentation() throws {
        var generator = DatagramGenerator(random: SplitMix(state: 0x5EED))
        for iteration in 0..<Self.iterations {
            let (datagram, original) = generator.datagram()
            let emitted = PacketBuilder.emit(datagram, from: original)
            let parsed = try PacketBuilder.parse(emitted, options: Self.everything)
            #expect(parsed == Self.withComputedFields(datagram, from: parsed), "iteration \(iteration)")
            if parsed != Self.withComputedFields(datagram, from: parsed) { return }
        }
    }

    @Test func emitOfParseIsTheBytesForCanonicalDatagrams() throws {
        var generator = DatagramGenerator(random: SplitMix(state: 0xC0FFEE))
        for iteration in 0..<Self.iterations {
            let (datagram, original) = generator.datagram()
            let canonical = PacketBuilder.emit(datagram, from: original)
            let parsed = try PacketBuilder.parse(canonical, options: Self.everything)
            #expect(parsed.normalizations.isEmpty, "iteration \(iteration)")
            #expect(PacketBuilder.emit(parsed, from: canonical) == canonical, "iteration \(iteration)")
            #expect(PacketBuilder.emit(parsed, from: canonical, mode: .keepReceived) == canonical, "iteration \(iteration)")
        }
    }

    /// Flipped bytes in canonical datagrams: whatever still decodes rebuilds to something that
    /// decodes with nothing left to normalize, and the normalizations name exactly when the
    /// rebuild differs (the fuzz target checks the same on arbitrary input).
    @Test func mutatedDatagramsRebuildToCanonicalOnes() throws {
        var generator = DatagramGenerator(random: SplitMix(state: 0xBAD_F00D))
        var decoded = 0
        for _ in 0..<(Self.iterations * 5) {
            let (datagram, original) = generator.datagram()
            var bytes = PacketBuilder.emit(datagram, from: original)
            for _ in 0..<Int.random(in: 1...3, using: &generator.random) {
                let index = Int.random(in: 0..<bytes.count, using: &generator.random)
                bytes[index] ^= UInt8.random(in: 1...255, using: &generator.random)
            }
            guard let parsed = try? PacketBuilder.parse(bytes, options: Self.everything) else { continue }
            decoded += 1
            let rebuilt = PacketBuilder.emit(parsed, from: bytes)
            #expect(parsed.normalizations.isEmpty == (rebuilt == bytes), "\(bytes)")
            let again = try PacketBuilder.parse(rebuilt, options: Self.everything)
            #expect(again.normalizations.isEmpty, "\(bytes)")
            #expect(PacketBuilder.emit(again, from: rebuilt) == rebuilt, "\(bytes)")
        }
        #expect(decoded > 100, "too few mutants decoded to test anything")
    }
}
