import Wire

/// Whole IPv4 datagrams (TCP, UDP, ICMP) as byte arrays, built by `PacketBuilder` (20-byte IPv4
/// header, DF set), and the same datagrams corrupted on purpose.
public enum Packets {
    public static let client = PacketBuilder.client
    public static let server = PacketBuilder.server

    /// Offsets in the IPv4 header (RFC 791 §3.1) the tests poke at.
    public enum Offset {
        public static let totalLength = 2
        public static let identification = 4
        public static let proto = 9
        public static let headerChecksum = 10
        public static let source = 12
        public static let destination = 16
        /// The transport header starts here: we never build IPv4 options.
        public static let transport = 20
        public static let tcpChecksum = transport + 16
        public static let udpChecksum = transport + 6
        public static let icmpChecksum = transport + 2
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt16 { PacketBuilder.checksum(bytes) }
    public static func fold(_ bytes: [UInt8]) -> UInt16 { PacketBuilder.fold(bytes) }
    public static func be16(_ value: UInt16) -> [UInt8] { PacketBuilder.be16(value) }
    public static func be32(_ value: UInt32) -> [UInt8] { PacketBuilder.be32(value) }

    public static func put(_ value: UInt16, at offset: Int, in bytes: inout [UInt8]) {
        PacketBuilder.put(value, at: offset, in: &bytes)
    }

    public static func get(_ offset: Int, in bytes: [UInt8]) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public static func address(_ octets: [UInt8]) -> IPv4Address {
        IPv4Address(octets[0], octets[1], octets[2], octets[3])
    }

    /// A 20-byte IPv4 header (DF set, no options) around `payload`, with a correct checksum.
    public static func ipv4(
        proto: UInt8, payload: [UInt8], source: [UInt8] = client, destination: [UInt8] = server,
        identification: UInt16 = 0x1C46, ttl: UInt8 = 64
    ) -> [UInt8] {
        PacketBuilder.ipv4(proto: proto, payload: payload, source: source, destination: destination, identification: identification, ttl: ttl)
    }

    /// An IPv4 + TCP datagram (SYN by default) with correct checksums.
    public static func tcp(
        sourcePort: UInt16 = 40000, destinationPort: UInt16 = 443, flags: UInt8 = 0x02,
        payload: [UInt8] = [], source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        let segment = PacketBuilder.tcp(
            sourcePort: sourcePort, destinationPort: destinationPort, flags: flags, payload: payload,
            source: source, destination: destination)
        return ipv4(proto: 6, payload: segment, source: source, destination: destination)
    }

    /// An IPv4 + UDP datagram with a correct checksum.
    public static func udp(
        sourcePort: UInt16 = 5353, destinationPort: UInt16 = 53, payload: [UInt8] = Array("abcd".utf8),
        source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        let segment = PacketBuilder.udp(
            sourcePort: sourcePort, destinationPort: destinationPort, payload: payload, source: source, destination: destination)
        return ipv4(proto: 17, payload: segment, source: source, destination: destination)
    }

    /// An IPv4 + ICMP datagram (echo request by default) with a correct checksum.
    public static func icmp(
        type: UInt8 = 8, code: UInt8 = 0, rest: UInt32 = 0x0007_0001, payload: [UInt8] = Array("ping".utf8),
        source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        ipv4(proto: 1, payload: PacketBuilder.icmp(type: type, code: code, rest: rest, payload: payload), source: source, destination: destination)
    }

    // MARK: corruption

    /// Sets the IPv4 protocol byte and fixes the header checksum, so only the protocol is wrong.
    public static func withProtocol(_ proto: UInt8, _ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        bytes[Offset.proto] = proto
        resealIPv4(&bytes)
        return bytes
    }

    /// Recomputes the IPv4 header checksum after an edit.
    public static func resealIPv4(_ bytes: inout [UInt8]) {
        put(0, at: Offset.headerChecksum, in: &bytes)
        put(checksum(Array(bytes[0..<20])), at: Offset.headerChecksum, in: &bytes)
    }

    /// Adds `delta` to the 16-bit word at `offset`, breaking whatever checksum covers it.
    public static func bump(_ offset: Int, by delta: UInt16 = 1, _ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        put(get(offset, in: bytes) &+ delta, at: offset, in: &bytes)
        return bytes
    }

    /// An ICMP echo request whose correct checksum is 0x0000 but which carries 0xFFFF, the other
    /// spelling of zero in one's complement: it verifies (RFC 1071 §1), yet a rebuild writes 0x0000.
    public static func icmpWithNegativeZeroChecksum() -> [UInt8] {
        // type 8 code 0 = 0x0800; rest 0; payload word 0xF7FF: the sum is exactly 0xFFFF.
        var bytes = icmp(rest: 0, payload: [0xF7, 0xFF])
        precondition(get(Offset.icmpChecksum, in: bytes) == 0, "the crafted ICMP sum must fold to 0xFFFF")
        put(0xFFFF, at: Offset.icmpChecksum, in: &bytes)
        return bytes
    }

    /// `packet` with an identification chosen so its correct IPv4 header checksum is 0x0000, sent
    /// as 0xFFFF instead: a valid header that the rebuild changes.
    public static func withNegativeZeroHeaderChecksum(_ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        put(0, at: Offset.identification, in: &bytes)
        put(0, at: Offset.headerChecksum, in: &bytes)
        put(0xFFFF &- fold(Array(bytes[0..<20])), at: Offset.identification, in: &bytes)
        precondition(fold(Array(bytes[0..<20])) == 0xFFFF, "the crafted header sum must fold to 0xFFFF")
        put(0xFFFF, at: Offset.headerChecksum, in: &bytes)
        return bytes
    }
}
