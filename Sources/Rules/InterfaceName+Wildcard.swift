/// iptables' interface wildcard (iptables(8), `-i`: "If the interface name ends in a '+',
/// then any interface which begins with this name will match"): `eth+` in a rule matches
/// `eth0`, `eth1.100` and `eth` itself. pf's interface groups (`on egress`, `on em`) have no
/// Linux counterpart the kernel tells a queue about; write the wildcard instead.
extension InterfaceName {
    /// Whether this name, as written in a rule, ends in `+`.
    public var isWildcard: Bool {
        length > 0 && byte(at: length - 1) == UInt8(ascii: "+")
    }

    /// Whether a packet's interface `name` is this one: equal, or for a wildcard, starting
    /// with the part before the `+`. No allocation (the index calls it per packet).
    @inline(__always)
    public func matches(_ name: InterfaceName) -> Bool {
        guard isWildcard else { return self == name }
        return name.hasPrefix(self, length: length - 1)
    }

    /// Whether this name starts with the first `count` bytes of `prefix`.
    @inline(__always)
    func hasPrefix(_ prefix: InterfaceName, length count: Int) -> Bool {
        let lowBytes = min(count, 8)
        let highBytes = max(count - 8, 0)
        let lowMask: UInt64 = lowBytes == 8 ? ~0 : (1 << (8 * UInt64(lowBytes))) - 1
        let highMask: UInt64 = highBytes >= 8 ? ~0 : (1 << (8 * UInt64(highBytes))) - 1
        return words.low & lowMask == prefix.words.low & lowMask && words.high & highMask == prefix.words.high & highMask
    }

    /// The name's length in bytes (at most 15).
    var length: Int {
        var count = 0
        while count < 16, byte(at: count) != 0 { count += 1 }
        return count
    }

    func byte(at index: Int) -> UInt8 {
        let word = index < 8 ? words.low : words.high
        return UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
    }
}
