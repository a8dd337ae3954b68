/// The IPv4 protocol number (RFC 791 §3.1, IANA "Assigned Internet Protocol Numbers").
/// Open, so that an unsupported number can still be carried and logged; which ones are
/// accepted is decided in `Datagram` alone.
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let icmp = Self(rawValue: 1)
    /// RFC 1112, RFC 2236, RFC 3376.
    public static let igmp = Self(rawValue: 2)
    public static let tcp = Self(rawValue: 6)
    public static let udp = Self(rawValue: 17)
    /// RFC 4303.
    public static let esp = Self(rawValue: 50)
    /// RFC 4302.
    public static let ah = Self(rawValue: 51)
    /// RFC 3768, RFC 9568.
    public static let vrrp = Self(rawValue: 112)
    /// RFC 9260.
    public static let sctp = Self(rawValue: 132)
    /// ICMP for IPv6 (RFC 4443); "IPv6-ICMP" in the IANA registry.
    public static let icmpv6 = Self(rawValue: 58)

    /// The lower-case keyword used in rules and logs ("icmp", "tcp", "udp"), or nil for others.
    public var name: String? {
        switch self {
        case .icmp: "icmp"
        case .igmp: "igmp"
        case .tcp: "tcp"
        case .udp: "udp"
        case .esp: "esp"
        case .ah: "ah"
        case .vrrp: "vrrp"
        case .sctp: "sctp"
        case .icmpv6: "icmp6"
        default: nil
        }
    }

    /// The protocol a rule keyword names, or nil when the keyword is not one of ours.
    public init?(name: Substring) {
        switch name {
        case "icmp": self = .icmp
        case "igmp": self = .igmp
        case "tcp": self = .tcp
        case "udp": self = .udp
        case "esp": self = .esp
        case "ah": self = .ah
        case "vrrp": self = .vrrp
        case "sctp": self = .sctp
        default: return nil
        }
    }
}

extension IPProtocol: CustomStringConvertible {
    /// The keyword, or the decimal number for protocols without one.
    public var description: String {
        name ?? String(rawValue)
    }
}
