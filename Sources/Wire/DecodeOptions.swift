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

    public init(allowFragments: Bool = false, allowedIPOptionTypes: IPOptionTypes = IPOptionTypes()) {
        self.allowFragments = allowFragments
        self.allowedIPOptionTypes = allowedIPOptionTypes
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
