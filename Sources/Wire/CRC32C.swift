/// CRC32c, the Castagnoli CRC (polynomial 0x1EDC6F41, reflected 0x82F63B78) that SCTP uses
/// for its checksum (RFC 9260 §6.8, Appendix A) and iSCSI for its digests (RFC 3720 §12.1,
/// test vectors in Appendix B.4).
///
/// Table-driven, one byte a step: the 256-entry table is built once, inline in a static, so
/// computing a CRC allocates nothing.
public enum CRC32C {
    /// The reflected polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// `table[n]` is the CRC register after shifting the byte `n` through it.
    static let table: InlineArray<256, UInt32> = {
        var table = InlineArray<256, UInt32>(repeating: 0)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ polynomial : crc >> 1 }
            table[index] = crc
        }
        return table
    }()

    /// Advances the (non-inverted) register `crc` over `bytes`.
    @inline(__always)
    static func update(_ crc: UInt32, _ bytes: RawSpan) -> UInt32 {
        let table = Self.table
        var crc = crc
        for index in 0..<bytes.byteCount {
            crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ bytes.byte(at: index))] ^ crc >> 8
        }
        return crc
    }

    /// The CRC32c of `bytes`: initial value all ones, final value inverted.
    public static func checksum(_ bytes: RawSpan) -> UInt32 {
        ~update(0xFFFF_FFFF, bytes)
    }

    /// The CRC32c of an SCTP packet as if its checksum field (bytes 8–11) were zero
    /// (RFC 9260 §6.8): the field is skipped and four zero bytes are fed in its place.
    /// `packet` must be at least 12 bytes.
    public static func sctpChecksum(_ packet: RawSpan) -> UInt32 {
        var crc = update(0xFFFF_FFFF, packet.extracting(0..<SCTP.Offset.checksum))
        for _ in 0..<4 { crc = table[Int(UInt8(truncatingIfNeeded: crc))] ^ crc >> 8 }
        return ~update(crc, packet.extracting(SCTP.Offset.chunks..<packet.byteCount))
    }
}
