import Wire

extension Diagnostic.Message {
    /// What the lexer, parser and checker say about IPv6 addresses and address families.
    public enum IPv6Message: Equatable, Sendable, CustomStringConvertible {
        /// Not an RFC 4291 §2.2 text form.
        case invalidAddress(String)
        case prefixOutOfRange(String)
        /// A warning, like the IPv4 one.
        case hostBitsSet(IPv6Address, prefix: UInt8)
        /// An address or network inside ::ffff:0:0/96, which no decoded packet carries.
        case ipv4MappedAddress(String)
        /// `from` names addresses of one family only and `to` of the other only.
        case familiesDiffer(from: AddressFamily, to: AddressFamily)
        /// `inet`/`inet6` with addresses of the other family only.
        case familyExcludesAddresses(AddressFamily)
        /// `icmp` with IPv6 addresses only (or `inet6`), `icmp6` with IPv4 ones only (or `inet`).
        case icmpFamily(proto: IPProtocol, addresses: AddressFamily)
        /// A name `accept ipv6-headers` does not know.
        case unknownHeader(String)

        public var severity: Diagnostic.Severity {
            if case .hostBitsSet = self { return .warning }
            return .error
        }

        public var description: String {
            switch self {
            case .invalidAddress(let text):
                "invalid IPv6 address '\(text)'"
            case .prefixOutOfRange(let text):
                "CIDR prefix /\(text) is out of range for IPv6 (0-128)"
            case .hostBitsSet(let address, let prefix):
                "\(address)/\(prefix) has host bits set; it means \(AddressKey.network(address, prefix: prefix))/\(prefix)"
            case .ipv4MappedAddress(let text):
                "\(text) is an IPv4-mapped address, which the decoder refuses in packets; write the IPv4 address"
            case .familiesDiffer(let from, let to):
                "'from' has only \(Self.name(from)) addresses and 'to' only \(Self.name(to)) ones; no packet can match"
            case .familyExcludesAddresses(let family):
                "'\(family.rawValue)' rule has only \(Self.name(family == .inet ? .inet6 : .inet)) addresses; it can never match"
            case .icmpFamily(let proto, let addresses):
                proto == .icmp
                    ? "'icmp' is ICMP for IPv4, but this rule is for \(Self.name(addresses)) only; write 'icmp6'"
                    : "'icmp6' is ICMP for IPv6, but this rule is for \(Self.name(addresses)) only; write 'icmp'"
            case .unknownHeader(let name):
                "unknown IPv6 extension header '\(name)'; accepted are hop-by-hop, destination-options and routing-N (N 1-255)"
            }
        }

        static func name(_ family: AddressFamily) -> String {
            family == .inet ? "IPv4" : "IPv6"
        }
    }
}
