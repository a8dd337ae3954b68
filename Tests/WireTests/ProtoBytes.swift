@testable import Wire

/// Small, self-contained byte helpers for the tests of the protocols added for issue 15
/// (fragments with DF, AE flag, BIG TCP, ICMP router discovery and PROBE, IGMP). Kept apart
/// from `PacketBuilder` on purpose: each value here is computed from first principles.
enum ProtoBytes {
    /// Hex digits to bytes; whitespace and anything after a `#` on a line are ignored.
    static func hex(_ text: String) -> [UInt8] {
        let digits = text.split(separator: "\n").map { line in
            line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }.joined().filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// The RFC 1071 one's-complement sum, folded and complemented, computed naively.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            sum += high | low
            index += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Writes `value` big-endian at `offset`.
    static func put(_ value: UInt16, at offset: Int, in bytes: inout [UInt8]) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    /// A 20-byte IPv4 header (10.1.0.2 → 10.2.0.2 unless given) before `payload`, with its
    /// total length and header checksum filled in. `flags` is the 16-bit flags+offset word.
    static func ipv4(
        proto: UInt8, payload: [UInt8], flags: UInt16 = 0, ttl: UInt8 = 64,
        source: [UInt8] = [10, 1, 0, 2], destination: [UInt8] = [10, 2, 0, 2]
    ) -> [UInt8] {
        var header: [UInt8] = [0x45, 0, 0, 0, 0x12, 0x34, 0, 0, ttl, proto, 0, 0] + source + destination
        put(UInt16(20 + payload.count), at: 2, in: &header)
        put(flags, at: 6, in: &header)
        put(checksum(header), at: 10, in: &header)
        return header + payload
    }

    /// `message` with its 16-bit checksum at `offset` computed over the whole message.
    static func withChecksum(_ message: [UInt8], at offset: Int) -> [UInt8] {
        var bytes = message
        put(0, at: offset, in: &bytes)
        put(checksum(bytes), at: offset, in: &bytes)
        return bytes
    }

    /// Parses a whole datagram, or returns the error.
    static func decode(
        _ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) -> Result<Datagram, DecodeError> {
        do throws(DecodeError) {
            return .success(try Datagram(parsing: bytes.span.bytes, context: context, options: options))
        } catch {
            return .failure(error)
        }
    }

    /// The error decoding throws, or nil.
    static func error(
        _ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) -> DecodeError? {
        if case .failure(let error) = decode(bytes, context: context, options: options) { return error }
        return nil
    }
}
