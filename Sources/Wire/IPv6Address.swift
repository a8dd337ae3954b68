/// An IPv6 address held as its 128-bit numeric value: fd00::1 is `0xFD00_0000_…_0001`, so
/// addresses compare and mask numerically (as `IPv4Address` does with 32 bits).
public struct IPv6Address: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt128

    public init(rawValue: UInt128) {
        self.rawValue = rawValue
    }

    /// The address from its high and low 64 bits.
    public init(high: UInt64, low: UInt64) {
        rawValue = UInt128(high) << 64 | UInt128(low)
    }

    /// The unspecified address `::` (RFC 4291 §2.5.2).
    public static let unspecified = IPv6Address(rawValue: 0)

    public var high: UInt64 { UInt64(truncatingIfNeeded: rawValue >> 64) }
    public var low: UInt64 { UInt64(truncatingIfNeeded: rawValue) }

    /// The 16-bit group `index` (0 is the leftmost).
    public func group(_ index: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: rawValue >> UInt128(112 - 16 * index))
    }

    /// ff00::/8 (RFC 4291 §2.7).
    public var isMulticast: Bool { rawValue >> 120 == 0xFF }
    /// `::` (RFC 4291 §2.5.2).
    public var isUnspecified: Bool { rawValue == 0 }
    /// ::ffff:0:0/96 (RFC 4291 §2.5.5.2).
    public var isIPv4Mapped: Bool { rawValue >> 32 == 0xFFFF }
    /// fe80::/10 (RFC 4291 §2.5.6).
    public var isLinkLocal: Bool { rawValue >> 118 == 0x3FA }
    /// ff02::1:ff00:0/104, the solicited-node multicast addresses (RFC 4291 §2.7.1).
    public var isSolicitedNodeMulticast: Bool { rawValue >> 24 == 0xFF02_0000_0000_0000_0000_0001_FF }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Parses the text forms of RFC 4291 §2.2: eight groups of 1–4 hex digits separated by
    /// colons, at most one `::` standing for one or more zero groups, and optionally a strict
    /// dotted quad in place of the last two groups. Nothing else: no zone (`%eth0`), no
    /// brackets, no prefix length, no five-digit group.
    public init?(_ text: Substring) {
        var groups = InlineArray<8, UInt16>(repeating: 0)
        var count = 0
        var gap: Int?
        var rest = text.utf8[...]
        if rest.starts(with: "::".utf8) {
            gap = 0
            rest = rest.dropFirst(2)
        }
        while !rest.isEmpty {
            guard count < 8 else { return nil }
            let end = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let part = rest[rest.startIndex..<end]
            if end == rest.endIndex, part.contains(UInt8(ascii: ".")) {
                guard count <= 6, let v4 = IPv4Address(Substring(part)) else { return nil }
                groups[count] = UInt16(truncatingIfNeeded: v4.rawValue >> 16)
                groups[count + 1] = UInt16(truncatingIfNeeded: v4.rawValue)
                count += 2
                rest = rest[end...]
                break
            }
            guard let value = Self.hexGroup(part) else { return nil }
            groups[count] = value
            count += 1
            rest = rest[end...]
            if rest.starts(with: "::".utf8) {
                guard gap == nil else { return nil }
                gap = count
                rest = rest.dropFirst(2)
            } else if !rest.isEmpty {
                rest = rest.dropFirst()
                guard !rest.isEmpty else { return nil }  // a trailing single colon
            }
        }
        guard let value = Self.assemble(groups, count: count, gap: gap) else { return nil }
        rawValue = value
    }

    /// Convenience for `String` input; same rules as the `Substring` initializer.
    public init?(_ text: String) {
        self.init(Substring(text))
    }

    private static func hexGroup(_ digits: Substring.UTF8View.SubSequence) -> UInt16? {
        guard (1...4).contains(digits.count) else { return nil }
        var value: UInt16 = 0
        for unit in digits {
            let digit: UInt8
            switch unit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = unit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = unit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = unit - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Places the groups before the gap at the left and the rest at the right; without a gap
    /// there must be exactly eight, with one at most seven (`::` stands for at least one group).
    private static func assemble(_ groups: InlineArray<8, UInt16>, count: Int, gap: Int?) -> UInt128? {
        var value: UInt128 = 0
        if let gap {
            guard count <= 7 else { return nil }
            for index in 0..<count {
                let position = index < gap ? index : index + 8 - count
                value |= UInt128(groups[index]) << UInt128(112 - 16 * position)
            }
        } else {
            guard count == 8 else { return nil }
            for index in 0..<8 { value |= UInt128(groups[index]) << UInt128(112 - 16 * index) }
        }
        return value
    }
}

extension IPv6Address: CustomStringConvertible {
    /// The RFC 5952 form: lower-case hex without leading zeros, the longest run of two or more
    /// zero groups (the first of equal runs) shortened to `::`, and an IPv4-mapped address
    /// written with its dotted quad (§5), e.g. "fd00::1", "2001:db8::1:0:0:1", "::ffff:10.0.0.1".
    public var description: String {
        if isIPv4Mapped {
            return "::ffff:" + IPv4Address(rawValue: UInt32(truncatingIfNeeded: rawValue)).description
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0..<8 {
            if group(index) == 0 {
                if runStart < 0 { runStart = index }
                let length = index - runStart + 1
                if length > bestLength { bestStart = runStart; bestLength = length }
            } else {
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }  // §4.2.2: one zero group is not shortened
        var text = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(group(index), radix: 16)
            index += 1
        }
        return text
    }
}
