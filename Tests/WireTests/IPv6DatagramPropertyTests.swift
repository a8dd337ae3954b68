import Testing
@testable import Wire
import TestSupport

/// Seeded property tests for IPv6: generated canonical packets decode and re-emit to themselves;
/// mutated packets, when they decode, rebuild to packets that decode again with nothing left to
/// normalize and re-emit to the same bytes.
@Suite struct IPv6DatagramPropertyTests {
    typealias B = IPv6PacketBuilder

    struct Generator {
        var random: SplitMix
        mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &random) }
        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
        mutating func address() -> [UInt8] {
            [0x20, 0x01, 0x0D, 0xB8] + (0..<12).map { _ in byte() }
        }

        /// A canonical chain (RFC 8200 §4.1 order) ending in `upper`, and the home address if any.
        mutating func chain(upper: UInt8) -> (first: UInt8, bytes: [UInt8], home: [UInt8]?) {
            var headers: [(UInt8, [UInt8])] = []  // (own next-header value, body without the next header byte)
            if chance(30) { headers.append((0, Array(B.optionsHeader(next: 0, options: [5, 2, byte(), byte()]).dropFirst()))) }
            if chance(20) { headers.append((60, Array(B.optionsHeader(next: 0, options: [4, 1, byte()]).dropFirst()))) }
            var home: [UInt8]?
            if chance(20) {
                let address = self.address()
                home = address
                headers.append((43, Array(B.routingType2(next: 0, home: address).dropFirst())))
            }
            if chance(20) { headers.append((44, Array(B.fragmentHeader(next: 0, identification: UInt32(byte())).dropFirst()))) }
            // Never two destination options headers back to back (refused, see IPv6+Extensions.swift).
            if chance(20) && headers.last?.0 != 60 { headers.append((60, Array(B.optionsHeader(next: 0, options: [4, 1, byte()]).dropFirst()))) }
            var bytes: [UInt8] = []
            for (index, header) in headers.enumerated() {
                let next = index + 1 < headers.count ? headers[index + 1].0 : upper
                bytes += [next] + header.1
            }
            return (headers.first?.0 ?? upper, bytes, home)
        }

        mutating func packet() -> [UInt8] {
            let source = address(), destination = address()
            let upper: UInt8 = [6, 17, 58].randomElement(using: &random)!
            let (first, headers, home) = chain(upper: upper)
            let payload = (0..<Int.random(in: 0..<40, using: &random)).map { _ in byte() }
            let final = home ?? destination
            let segment: [UInt8]
            switch upper {
            case 6:
                let flags: UInt8 = [0x02, 0x12, 0x10, 0x18, 0x11].randomElement(using: &random)!
                segment = B.tcp(flags: flags, options: flags & 0x02 != 0 ? [2, 4, 5, 0xB4] : [1, 1, 8, 10] + (0..<8).map { _ in byte() },
                                payload: payload, source: source, destination: final)
            case 17:
                segment = B.udp(payload: payload, source: source, destination: final)
            default:
                segment = B.icmpv6(type: chance(50) ? 128 : 129, rest: UInt32(byte()) << 8, body: payload, source: source, destination: final)
            }
            return B.ipv6(next: first, payload: headers + segment, source: source, destination: destination,
                          hopLimit: byte() | 1, trafficClass: byte(), flowLabel: UInt32(byte()) << 12 | UInt32(byte()))
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func generatedPacketsRoundTrip(_ seed: UInt64) throws {
        var generator = Generator(random: SplitMix(state: seed))
        for _ in 0..<250 {
            let bytes = generator.packet()
            let datagram = try B.parse(bytes, options: B.everything)
            #expect(datagram.normalizations.isEmpty)
            let rebuilt = B.emit(datagram, from: bytes)
            #expect(rebuilt == bytes)
            #expect(try B.parse(rebuilt, options: B.everything) == datagram)
        }
    }

    @Test(arguments: [11, 12, 13, 14] as [UInt64]) func mutatedPacketsRebuildCanonically(_ seed: UInt64) throws {
        var generator = Generator(random: SplitMix(state: seed))
        var decoded = 0
        for _ in 0..<1000 {
            var bytes = generator.packet()
            for _ in 0..<Int.random(in: 1...3, using: &generator.random) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator.random)] ^= 1 << UInt8.random(in: 0...7, using: &generator.random)
            }
            guard let datagram = try? B.parse(bytes, options: B.everything) else { continue }
            decoded += 1
            let rebuilt = B.emit(datagram, from: bytes)
            #expect((rebuilt == bytes) == datagram.normalizations.isEmpty)
            let again = try B.parse(rebuilt, options: B.everything)
            #expect(again.normalizations.isEmpty)
            #expect(B.emit(again, from: rebuilt) == rebuilt)
        }
        #expect(decoded > 50)
    }
}
