/// What the rebuild changes in an accepted packet, one flag per kind of change.
///
/// The decoder sets these while it parses: each decoded header already holds the normalized
/// value (reserved bits cleared, unknown options gone, …), so `Datagram.emit` produces the
/// normalized packet, and a datagram whose set is empty re-emits to exactly the bytes received
/// (unless its transport checksum was partial, see `transportChecksum`). The names are the
/// log's `normalized` values: stable, snake_case.
public struct Normalizations: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The IPv4 reserved ("evil") flag bit was set; it is cleared (RFC 791 §3.1).
    public static let ipv4ReservedFlag = Self(rawValue: 1 << 0)
    /// Bytes after an IPv4 end-of-option-list were not zero; they are zeroed.
    public static let ipOptionPadding = Self(rawValue: 1 << 1)
    /// A valid IPv4 header checksum was written as 0xFFFF (one's complement negative zero);
    /// it is written as the 0x0000 that RFC 1071 computes.
    public static let ipv4Checksum = Self(rawValue: 1 << 2)
    /// The three reserved TCP header bits (byte 12 bits 1–3) were not zero; they are cleared
    /// (RFC 9293 §3.1). AE (bit 0, Accurate ECN) is kept as received.
    public static let tcpReservedBits = Self(rawValue: 1 << 3)
    /// URG was off but the urgent pointer was not zero; it is zeroed (RFC 9293 §3.1).
    public static let tcpUrgentPointer = Self(rawValue: 1 << 4)
    /// TCP options of kinds Portcullis does not know were removed.
    public static let tcpUnknownOptions = Self(rawValue: 1 << 5)
    /// Bytes after a TCP end-of-option-list were not zero; they are zeroed.
    public static let tcpAfterEOL = Self(rawValue: 1 << 6)
    /// The transport checksum was rewritten: a valid TCP or ICMP checksum sent as 0xFFFF is
    /// written as 0x0000, and a partial checksum (kernel CSUMNOTREADY) is completed by the
    /// engine when the packet changed and the kernel can no longer complete it.
    public static let transportChecksum = Self(rawValue: 1 << 7)
    /// The reserved fields of an IPv6 fragment header were not zero; they are cleared (RFC 8200 §4.5).
    public static let ipv6FragmentReserved = Self(rawValue: 1 << 8)
    /// The reserved field of a type 2 routing header was not zero; it is cleared (RFC 6275 §6.4).
    public static let ipv6RoutingReserved = Self(rawValue: 1 << 9)
    /// Unused or reserved bits in bytes 4–7 of an ICMPv6 message were not zero; they are
    /// cleared (RFC 4443 §3.1, §3.3; RFC 4861 §4.1, §4.3–§4.5; RFC 2710 §3; RFC 3810 §5.2).
    public static let icmpv6Reserved = Self(rawValue: 1 << 10)
    /// GRE reserved bits 6–12 or reserved1 were not zero; they are cleared (RFC 2784 §2.3, §2.6:
    /// sent as zero, ignored on receipt).
    public static let greReserved = Self(rawValue: 1 << 11)

    /// Names as logged, in a fixed order.
    public static let names: [(Normalizations, String)] = [
        (.ipv4ReservedFlag, "ipv4_reserved_flag"),
        (.ipOptionPadding, "ip_option_padding"),
        (.ipv4Checksum, "ipv4_checksum"),
        (.tcpReservedBits, "tcp_reserved_bits"),
        (.tcpUrgentPointer, "tcp_urgent_pointer"),
        (.tcpUnknownOptions, "tcp_unknown_options"),
        (.tcpAfterEOL, "tcp_after_eol"),
        (.transportChecksum, "transport_checksum"),
        (.ipv6FragmentReserved, "ipv6_fragment_reserved"),
        (.ipv6RoutingReserved, "ipv6_routing_reserved"),
        (.icmpv6Reserved, "icmpv6_reserved"),
        (.greReserved, "gre_reserved"),
    ]
}
