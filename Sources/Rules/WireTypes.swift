// TEMPORARY: replaced by Wire's types at merge. Rules uses only the members declared here
// (rawValue, the initialisers, the protocol constants), which Wire provides too. Every file that
// names these types already says `import Wire`, so the merge deletes this file and
// Tests/RulesTests/WireTypesTests.swift and changes nothing else.

/// An IPv4 address in host order: `10.0.0.1` is `0x0A000001`.
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a strict dotted quad: four decimal octets of 0...255, no leading zeros, nothing else.
    public init?(_ text: Substring) {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // A leading zero is rejected: inet_aton would read "010" as octal.
                if digits > 0 && current == 0 { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if current > 255 { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1
                current = 0
                digits = 0
            default:
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        rawValue = value << 8 | current
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// The IPv4 protocol number, open so that an unknown value can still be carried.
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let icmp = Self(rawValue: 1), tcp = Self(rawValue: 6), udp = Self(rawValue: 17)
}
