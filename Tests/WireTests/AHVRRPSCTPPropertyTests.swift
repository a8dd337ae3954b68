import Testing
@testable import Wire
import TestSupport

/// Seeded round trips for AH, VRRP and SCTP: generated valid packets decode and re-emit to
/// exactly their bytes (`emit(parse(p)) == p`), their decoded headers re-emit and re-parse to
/// themselves (`parse(emit(r)) == r`), and every single-byte change either still decodes and
/// re-emits exactly, or is refused at an offset inside the datagram.
@Suite struct AHVRRPSCTPPropertyTests {
    struct Generator {
        var random: SplitMix
        mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &random) }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
        mutating func number(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        mutating func word(_ range: ClosedRange<UInt32>) -> [UInt8] {
            let value = UInt32.random(in: range, using: &random)
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }

        /// AH with an ICV of 3–8 words over a UDP datagram with its checksum.
        mutating func ah() -> [UInt8] {
            let icvWords = number(3...8)
            var udp: [UInt8] = bytes(4) + [0, 0, 0, 0] + bytes(number(0...40))
            ProtoBytes.put(UInt16(udp.count), at: 4, in: &udp)
            let pseudo: [UInt8] = [10, 1, 0, 2, 10, 2, 0, 2, 0, 17, 0, UInt8(udp.count)]
            ProtoBytes.put(ProtoBytes.checksum(pseudo + udp), at: 6, in: &udp)
            let ah: [UInt8] = [17, UInt8(icvWords + 1), 0, 0] + word(256...UInt32.max) + word(0...UInt32.max) + bytes(4 * icvWords)
            return ProtoBytes.ipv4(proto: 51, payload: ah + udp)
        }

        /// A v2 or v3 advertisement with 1–8 addresses.
        mutating func vrrp() -> [UInt8] {
            let count = number(1...8)
            if number(0...1) == 0 {
                let message: [UInt8] = [0x21, UInt8(number(1...255)), byte(), UInt8(count), UInt8(number(0...2)), UInt8(number(1...255)), 0, 0]
                    + bytes(4 * count) + bytes(8)
                return VRRPTests.v2(message)
            }
            let interval = number(1...0xFFF)
            let message: [UInt8] = [0x31, UInt8(number(1...255)), byte(), UInt8(count), UInt8(interval >> 8), UInt8(interval & 0xFF), 0, 0]
                + bytes(4 * count)
            return VRRPTests.v3(message)
        }

        /// COOKIE ECHO, DATA, SACK, HEARTBEAT and skippable unknown chunks, padded, behind a
        /// non-zero tag; or an INIT alone behind tag 0.
        mutating func sctp() -> [UInt8] {
            let ports = (UInt16(number(1...65535)), UInt16(number(1...65535)))
            if number(0...4) == 0 {
                let chunk: [UInt8] = [1, 0, 0, 20] + word(1...UInt32.max) + bytes(4) + [0, 1, 0, 1] + bytes(4)
                return SCTPTests.datagram(SCTPTests.packet(source: ports.0, destination: ports.1, tag: 0, chunk))
            }
            var chunks: [UInt8] = []
            for _ in 0..<number(1...4) {
                let (type, minimum): (UInt8, Int) = [(0, 17), (3, 16), (4, 8), (10, 4), (0xBF, 4), (0xFE, 4)][number(0...5)]
                let length = minimum + number(0...13)
                chunks += [type, byte(), UInt8(length >> 8), UInt8(length & 0xFF)] + bytes(length - 4)
                chunks += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
            }
            return SCTPTests.datagram(SCTPTests.packet(source: ports.0, destination: ports.1, tag: UInt32.random(in: 1...UInt32.max, using: &random), chunks))
        }
    }

    static func roundTrip(_ bytes: [UInt8]) throws {
        let datagram = try ProtoBytes.decode(bytes).get()
        #expect(datagram.normalizations.isEmpty)
        #expect(IPv4FragmentTests.emit(datagram, from: bytes) == bytes)
        // The decoded transport header re-emits and re-parses to itself.
        let headerEnd = datagram.payloadOffset
        let again = try ProtoBytes.decode(Array(IPv4FragmentTests.emit(datagram, from: bytes)[0..<headerEnd]) + bytes[headerEnd...]).get()
        #expect(again == datagram)
    }

    static func mutations(_ bytes: [UInt8], _ generator: inout Generator) {
        for _ in 0..<8 {
            var mutated = bytes
            let index = generator.number(20...(bytes.count - 1))
            mutated[index] ^= UInt8.random(in: 1...255, using: &generator.random)
            switch ProtoBytes.decode(mutated) {
            case .success(let datagram): #expect(IPv4FragmentTests.emit(datagram, from: mutated) == mutated)
            case .failure(let error): #expect(error.offset >= 0 && error.offset < mutated.count + 4)
            }
        }
    }

    @Test func ahRoundTrips() throws {
        var generator = Generator(random: SplitMix(state: 0xA11))
        for _ in 0..<300 {
            let bytes = generator.ah()
            try Self.roundTrip(bytes)
            Self.mutations(bytes, &generator)
        }
    }

    @Test func vrrpRoundTrips() throws {
        var generator = Generator(random: SplitMix(state: 0x112))
        for _ in 0..<300 {
            let bytes = generator.vrrp()
            try Self.roundTrip(bytes)
            Self.mutations(bytes, &generator)
        }
    }

    @Test func sctpRoundTrips() throws {
        var generator = Generator(random: SplitMix(state: 0x132))
        for _ in 0..<300 {
            let bytes = generator.sctp()
            try Self.roundTrip(bytes)
            Self.mutations(bytes, &generator)
        }
    }
}
