import Testing
import Engine
import Rules
import Wire

/// Builds valid IPv4 datagrams (TCP, UDP, ICMP) as byte arrays, and corrupts them on purpose.
///
/// Checksums come from `checksum(_:)` below, an RFC 1071 implementation written independently of
/// `Wire.Checksum`, so a bug there cannot hide itself in these tests.
enum Packets {
    static let client: [UInt8] = [10, 1, 0, 2]
    static let server: [UInt8] = [10, 2, 0, 2]

    /// Offsets in the IPv4 header (RFC 791 §3.1) the tests poke at.
    enum Offset {
        static let totalLength = 2
        static let identification = 4
        static let proto = 9
        static let headerChecksum = 10
        static let source = 12
        static let destination = 16
        /// The transport header starts here: we never build IPv4 options.
        static let transport = 20
        static let tcpChecksum = transport + 16
        static let udpChecksum = transport + 6
        static let icmpChecksum = transport + 2
    }

    /// The complemented one's complement sum of `bytes` as big-endian words (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        ~fold(bytes)
    }

    /// The folded (not complemented) one's complement sum; an odd last byte is padded with 0.
    static func fold(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            sum += high | low
            index += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }

    static func put(_ value: UInt16, at offset: Int, in bytes: inout [UInt8]) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xFF)
    }

    static func get(_ offset: Int, in bytes: [UInt8]) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func address(_ octets: [UInt8]) -> IPv4Address {
        IPv4Address(octets[0], octets[1], octets[2], octets[3])
    }

    /// A 20-byte IPv4 header (DF set, no options) around `payload`, with a correct checksum.
    static func ipv4(
        proto: UInt8, payload: [UInt8], source: [UInt8] = client, destination: [UInt8] = server,
        identification: UInt16 = 0x1C46, ttl: UInt8 = 64
    ) -> [UInt8] {
        var header: [UInt8] = [0x45, 0x00]                       // version 4, IHL 5 | TOS
        header += be16(UInt16(20 + payload.count))               // total length
        header += be16(identification) + be16(0x4000)            // identification | DF, offset 0
        header += [ttl, proto, 0, 0]                             // TTL | protocol | checksum
        header += source + destination
        put(checksum(header), at: Offset.headerChecksum, in: &header)
        return header + payload
    }

    static func pseudoHeader(source: [UInt8], destination: [UInt8], proto: UInt8, length: Int) -> [UInt8] {
        source + destination + [0, proto] + be16(UInt16(length))
    }

    /// An IPv4 + TCP datagram (SYN by default) with correct checksums.
    static func tcp(
        sourcePort: UInt16 = 40000, destinationPort: UInt16 = 443, flags: UInt8 = 0x02,
        payload: [UInt8] = [], source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort)   // ports
        segment += be32(1) + be32(0)                             // sequence | acknowledgment
        segment += [5 << 4, flags] + be16(64240)                 // data offset 5 | flags | window
        segment += [0, 0] + be16(0)                              // checksum | urgent pointer
        segment += payload
        let sum = checksum(pseudoHeader(source: source, destination: destination, proto: 6, length: segment.count) + segment)
        put(sum, at: 16, in: &segment)
        return ipv4(proto: 6, payload: segment, source: source, destination: destination)
    }

    /// An IPv4 + UDP datagram with a correct checksum.
    static func udp(
        sourcePort: UInt16 = 5353, destinationPort: UInt16 = 53, payload: [UInt8] = Array("abcd".utf8),
        source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort)   // ports
        segment += be16(UInt16(8 + payload.count)) + [0, 0]      // length | checksum
        segment += payload
        var sum = checksum(pseudoHeader(source: source, destination: destination, proto: 17, length: segment.count) + segment)
        if sum == 0 { sum = 0xFFFF }                             // RFC 768: 0 means "none"
        put(sum, at: 6, in: &segment)
        return ipv4(proto: 17, payload: segment, source: source, destination: destination)
    }

    /// An IPv4 + ICMP datagram (echo request by default) with a correct checksum.
    static func icmp(
        type: UInt8 = 8, code: UInt8 = 0, rest: UInt32 = 0x0007_0001, payload: [UInt8] = Array("ping".utf8),
        source: [UInt8] = client, destination: [UInt8] = server
    ) -> [UInt8] {
        var message = [type, code, 0, 0] + be32(rest) + payload  // type | code | checksum | rest
        put(checksum(message), at: 2, in: &message)
        return ipv4(proto: 1, payload: message, source: source, destination: destination)
    }

    // MARK: corruption

    /// Sets the IPv4 protocol byte and fixes the header checksum, so only the protocol is wrong.
    static func withProtocol(_ proto: UInt8, _ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        bytes[Offset.proto] = proto
        resealIPv4(&bytes)
        return bytes
    }

    /// Recomputes the IPv4 header checksum after an edit.
    static func resealIPv4(_ bytes: inout [UInt8]) {
        put(0, at: Offset.headerChecksum, in: &bytes)
        put(checksum(Array(bytes[0..<20])), at: Offset.headerChecksum, in: &bytes)
    }

    /// Adds `delta` to the 16-bit word at `offset`, breaking whatever checksum covers it.
    static func bump(_ offset: Int, by delta: UInt16 = 1, _ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        put(get(offset, in: bytes) &+ delta, at: offset, in: &bytes)
        return bytes
    }

    /// An ICMP echo request whose correct checksum is 0x0000 but which carries 0xFFFF, the other
    /// spelling of zero in one's complement: it verifies (RFC 1071 §1), yet a rebuild writes 0x0000.
    static func icmpWithNegativeZeroChecksum() -> [UInt8] {
        // type 8 code 0 = 0x0800; rest 0; payload word 0xF7FF: the sum is exactly 0xFFFF.
        var bytes = icmp(rest: 0, payload: [0xF7, 0xFF])
        precondition(get(Offset.icmpChecksum, in: bytes) == 0, "the crafted ICMP sum must fold to 0xFFFF")
        put(0xFFFF, at: Offset.icmpChecksum, in: &bytes)
        return bytes
    }

    /// `packet` with an identification chosen so its correct IPv4 header checksum is 0x0000, sent
    /// as 0xFFFF instead: a valid header that the rebuild changes.
    static func withNegativeZeroHeaderChecksum(_ packet: [UInt8]) -> [UInt8] {
        var bytes = packet
        put(0, at: Offset.identification, in: &bytes)
        put(0, at: Offset.headerChecksum, in: &bytes)
        put(0xFFFF &- fold(Array(bytes[0..<20])), at: Offset.identification, in: &bytes)
        precondition(fold(Array(bytes[0..<20])) == 0xFFFF, "the crafted header sum must fold to 0xFFFF")
        put(0xFFFF, at: Offset.headerChecksum, in: &bytes)
        return bytes
    }
}

/// A program from rule text, failing the test (by returning an empty drop-all program) if it does
/// not load, so a typo in a test's rules shows up as wrong verdicts rather than a crash.
func program(_ source: String, file: String = "test.rules") -> Program {
    let (program, diagnostics) = Program.load(source: source, file: file)
    guard let program else {
        Issue.record("rules did not load: \(diagnostics)")
        return Program(policy: .drop, logMode: .none, rules: [])
    }
    return program
}

/// `Outcome` with the rebuilt bytes copied out of the engine's buffer, so it can be compared.
enum Result: Equatable {
    case drop
    case accept
    case acceptRebuilt([UInt8])
}

extension Engine {
    /// Judges `packet`; `packetLength` defaults to the bytes given (a whole copy).
    func judge(
        _ packet: [UInt8], packetLength: Int? = nil, context: PacketContext = PacketContext(), id: UInt32 = 1,
        metadata extra: (PacketMetadata) -> PacketMetadata = { $0 }
    ) -> (Result, VerdictEvent) {
        let metadata = extra(PacketMetadata(queue: 3, packetID: id, packetLength: packetLength ?? packet.count, context: context))
        return packet.withUnsafeBytes { bytes in
            let (outcome, event) = judge(bytes, metadata: metadata)
            switch outcome {
            case .drop: return (.drop, event)
            case .accept: return (.accept, event)
            case .acceptRebuilt(let rebuilt): return (.acceptRebuilt(Array(rebuilt)), event)
            }
        }
    }
}
