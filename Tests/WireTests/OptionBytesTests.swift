import Testing
@testable import Wire
import TestSupport

@Suite struct OptionBytesTests {
    /// The word-at-a-time copy agrees with byte-by-byte appends for every length up to 40.
    @Test func copyingAgreesWithAppending() {
        let bytes = (0..<40).map { UInt8(0xA0 &+ $0) }
        for count in 0...40 {
            let prefix = Array(bytes.prefix(count))
            let copied = OptionBytes(copying: prefix.span.bytes)
            #expect(copied == OptionBytes(prefix)!, "\(count) bytes")
            #expect(Array(copied) == prefix)
        }
    }

    /// `emit` writes the bytes and zero-fills the rest of the area, whatever its length.
    @Test func emitZeroFillsTheArea() {
        let options = OptionBytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5])!
        for length in [13, 16, 24, 40] {
            let out = PacketBuilder.emitHeader(length: length + 2) { options.emit(into: &$0, at: 2, length: length) }
            #expect(Array(out[2..<15]) == Array(options))
            #expect(out[15...].allSatisfy { $0 == 0 })
            #expect(out[0] == 0xAA && out[1] == 0xAA)
        }
    }
}
