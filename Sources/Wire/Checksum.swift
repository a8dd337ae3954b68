/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum
/// of the data taken as big-endian 16-bit words.
///
/// Sums are kept unfolded in a `UInt64` so that pieces can be added together (pseudo-header,
/// then segment); a 64-bit accumulator cannot overflow for any IPv4 datagram.
public enum Checksum {
    /// Adds `bytes` as big-endian 16-bit words to `partial`. An odd final byte is padded with a
    /// zero byte (RFC 1071 §4.1), so only the last piece of a multi-piece sum may be odd.
    ///
    /// Eight bytes at a time, added as two 32-bit words: since 2^16 ≡ 1 (mod 2^16 − 1), a sum of
    /// 32-bit words folds to the same one's complement sum as the 16-bit words (RFC 1071 §2(B)).
    /// Every load goes through the span's bounds check.
    public static func sum(_ bytes: RawSpan, adding partial: UInt64 = 0) -> UInt64 {
        var total = partial
        let count = bytes.byteCount
        var index = 0
        // Two independent accumulators over 16 bytes per step, so the additions can overlap.
        var other: UInt64 = 0
        while index + 16 <= count {
            let first = UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: index, as: UInt64.self))
            let second = UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self))
            total &+= (first &>> 32) &+ (first & 0xFFFF_FFFF)
            other &+= (second &>> 32) &+ (second & 0xFFFF_FFFF)
            index &+= 16
        }
        total &+= other
        while index + 8 <= count {
            let word = UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromByteOffset: index, as: UInt64.self))
            total &+= (word &>> 32) &+ (word & 0xFFFF_FFFF)
            index &+= 8
        }
        while index + 1 < count {
            total &+= UInt64(bytes.uint16(at: index))
            index &+= 2
        }
        if index < count {
            total &+= UInt64(bytes.byte(at: index)) << 8
        }
        return total
    }

    /// Folds the carries of an unfolded sum back into 16 bits (end-around carry). Not complemented.
    public static func fold(_ sum: UInt64) -> UInt16 {
        var value = sum
        while value > 0xFFFF {
            value = (value & 0xFFFF) + (value >> 16)
        }
        return UInt16(value)
    }

    /// The checksum to write into a header whose checksum field was zero while summing.
    public static func complement(_ sum: UInt64) -> UInt16 {
        ~fold(sum)
    }

    /// The RFC 1071 checksum of `bytes`, to be stored in a zeroed checksum field.
    public static func internetChecksum(_ bytes: RawSpan, adding partial: UInt64 = 0) -> UInt16 {
        complement(sum(bytes, adding: partial))
    }

    /// True when data that includes its own checksum field sums to all ones (RFC 1071 §1),
    /// which is how a receiver verifies without zeroing the field.
    public static func isValid(_ bytes: RawSpan, adding partial: UInt64 = 0) -> Bool {
        fold(sum(bytes, adding: partial)) == 0xFFFF
    }

    /// The unfolded sum of the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768): source address,
    /// destination address, a zero byte, the protocol, and the transport length.
    public static func pseudoHeaderSum(
        source: IPv4Address, destination: IPv4Address, proto: IPProtocol, length: UInt16
    ) -> UInt64 {
        UInt64(source.rawValue >> 16) + UInt64(source.rawValue & 0xFFFF)
            + UInt64(destination.rawValue >> 16) + UInt64(destination.rawValue & 0xFFFF)
            + UInt64(proto.rawValue) + UInt64(length)
    }
}
