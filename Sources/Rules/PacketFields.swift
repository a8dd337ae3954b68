import Wire

/// The fields of a decoded packet that rules match on.
public struct PacketFields: Equatable, Sendable {
    public var proto: IPProtocol
    /// Either family; a rule's addresses are keyed so that one of one family never matches
    /// an address of the other (`AddressKey`).
    public var source: IPAddress
    public var destination: IPAddress
    /// `nil` for a protocol without ports (ICMP) and for a non-first fragment; a port rule
    /// never matches such a packet.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// `nil` when the kernel gave no interface (index 0) or its name is unknown.
    public var inInterface: InterfaceName?
    public var outInterface: InterfaceName?
    /// The TCP flags byte (FIN 0x01 ... CWR 0x80); `nil` unless the packet is TCP.
    public var tcpFlags: UInt8?
    /// `nil` unless the packet is ICMP or ICMPv6 (which one the protocol says).
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    /// `nil` when the kernel attached no connection tracking information; no `state` rule
    /// matches such a packet.
    public var connectionState: ConnectionState?
    /// The IPv4 total length, or the IPv6 packet's length (40 + payload length).
    public var length: UInt32
    /// The IPv4 TTL or the IPv6 hop limit.
    public var ttl: UInt8
    public var mark: UInt32
    /// The packet a tunnel carries: its protocol, addresses (IPv4, or IPv6 in a 6in4 or GRE
    /// tunnel; all nil when the packet is not tunnelled) and its TCP, UDP or SCTP ports.
    public var innerProto: IPProtocol? = nil
    public var innerSource: IPAddress? = nil
    public var innerDestination: IPAddress? = nil
    public var innerSourcePort: UInt16? = nil
    public var innerDestinationPort: UInt16? = nil
    /// DNS, for a UDP datagram `inspect dns` decoded (nil and 0 otherwise): the question's
    /// type, a response's 12-bit RCODE (nil for a query), and one bit per DNS list of the
    /// program (`DNSRules`): bit k of `dnsNameHits` when list k holds the question name, of
    /// `dnsAddressHits` when address list k holds an A or AAAA answer.
    public var dnsType: UInt16?
    public var dnsRCode: UInt16?
    public var dnsNameHits: UInt64 = 0
    public var dnsAddressHits: UInt64 = 0

    public init(
        proto: IPProtocol, source: IPAddress, destination: IPAddress,
        sourcePort: UInt16?, destinationPort: UInt16?,
        inInterface: InterfaceName? = nil, outInterface: InterfaceName? = nil,
        tcpFlags: UInt8? = nil, icmpType: UInt8? = nil, icmpCode: UInt8? = nil,
        connectionState: ConnectionState? = nil, length: UInt32 = 0, ttl: UInt8 = 64, mark: UInt32 = 0
    ) {
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.tcpFlags = tcpFlags
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.connectionState = connectionState
        self.length = length
        self.ttl = ttl
        self.mark = mark
    }

    /// An IPv4 packet's fields (the addresses wrapped as `IPAddress.v4`).
    public init(
        proto: IPProtocol, source: IPv4Address, destination: IPv4Address,
        sourcePort: UInt16?, destinationPort: UInt16?,
        inInterface: InterfaceName? = nil, outInterface: InterfaceName? = nil,
        tcpFlags: UInt8? = nil, icmpType: UInt8? = nil, icmpCode: UInt8? = nil,
        connectionState: ConnectionState? = nil, length: UInt32 = 0, ttl: UInt8 = 64, mark: UInt32 = 0
    ) {
        self.init(
            proto: proto, source: .v4(source), destination: .v4(destination), sourcePort: sourcePort,
            destinationPort: destinationPort, inInterface: inInterface, outInterface: outInterface,
            tcpFlags: tcpFlags, icmpType: icmpType, icmpCode: icmpCode, connectionState: connectionState,
            length: length, ttl: ttl, mark: mark)
    }

    /// The numeric value of a field other than the interfaces, as `Field.domain` describes.
    @inline(__always)
    func key(_ field: Field) -> UInt128 {
        switch field {
        case .proto: UInt128(proto.rawValue)
        case .source: AddressKey.key(source)
        case .destination: AddressKey.key(destination)
        case .sourcePort: sourcePort.map { UInt128($0) } ?? Field.noPort
        case .destinationPort: destinationPort.map { UInt128($0) } ?? Field.noPort
        case .tcpFlags: tcpFlags.map { UInt128($0) } ?? Field.notApplicable
        case .icmpType: icmpType.map { UInt128($0) } ?? Field.notApplicable
        case .icmpCode: icmpCode.map { UInt128($0) } ?? Field.notApplicable
        case .state: connectionState.map { UInt128($0.rawValue) } ?? Field.noState
        case .length: UInt128(length)
        case .ttl: UInt128(ttl)
        case .mark: UInt128(mark)
        case .dnsType: dnsType.map { UInt128($0) } ?? Field.noDNSType
        case .dnsRCode: dnsRCode.map { UInt128($0) } ?? Field.noDNSRCode
        case .inInterface, .outInterface: 0
        case .innerProto: innerProto.map { UInt128($0.rawValue) } ?? Field.notApplicable
        case .innerSource: innerSource.map { AddressKey.key($0) } ?? Field.noInnerSource
        case .innerDestination: innerDestination.map { AddressKey.key($0) } ?? Field.noInnerDestination
        case .innerSourcePort: innerSourcePort.map { UInt128($0) } ?? Field.noPort
        case .innerDestinationPort: innerDestinationPort.map { UInt128($0) } ?? Field.noPort
        }
    }
}

/// A network interface name (at most IFNAMSIZ − 1 = 15 bytes), stored inline: no heap.
public struct InterfaceName: Hashable, Sendable, Comparable, CustomStringConvertible {
    private var low: UInt64
    private var high: UInt64

    /// Nil when `text` is empty, longer than 15 bytes, or has a byte an interface name cannot
    /// (NUL, `/`, blanks; the kernel's `dev_valid_name`).
    public init?(_ text: Substring) {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 15, text != ".", text != ".." else { return nil }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            guard byte > 0x20, byte != UInt8(ascii: "/"), byte != UInt8(ascii: ":"), byte < 0x7F else { return nil }
            if index < 8 {
                low |= UInt64(byte) << (8 * UInt64(index))
            } else {
                high |= UInt64(byte) << (8 * UInt64(index - 8))
            }
        }
        self.low = low
        self.high = high
    }

    public init?(_ text: String) {
        self.init(Substring(text))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.low, lhs.high) < (rhs.low, rhs.high)
    }

    /// The name's bytes as stored: bytes 0-7 in `low`, 8-15 in `high`, first byte lowest.
    var words: (low: UInt64, high: UInt64) { (low, high) }

    public var description: String {
        var bytes: [UInt8] = []
        for index in 0..<16 {
            let word = index < 8 ? low : high
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            if byte == 0 { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The connection tracking state of a packet, as `state` matches it.
public enum ConnectionState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case new = 0, established, related, invalid

    /// From the kernel's `enum ip_conntrack_info` (NFQA_CT_INFO): 0 IP_CT_ESTABLISHED and
    /// 3 IP_CT_ESTABLISHED_REPLY are established, 1 IP_CT_RELATED and 4 IP_CT_RELATED_REPLY
    /// related, 2 IP_CT_NEW new. Anything else (7 IP_CT_UNTRACKED) gives nil: no state.
    public init?(conntrackInfo: UInt32) {
        switch conntrackInfo {
        case 0, 3: self = .established
        case 1, 4: self = .related
        case 2: self = .new
        default: return nil
        }
    }

    /// The state from three bits of the packet mark, for kernels that cannot attach conntrack
    /// state to queued packets (`run --state-mark-shift`): the operator's iptables rules,
    /// before the NFQUEUE rule, write 1 for new, 2 established, 3 related and 4 invalid
    /// (docs/operations.md). 0 — no marking rule matched — and 5 to 7 give nil: no state, so
    /// no `state` rule matches.
    public init?(markBits: UInt32) {
        switch markBits {
        case 1: self = .new
        case 2: self = .established
        case 3: self = .related
        case 4: self = .invalid
        default: return nil
        }
    }

    /// The name a rule uses.
    public init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = state
    }

    public var description: String {
        switch self {
        case .new: "new"
        case .established: "established"
        case .related: "related"
        case .invalid: "invalid"
        }
    }
}

extension PacketFields {
    /// The inner fields from the packet a tunnel carries.
    public mutating func setInner(_ inner: InnerPacket) {
        innerProto = inner.proto
        innerSource = inner.source
        innerDestination = inner.destination
        innerSourcePort = inner.sourcePort
        innerDestinationPort = inner.destinationPort
    }
}
