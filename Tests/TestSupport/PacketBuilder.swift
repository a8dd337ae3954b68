import Wire

/// Builds valid datagrams as byte arrays, with checksums from a reference RFC 1071
/// implementation written independently of `Wire.Checksum`, so tests need no hand-computed sums
/// and a bug in `Wire.Checksum` cannot hide itself in them. The one copy for Tests and Benchmarks.
public enum PacketBuilder {
    public static let client: [UInt8] = [10, 1, 0, 2]
    public static let server: [UInt8] = [10, 2, 0, 2]

    /// Reference Internet checksum over a byte array (RFC 1071), complemented.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt16 {
        ~fold(bytes)
    }

    /// The folded (not complemented) one's complement sum of `bytes` as big-endian words, added
    /// to `initial`; an odd last byte is padded with 0.
    public static func fold(_ bytes: some Collection<UInt8>, initial: UInt32 = 0) -> UInt16 {
        var sum = initial
        var iterator = bytes.makeIterator()
        while let high = iterator.next() {
            let low = iterator.next() ?? 0
            sum += UInt32(high) << 8 | UInt32(low)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    public static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    public static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }

    public static func pseudoHeader(source: [UInt8], destination: [UInt8], proto: UInt8, length: Int) -> [UInt8] {
        source + destination + [0, proto] + be16(UInt16(length))
    }

    /// Stores `value` big-endian at `offset`.
    public static func put(_ value: UInt16, at offset: Int, in bytes: inout [UInt8]) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    /// An IPv4 datagram around `payload` with a correct header checksum.
    public static func ipv4(
        proto: UInt8, payload: [UInt8], source: [UInt8] = client, destination: [UInt8] = server,
        tos: UInt8 = 0, identification: UInt16 = 0x1C46, flagsAndFragment: UInt16 = 0x4000,
        ttl: UInt8 = 64, options: [UInt8] = []
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        var header: [UInt8] = [0x40 | UInt8(headerLength / 4), tos]
        header += be16(UInt16(headerLength + payload.count)) + be16(identification) + be16(flagsAndFragment)
        header += [ttl, proto, 0, 0] + source + destination + options
        put(checksum(header), at: 10, in: &header)
        return header + payload
    }

    /// A TCP segment with a correct checksum for the given addresses.
    public static func tcp(
        sourcePort: UInt16 = 40000, destinationPort: UInt16 = 443, sequence: UInt32 = 1,
        acknowledgment: UInt32 = 0, flags: UInt8 = 0x02, reservedBits: UInt8 = 0,
        window: UInt16 = 64240, urgent: UInt16 = 0, options: [UInt8] = [], payload: [UInt8] = [],
        source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        let dataOffset = UInt8((20 + options.count) / 4)
        var segment = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgment)
        segment += [dataOffset << 4 | reservedBits, flags] + be16(window) + [0, 0] + be16(urgent)
        segment += options + payload
        let sum = checksum(pseudoHeader(source: source, destination: destination, proto: 6, length: segment.count) + segment)
        put(sum, at: 16, in: &segment)
        return segment
    }

    /// A UDP datagram; with `withChecksum` false the checksum field is 0 ("none").
    public static func udp(
        sourcePort: UInt16 = 5353, destinationPort: UInt16 = 53, payload: [UInt8] = Array("abcd".utf8),
        withChecksum: Bool = true, source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        if withChecksum {
            var sum = checksum(pseudoHeader(source: source, destination: destination, proto: 17, length: segment.count) + segment)
            if sum == 0 { sum = 0xFFFF }
            put(sum, at: 6, in: &segment)
        }
        return segment
    }

    /// An ICMP message with a correct checksum.
    public static func icmp(type: UInt8 = 8, code: UInt8 = 0, rest: UInt32 = 0x0007_0001, payload: [UInt8] = Array("ping".utf8)) -> [UInt8] {
        var message = [type, code, 0, 0] + be32(rest) + payload
        put(checksum(message), at: 2, in: &message)
        return message
    }

    public static func tcpDatagram(options: [UInt8] = [], payload: [UInt8] = [], flags: UInt8 = 0x02) -> [UInt8] {
        ipv4(proto: 6, payload: tcp(flags: flags, options: options, payload: payload))
    }

    public static func udpDatagram(payload: [UInt8] = Array("abcd".utf8), withChecksum: Bool = true) -> [UInt8] {
        ipv4(proto: 17, payload: udp(payload: payload, withChecksum: withChecksum))
    }

    /// What an ICMP error quotes: the IPv4 header and first 8 bytes of a UDP datagram.
    public static var quotedUDP: [UInt8] { Array(udpDatagram().prefix(28)) }

    public static func icmpDatagram(type: UInt8 = 8, code: UInt8 = 0, payload: [UInt8] = Array("ping".utf8)) -> [UInt8] {
        ipv4(proto: 1, payload: icmp(type: type, code: code, payload: payload))
    }

    /// Parses a whole datagram from an array.
    public static func parse(
        _ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) throws(DecodeError) -> Datagram {
        try Datagram(parsing: bytes.span.bytes, context: context, options: options)
    }

    /// The error parsing throws, or nil when the datagram is accepted.
    public static func error(
        _ bytes: [UInt8], context: PacketContext = PacketContext(), options: DecodeOptions = DecodeOptions()
    ) -> DecodeError? {
        error { () throws(DecodeError) in try parse(bytes, context: context, options: options) }
    }

    /// The error `parse` throws, or nil when it returns.
    public static func error<Parsed>(of parse: () throws(DecodeError) -> Parsed) -> DecodeError? {
        do {
            _ = try parse()
            return nil
        } catch {
            return error
        }
    }

    /// Emits `datagram` into a fresh buffer prefilled with 0xAA, so unwritten bytes show.
    public static func emit(_ datagram: Datagram, from original: [UInt8], mode: ChecksumMode = .compute) -> [UInt8] {
        emitHeader(length: datagram.encodedLength) { out in
            datagram.emit(payloadFrom: original.span.bytes, into: &out, transportChecksum: mode)
        }
    }

    /// Runs `body` (one `emit(into:)`, or a whole datagram's) on a buffer of `length` bytes
    /// prefilled with 0xAA, so unwritten bytes show, and returns the bytes.
    public static func emitHeader(length: Int, _ body: (inout MutableRawSpan) -> Void) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: length)
        do {
            var span = out.mutableSpan
            var bytes = span.mutableBytes
            body(&bytes)
        }
        return out
    }

    /// Bytes from a hex string; whitespace ignored.
    public static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
