import Testing
@testable import Wire
import TestSupport

@Suite struct RawSpanBigEndianTests {
    @Test func readsNetworkOrder() {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05]
        let span = bytes.span.bytes
        let (byte, half, word, unaligned) = (span.byte(at: 4), span.uint16(at: 0), span.uint32(at: 0), span.uint32(at: 1))
        #expect(byte == 0x05)
        #expect(half == 0x0102)
        #expect(word == 0x0102_0304)
        #expect(unaligned == 0x0203_0405)
    }

    @Test func writesNetworkOrder() {
        let out = PacketBuilder.emitHeader(length: 7) { span in
            span.store(UInt8(0x09), at: 0)
            span.store(UInt16(0xA1B2), at: 1)
            span.store(UInt32(0xC1D2_E3F4), at: 3)
        }
        #expect(out == [0x09, 0xA1, 0xB2, 0xC1, 0xD2, 0xE3, 0xF4])
    }
}
