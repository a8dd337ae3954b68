/// What the ruleset lets through that the decoder refuses by default.
///
/// Rules directives (`accept fragments`, `accept ip-options { ... }`) produce one of these;
/// the decoder consults it. Source-route options are never allowed, whatever this says.
public struct DecodeOptions: Equatable, Sendable {
    /// Accept IPv4 fragments (first and non-first) instead of dropping them as `fragment`.
    public var allowFragments: Bool
    /// IPv4 option types (the whole type byte, RFC 791 §3.1: copied flag, class, number;
    /// e.g. 148 for router alert, RFC 2113) that may pass. A 256-bit set, one bit a type.
    public var allowedIPOptionTypes: IPOptionTypes
    /// IPv6 extension headers that may pass (`accept ipv6-headers { ... }`). `allowFragments`
    /// governs IPv6 fragments as it does IPv4 ones.
    public var allowedIPv6Headers: IPv6HeaderAllowances

    public init(
        allowFragments: Bool = false, allowedIPOptionTypes: IPOptionTypes = IPOptionTypes(),
        allowedIPv6Headers: IPv6HeaderAllowances = IPv6HeaderAllowances()
    ) {
        self.allowFragments = allowFragments
        self.allowedIPOptionTypes = allowedIPOptionTypes
        self.allowedIPv6Headers = allowedIPv6Headers
    }
}

/// The IPv6 extension headers a ruleset accepts by name; none by default. A header is judged
/// for structure first, whatever this says, and a type 0 routing header is never accepted
/// (RFC 5095).
public struct IPv6HeaderAllowances: Equatable, Hashable, Sendable {
    /// `hop-by-hop`: a hop-by-hop options header (RFC 8200 §4.3).
    public var hopByHop: Bool
    /// `destination-options`: destination options headers (RFC 8200 §4.6).
    public var destinationOptions: Bool
    /// `routing-N`: routing headers of type N (RFC 8200 §4.4); the bit for 0 is never consulted.
    public var routingTypes: IPOptionTypes

    public init(hopByHop: Bool = false, destinationOptions: Bool = false, routingTypes: IPOptionTypes = IPOptionTypes()) {
        self.hopByHop = hopByHop
        self.destinationOptions = destinationOptions
        self.routingTypes = routingTypes
    }

    /// Adds the header a rules keyword names (`hop-by-hop`, `destination-options`, `routing-N`
    /// with N in 1...255); false when the keyword names none (`routing-0` included).
    @discardableResult
    public mutating func insert(name: Substring) -> Bool {
        switch name {
        case "hop-by-hop": hopByHop = true
        case "destination-options": destinationOptions = true
        default:
            guard name.hasPrefix("routing-"), let type = UInt8(name.dropFirst("routing-".count)), type != 0,
                  name.dropFirst("routing-".count).first != "0" else { return false }
            routingTypes.insert(type)
        }
        return true
    }
}

/// A set of IPv4 option type bytes, stored inline (no allocation).
public struct IPOptionTypes: Equatable, Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    public init(_ types: some Sequence<UInt8>) {
        for type in types { insert(type) }
    }

    public func contains(_ type: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    public mutating func insert(_ type: UInt8) {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    public var isEmpty: Bool { words == (0, 0, 0, 0) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.words == rhs.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
