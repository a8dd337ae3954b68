import Wire

/// How addresses of both families become one number per field, so that one `ValueSet` (and
/// the index, the shadowing analysis and `explain`) serves IPv4 and IPv6 alike.
///
/// An IPv6 address is its own 128-bit value; an IPv4 address a.b.c.d is the key of the
/// IPv4-mapped address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). No decoded IPv6 packet carries an
/// IPv4-mapped address (Wire refuses it as source and destination: `ipv4-mapped-address`), so
/// the keys of the two families never meet: an IPv4 network matches no IPv6 packet and an IPv6
/// network no IPv4 packet. The checker keeps the mapped range out of IPv6 networks in rules
/// (`::/0` is every IPv6 address, not the IPv4 ones), and `inet`/`inet6` restrict the source
/// address to one family's keys.
public enum AddressKey {
    /// The key of 0.0.0.0.
    static let ipv4Base: UInt128 = 0xFFFF << 32
    /// Every IPv4 address's key.
    public static let ipv4: ClosedRange<UInt128> = ipv4Base...(ipv4Base | 0xFFFF_FFFF)
    /// Every IPv6 address's key (the whole domain but `ipv4`).
    public static let ipv6 = ValueSet([AddressKey.ipv4]).complement(in: 0...UInt128.max)

    @inline(__always)
    public static func key(_ address: IPv4Address) -> UInt128 {
        ipv4Base | UInt128(address.rawValue)
    }

    @inline(__always)
    public static func key(_ address: IPAddress) -> UInt128 {
        switch address {
        case .v4(let v4): ipv4Base | UInt128(v4.rawValue)
        case .v6(let v6): v6.rawValue
        }
    }

    /// The address a key stands for (the inverse of `key`).
    public static func address(_ key: UInt128) -> IPAddress {
        ipv4.contains(key) ? .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: key))) : .v6(IPv6Address(rawValue: key))
    }

    /// The keys of an IPv6 network (`prefix` 0...128, host bits cleared): its interval, less
    /// the IPv4 keys when it covers ::ffff:0:0/96 (`::/0`, `::/80`, ...).
    public static func keys(_ network: IPv6Address, prefix: UInt8) -> ValueSet {
        let low = network.rawValue & mask(prefix)
        return ValueSet([low...(low | ~mask(prefix))]).intersection(ipv6)
    }

    /// `network` with the bits beyond `prefix` cleared.
    public static func network(_ address: IPv6Address, prefix: UInt8) -> IPv6Address {
        IPv6Address(rawValue: address.rawValue & mask(prefix))
    }

    /// The netmask of an IPv6 prefix length (a length above 128 is read as 128).
    static func mask(_ prefix: UInt8) -> UInt128 {
        prefix == 0 ? 0 : UInt128.max << (128 - UInt128(min(prefix, 128)))
    }

    /// Which families a set of address keys holds addresses of.
    static func families(_ set: ValueSet) -> (ipv4: Bool, ipv6: Bool) {
        (set.intersects(ValueSet([ipv4])), set.intersects(ipv6))
    }

    /// The share of a field's values a set of address keys accepts, each family weighed as
    /// half of the field: an `inet` rule narrows the source to a half, not to 2^-96 of it (for
    /// `RuleIndex`'s choice of key field).
    static func share(_ set: ValueSet) -> Double {
        var ipv4Size = 0.0
        var total = 0.0
        for range in set.ranges {
            total += Double(range.upperBound - range.lowerBound) + 1
            let low = max(range.lowerBound, ipv4.lowerBound), high = min(range.upperBound, ipv4.upperBound)
            if low <= high { ipv4Size += Double(high - low) + 1 }
        }
        let ipv6Size = max(0, total - ipv4Size)
        return (ipv4Size / 0x1_0000_0000 + ipv6Size / 0x1p128) / 2
    }
}
