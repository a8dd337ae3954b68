/// An address of either family, for what judges both (rules, logs, reports). Addresses of
/// different families never compare equal; all IPv4 addresses order before all IPv6 ones.
public enum IPAddress: Hashable, Comparable, Sendable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses a strict dotted quad (`IPv4Address`) or an RFC 4291 §2.2 text form (`IPv6Address`).
    public init?(_ text: Substring) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let address = IPv6Address(text) else { return nil }
            self = .v6(address)
        } else {
            guard let address = IPv4Address(text) else { return nil }
            self = .v4(address)
        }
    }

    public init?(_ text: String) {
        self.init(Substring(text))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// The dotted quad, or the RFC 5952 form.
    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }
}
