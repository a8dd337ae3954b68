import Testing
@testable import Wire
import TestSupport

@Suite struct ChecksumTests {
    /// RFC 1071 §3 worked example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    @Test func rfc1071Example() {
        let bytes: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]
        #expect(Checksum.fold(Checksum.sum(bytes.span.bytes)) == 0xDDF2)
        #expect(Checksum.internetChecksum(bytes.span.bytes) == ~UInt16(0xDDF2))
    }

    @Test func oddLengthPadsWithZero() {
        let odd: [UInt8] = [0x12, 0x34, 0x56]
        let even: [UInt8] = [0x12, 0x34, 0x56, 0x00]
        #expect(Checksum.internetChecksum(odd.span.bytes) == Checksum.internetChecksum(even.span.bytes))
        #expect(Checksum.internetChecksum(odd.span.bytes) == PacketBuilder.checksum(odd))
    }

    @Test func emptyIsAllOnes() {
        let empty: [UInt8] = []
        #expect(Checksum.internetChecksum(empty.span.bytes) == 0xFFFF)
    }

    /// A golden IPv4 header whose checksum (0x0a7c) was computed independently with Python.
    @Test func verifiesGoldenHeader() {
        let header = PacketBuilder.hex("45000030 1c464000 40060a7c 0a010002 0a020002")
        let valid = Checksum.isValid(header.span.bytes)
        #expect(valid)
        var broken = header
        broken[8] = 63
        let stillValid = Checksum.isValid(broken.span.bytes)
        #expect(!stillValid)
    }

    @Test(arguments: [0, 1, 2, 7, 64, 1499])
    func matchesReference(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        #expect(Checksum.internetChecksum(bytes.span.bytes) == PacketBuilder.checksum(bytes))
    }

    /// Every tail of the word loop (32, 8, 4, 2 and 1 bytes) at every alignment of the start,
    /// and all-ones bytes, whose 64-bit words carry out of the accumulator on every add.
    @Test(arguments: [UInt8(0x00), 0xA5, 0xFF])
    func matchesReferenceAtEveryLengthAndAlignment(fill: UInt8) {
        let bytes = (0..<88).map { fill == 0xFF ? 0xFF : UInt8(truncatingIfNeeded: $0 &* 151) ^ fill }
        for start in 0..<8 {
            for length in 0...80 {
                let piece = bytes.span.bytes.extracting(start..<start + length)
                #expect(Checksum.internetChecksum(piece) == PacketBuilder.checksum(Array(bytes[start..<start + length])),
                        "start \(start) length \(length)")
            }
        }
    }

    @Test func pseudoHeaderSumMatchesBytes() {
        let bytes = PacketBuilder.pseudoHeader(source: [10, 1, 0, 2], destination: [10, 2, 0, 2], proto: 6, length: 28)
        let sum = Checksum.pseudoHeaderSum(
            source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2), proto: .tcp, length: 28)
        #expect(Checksum.fold(sum) == Checksum.fold(Checksum.sum(bytes.span.bytes)))
    }

    @Test func sumsCompose() {
        let a: [UInt8] = [1, 2, 3, 4]
        let b: [UInt8] = [5, 6, 7]
        let partial = Checksum.sum(a.span.bytes)
        #expect(Checksum.internetChecksum(b.span.bytes, adding: partial) == PacketBuilder.checksum(a + b))
    }
}
