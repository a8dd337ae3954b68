/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum
/// of the data taken as big-endian 16-bit words.
///
/// Sums are kept unfolded in a `UInt64` so that pieces can be added together (pseudo-header,
/// then segment); a 64-bit accumulator cannot overflow for any IPv4 datagram.
public enum Checksum {
    /// Adds `bytes` as big-endian 16-bit words to `partial`. An odd final byte is padded with a
    /// zero byte (RFC 1071 §4.1), so only the last piece of a multi-piece sum may be odd.
    ///
    /// The even-length part is summed as native 64-bit words with end-around carry, then folded
    /// to 16 bits and byte-swapped: the one's complement sum is independent of byte order and of
    /// word width (RFC 1071 §2(A), §2(B)). Every load goes through the span's bounds check.
    public static func sum(_ bytes: RawSpan, adding partial: UInt64 = 0) -> UInt64 {
        let count = bytes.byteCount
        var total: UInt64 = 0
        var carries: UInt64 = 0
        var index = 0
        while index + 8 <= count {
            let (sum, overflow) = total.addingReportingOverflow(
                bytes.unsafeLoadUnaligned(fromByteOffset: index, as: UInt64.self))
            total = sum
            carries &+= overflow ? 1 : 0
            index &+= 8
        }
        // Fold the native sum to 16 bits before swapping it into network order.
        var folded = (total & 0xFFFF_FFFF) &+ (total &>> 32) &+ carries
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        var result = partial &+ UInt64(UInt16(truncatingIfNeeded: folded).byteSwapped)
        while index + 1 < count {
            result &+= UInt64(bytes.uint16(at: index))
            index &+= 2
        }
        if index < count {
            result &+= UInt64(bytes.byte(at: index)) << 8
        }
        return result
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
