import Wire

/// An address or network of either family that `report --src` / `--dst` select by:
/// `10.1.0.0/24`, `10.1.0.7`, `fd00::/8`, `2001:db8::1`.
///
/// Host bits past the prefix are cleared (`fd00::1/8` selects `fd00::/8`), as a rule's
/// address does. A network of one family never contains an address of the other: an
/// IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, RFC 4291 §2.5.5.2) is an IPv6 address here,
/// as it is in the verdict log.
public struct ReportNetwork: Sendable, Equatable, Hashable {
    /// The network with its host bits cleared.
    public let address: IPAddress
    /// 0...32 for IPv4, 0...128 for IPv6.
    public let prefix: UInt8

    /// `nil` when `prefix` is longer than the family's address.
    public init?(address: IPAddress, prefix: UInt8) {
        switch address {
        case .v4(let v4):
            guard prefix <= 32 else { return nil }
            let mask: UInt32 = prefix == 0 ? 0 : ~0 << (32 - UInt32(prefix))
            self.address = .v4(IPv4Address(rawValue: v4.rawValue & mask))
        case .v6(let v6):
            guard prefix <= 128 else { return nil }
            self.address = .v6(IPv6Address(rawValue: v6.rawValue & Self.mask128(prefix)))
        }
        self.prefix = prefix
    }

    /// Parses `ADDRESS` or `ADDRESS/N`: a strict dotted quad, or an RFC 4291 §2.2 text form
    /// (no zone, no brackets); N in decimal without a sign. `nil` when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let full: UInt8 = if case .v4 = address { 32 } else { 128 }
        guard parts.count == 2 else {
            self.init(address: address, prefix: full)
            return
        }
        let digits = parts[1]
        guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let prefix = UInt8(digits) else { return nil }
        self.init(address: address, prefix: prefix)
    }

    /// Whether `candidate` is in the network (always false across families).
    public func contains(_ candidate: IPAddress) -> Bool {
        switch (address, candidate) {
        case (.v4(let network), .v4(let other)):
            let mask: UInt32 = prefix == 0 ? 0 : ~0 << (32 - UInt32(prefix))
            return other.rawValue & mask == network.rawValue
        case (.v6(let network), .v6(let other)):
            return other.rawValue & Self.mask128(prefix) == network.rawValue
        default:
            return false
        }
    }

    static func mask128(_ prefix: UInt8) -> UInt128 {
        prefix == 0 ? 0 : ~UInt128(0) << (128 - UInt128(prefix))
    }
}

extension ReportNetwork: CustomStringConvertible {
    /// `10.1.0.0/24`, `fd00::/8`: the address in RFC 5952 form (for IPv6) with its prefix.
    public var description: String { "\(address)/\(prefix)" }
}
