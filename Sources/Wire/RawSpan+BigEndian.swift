// Network byte order (big-endian) accessors. Every read and write goes through the span's own
// bounds check, so a wrong offset traps instead of reading foreign memory (STYLE §3).

extension RawSpan {
    @inline(__always)
    func byte(at offset: Int) -> UInt8 {
        unsafeLoad(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    func uint16(at offset: Int) -> UInt16 {
        UInt16(byte(at: offset)) << 8 | UInt16(byte(at: offset + 1))
    }

    @inline(__always)
    func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) << 16 | UInt32(uint16(at: offset + 2))
    }
}

extension MutableRawSpan {
    @inline(__always)
    mutating func store(_ value: UInt8, at offset: Int) {
        storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    mutating func store(_ value: UInt16, at offset: Int) {
        store(UInt8(truncatingIfNeeded: value >> 8), at: offset)
        store(UInt8(truncatingIfNeeded: value), at: offset + 1)
    }

    @inline(__always)
    mutating func store(_ value: UInt32, at offset: Int) {
        store(UInt16(truncatingIfNeeded: value >> 16), at: offset)
        store(UInt16(truncatingIfNeeded: value), at: offset + 2)
    }
}
