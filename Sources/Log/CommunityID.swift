import COpenSSL
import Engine
import Wire

/// The Community ID v1 flow hash (corelight/community-id-spec): the value Suricata, Zeek
/// and Elastic write as `community_id`, so that a verdict joins with other sensors' records
/// of the same flow.
///
/// `"1:" + base64(SHA1(seed, saddr, daddr, proto, 0, sport, dport))`, all in network byte
/// order (addresses of 4 bytes for IPv4, 16 for IPv6), with the endpoints ordered so that
/// both directions of a flow hash alike: the smaller (address, port) pair goes first. ICMP
/// and ICMPv6 have no ports: the type stands for the source port and the type's counterpart
/// (echo ↔ echo reply, ...) for the destination port; a type without a counterpart is
/// one-way, keeps its direction and takes the code for the destination port. Protocols
/// without ports hash no port bytes at all.
///
/// Computing one allocates nothing: the hash input and the digest live on the stack.
public enum CommunityID {
    /// Bytes of the encoded value: "1:" and 28 base64 characters (20 digest bytes).
    public static let encodedLength = 30

    /// The ports (or ICMP stand-ins) of a flow tuple, and whether it is one-way.
    public struct Ports: Sendable, Equatable {
        public var source: UInt16
        public var destination: UInt16
        /// One-way tuples are never reordered (ICMP types without a counterpart).
        public var oneWay: Bool

        public init(source: UInt16, destination: UInt16, oneWay: Bool = false) {
            self.source = source
            self.destination = destination
            self.oneWay = oneWay
        }
    }

    /// The ICMPv4 request/reply pairs of the spec (Zeek's `ICMP4_counterpart`): echo 8 ↔ 0,
    /// timestamp 13 ↔ 14, information 15 ↔ 16, router solicitation 10 ↔ advertisement 9,
    /// address mask 17 ↔ 18 (as Zeek and the `communityid` package map them).
    static func icmpCounterpart(_ type: UInt8) -> UInt8? {
        switch type {
        case 8: 0
        case 0: 8
        case 13: 14
        case 14: 13
        case 15: 16
        case 16: 15
        case 10: 9
        case 9: 10
        case 17: 18
        case 18: 17
        default: nil
        }
    }

    /// The ICMPv6 request/reply pairs of the spec (Zeek's `ICMP6_counterpart`): echo 128 ↔
    /// 129, router solicitation 133 ↔ advertisement 134, neighbor solicitation 135 ↔
    /// advertisement 136, MLD query 130 ↔ report 131, node information query 139 ↔ response
    /// 140, home agent address discovery 144 ↔ 145.
    static func icmp6Counterpart(_ type: UInt8) -> UInt8? {
        switch type {
        case 128: 129
        case 129: 128
        case 133: 134
        case 134: 133
        case 135: 136
        case 136: 135
        case 130: 131
        case 131: 130
        case 139: 140
        case 140: 139
        case 144: 145
        case 145: 144
        default: nil
        }
    }

    /// The port stand-ins of an ICMPv4 message (an ICMPv6 one with `ipv6`) with `type` and `code`.
    public static func icmpPorts(type: UInt8, code: UInt8, ipv6: Bool = false) -> Ports {
        if let counterpart = ipv6 ? icmp6Counterpart(type) : icmpCounterpart(type) {
            return Ports(source: UInt16(type), destination: UInt16(counterpart))
        }
        return Ports(source: UInt16(type), destination: UInt16(code), oneWay: true)
    }

    /// The flow tuple's ports for a logged packet; `nil` when the packet's protocol has
    /// ports (TCP, UDP, SCTP) or ICMP type but they were not decoded — no honest hash exists then.
    /// `.some(nil)` is a protocol without ports.
    static func ports(of summary: PacketSummary) -> Ports?? {
        switch summary.proto {
        case .tcp, .udp, .sctp:
            guard let source = summary.sourcePort, let destination = summary.destinationPort else { return nil }
            return .some(Ports(source: source, destination: destination))
        case .icmp, .icmpv6:
            guard let type = summary.icmpType, let code = summary.icmpCode else { return nil }
            return .some(icmpPorts(type: type, code: code, ipv6: summary.proto == .icmpv6))
        default:
            return .some(nil)
        }
    }

    /// Writes the encoded value (exactly `encodedLength` ASCII bytes) into `out`.
    public static func encode(
        seed: UInt16 = 0, source: IPv4Address, destination: IPv4Address, proto: UInt8, ports: Ports?,
        into out: UnsafeMutableRawBufferPointer
    ) {
        encode(seed: seed, source: .v4(source), destination: .v4(destination), proto: proto, ports: ports, into: out)
    }

    /// Writes the encoded value for addresses of either family (both of one family).
    public static func encode(
        seed: UInt16 = 0, source: IPAddress, destination: IPAddress, proto: UInt8, ports: Ports?,
        into out: UnsafeMutableRawBufferPointer
    ) {
        precondition(out.count >= encodedLength)
        var (low, high) = (source, destination)
        var (lowPort, highPort) = (ports?.source ?? 0, ports?.destination ?? 0)
        // Within a family `IPAddress` orders numerically: as the addresses' network-order bytes.
        let ordered = ports?.oneWay == true || low < high || (low == high && lowPort <= highPort)
        if !ordered {
            swap(&low, &high)
            swap(&lowPort, &highPort)
        }
        // seed(2) saddr daddr (4 or 16 each) proto(1) pad(1) [sport(2) dport(2)]: 12 to 40 bytes.
        var input: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        var digest: (UInt64, UInt64, UInt32) = (0, 0, 0)
        withUnsafeMutableBytes(of: &input) { bytes in
            put(seed, at: 0, in: bytes)
            var count = put(low, at: 2, in: bytes)
            count = put(high, at: count, in: bytes)
            bytes[count] = proto
            bytes[count + 1] = 0
            count += 2
            if ports != nil {
                put(lowPort, at: count, in: bytes)
                put(highPort, at: count + 2, in: bytes)
                count += 4
            }
            // SHA1_Init/Update/Final on a stack SHA_CTX: OpenSSL 3's one-shot SHA1() goes
            // through EVP_Q_digest, which fetches the algorithm and mallocs a context (three
            // allocations a line, measured with the judge-and-log benchmark).
            var context = SHA_CTX()
            _ = SHA1_Init(&context)
            _ = SHA1_Update(&context, bytes.baseAddress, count)
            withUnsafeMutableBytes(of: &digest) { sum in
                _ = SHA1_Final(sum.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
            }
        }
        out[0] = UInt8(ascii: "1")
        out[1] = UInt8(ascii: ":")
        withUnsafeBytes(of: &digest) { sum in
            base64(UnsafeRawBufferPointer(rebasing: sum[0..<20]), into: UnsafeMutableRawBufferPointer(rebasing: out[2...]))
        }
    }

    /// The encoded value as a `String` (tests and tools; the log writes bytes).
    public static func string(
        seed: UInt16 = 0, source: IPv4Address, destination: IPv4Address, proto: UInt8, ports: Ports?
    ) -> String {
        string(seed: seed, source: .v4(source), destination: .v4(destination), proto: proto, ports: ports)
    }

    /// The encoded value for addresses of either family, as a `String`.
    public static func string(
        seed: UInt16 = 0, source: IPAddress, destination: IPAddress, proto: UInt8, ports: Ports?
    ) -> String {
        var bytes = [UInt8](repeating: 0, count: encodedLength)
        bytes.withUnsafeMutableBytes {
            encode(seed: seed, source: source, destination: destination, proto: proto, ports: ports, into: $0)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the address's network-order bytes at `offset`; returns the offset after them.
    private static func put(_ address: IPAddress, at offset: Int, in bytes: UnsafeMutableRawBufferPointer) -> Int {
        switch address {
        case .v4(let v4):
            put(v4.rawValue, at: offset, in: bytes)
            return offset + 4
        case .v6(let v6):
            put(v6.high, at: offset, in: bytes)
            put(v6.low, at: offset + 8, in: bytes)
            return offset + 16
        }
    }

    private static func put<I: FixedWidthInteger>(_ value: I, at offset: Int, in bytes: UnsafeMutableRawBufferPointer) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
    }

    /// Standard base64 (RFC 4648 §4) with `=` padding; `out` holds `4 * ceil(n / 3)` bytes.
    static func base64(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        alphabet.withUTF8Buffer { table in
            var at = 0
            var index = 0
            while index < input.count {
                let remaining = input.count - index
                let b0 = UInt32(input[index])
                let b1 = remaining > 1 ? UInt32(input[index + 1]) : 0
                let b2 = remaining > 2 ? UInt32(input[index + 2]) : 0
                let group = b0 << 16 | b1 << 8 | b2
                out[at] = table[Int(group >> 18 & 0x3F)]
                out[at + 1] = table[Int(group >> 12 & 0x3F)]
                out[at + 2] = remaining > 1 ? table[Int(group >> 6 & 0x3F)] : UInt8(ascii: "=")
                out[at + 3] = remaining > 2 ? table[Int(group & 0x3F)] : UInt8(ascii: "=")
                at += 4
                index += 3
            }
        }
    }
}
