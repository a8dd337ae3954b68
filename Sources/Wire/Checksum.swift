/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum
/// of the data taken as big-endian 16-bit words.
///
/// Sums are kept unfolded in a `UInt64` so that pieces can be added together (pseudo-header,
/// then segment); a 64-bit accumulator cannot overflow for any IPv4 datagram.
public enum Checksum {
    /// Adds `bytes` as big-endian 16-bit words to `partial`. An odd final byte is padded with a
    /// zero byte (RFC 1071 §4.1), so only the last piece of a multi-piece sum may be odd.
    ///
    /// The bytes are summed as native words with end-around carry (32 bytes a round, then 8, 4,
    /// 2 and 1), folded to 16 bits and converted to network order: the one's complement sum is
    /// independent of byte order and of word width (RFC 1071 §2(A), §2(B)).
    @inline(__always)
    public static func sum(_ bytes: RawSpan, adding partial: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { buffer in
            partial &+ UInt64(nativeSum(buffer).bigEndian)
        }
    }

    /// The one's complement sum of `buffer` in native byte order, folded to 16 bits.
    ///
    /// This is the one loop in Wire that reads through a raw pointer rather than a span: every
    /// load is guarded by its loop condition (`offset + width <= count`), so none leaves
    /// `buffer`, and the span's per-load check would cost as much as the addition it guards
    /// (the checksum covers every byte of every packet). The fuzz targets run it under
    /// AddressSanitizer, and `ChecksumTests` compares it with a byte-by-byte reference at
    /// every length and alignment that can reach each tail.
    @inline(__always)
    private static func nativeSum(_ buffer: UnsafeRawBufferPointer) -> UInt16 {
        guard let base = buffer.baseAddress else { return 0 }
        let count = buffer.count
        var total: UInt64 = 0
        var carries: UInt64 = 0
        @inline(__always)
        func add(_ word: UInt64) {
            let (sum, overflow) = total.addingReportingOverflow(word)
            total = sum
            carries &+= overflow ? 1 : 0
        }
        var offset = 0
        while offset &+ 32 <= count {
            add(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            add(base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self))
            add(base.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self))
            add(base.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self))
            offset &+= 32
        }
        while offset &+ 8 <= count {
            add(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset &+= 8
        }
        // Every word so far started at an even offset, and so do these: the halves of each
        // 16-bit word stay in their lanes.
        if offset &+ 4 <= count {
            add(UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset &+= 4
        }
        if offset &+ 2 <= count {
            add(UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            offset &+= 2
        }
        if offset < count {
            // The odd byte is the first half of a word whose second half is zero.
            let word = UInt16(base.load(fromByteOffset: offset, as: UInt8.self)) &<< 8
            add(UInt64(UInt16(bigEndian: word)))
        }
        // 2^64 ≡ 1 (mod 2^16 − 1): each carry out of the 64-bit total counts as one.
        var folded = (total & 0xFFFF_FFFF) &+ (total &>> 32) &+ carries
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        folded = (folded & 0xFFFF) &+ (folded &>> 16)
        return UInt16(truncatingIfNeeded: folded)
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
    @inline(__always)
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

    /// The unfolded sum of the IPv6 upper-layer pseudo-header (RFC 8200 §8.1): source address,
    /// destination address (the final one when there is a routing header), the 32-bit
    /// upper-layer packet length, three zero bytes and the next header value. The addresses
    /// are added as 32-bit words: the value is below 2^35, and only its folded form is defined.
    @inline(__always)
    public static func pseudoHeaderSum(
        source: IPv6Address, destination: IPv6Address, proto: IPProtocol, length: UInt32
    ) -> UInt64 {
        words(source.rawValue) &+ words(destination.rawValue) &+ UInt64(length) &+ UInt64(proto.rawValue)
    }

    /// The eight 16-bit words of a 128-bit value, summed as four 32-bit words: unfolded, the
    /// total differs, but 2^16 ≡ 1 (mod 2^16 − 1), so it folds to the same one's complement sum
    /// (RFC 1071 §2(B)) in four additions instead of sixteen shifts and masks.
    @inline(__always)
    static func words(_ value: UInt128) -> UInt64 {
        let high = UInt64(truncatingIfNeeded: value >> 64), low = UInt64(truncatingIfNeeded: value)
        return (high >> 32) &+ (high & 0xFFFF_FFFF) &+ (low >> 32) &+ (low & 0xFFFF_FFFF)
    }
}
