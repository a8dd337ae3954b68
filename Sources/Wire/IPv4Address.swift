/// An IPv4 address held as its numeric value in host order: 10.0.0.1 is `0x0A00_0001`,
/// so addresses compare and mask numerically.
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a strict dotted quad: exactly four decimal parts in 0...255, each either "0"
    /// or without leading zeros, nothing else (no spaces, signs, hex or shortened forms).
    /// Leading zeros are refused because some parsers read them as octal (inet_aton).
    public init?(_ text: Substring) {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        for unit in text.utf8 {
            switch unit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if leadingZero || digits == 3 { return nil }
                if digits == 0 && unit == UInt8(ascii: "0") { leadingZero = true }
                part = part * 10 + UInt32(unit - UInt8(ascii: "0"))
                digits += 1
                if part > 255 { return nil }
            case UInt8(ascii: "."):
                if digits == 0 || parts == 3 { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
                leadingZero = false
            default:
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        rawValue = value << 8 | part
    }

    /// Convenience for `String` input; same rules as the `Substring` initializer.
    public init?(_ text: String) {
        self.init(Substring(text))
    }

    /// The four bytes in network order.
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

extension IPv4Address: CustomStringConvertible {
    /// The dotted quad, e.g. "10.0.0.1".
    public var description: String {
        let (a, b, c, d) = octets
        return "\(a).\(b).\(c).\(d)"
    }
}
