import Wire

/// IPv6 known answers for the start-up self-test: the same decode, judge and rebuild path as
/// IPv4's, reached through the version nibble.
extension Engine {
    /// TCP SYN [fd00::1]:40000 -> [fd00::2]:443, hop limit 64, with MSS 1440, SACK-permitted,
    /// timestamps, NOP, window scale; valid checksum over the IPv6 pseudo-header.
    static let knownIPv6SYN = hex(
        "6000000000280640fd000000000000000000000000000001fd0000000000000000000000000000029c4001bb1234567800000000a002fd204a460000020405a00402080a000000010000000001030307")

    static let knownAnswersIPv6: [KnownAnswer] = [
        KnownAnswer(name: "canonical IPv6 TCP SYN", packet: knownIPv6SYN, expected: .unchanged),
        // The SYN with the three TCP reserved bits set (byte 52 0xA0 -> 0xAE), checksum fixed.
        KnownAnswer(
            name: "IPv6 TCP reserved bits",
            packet: hex(
                "6000000000280640fd000000000000000000000000000001fd0000000000000000000000000000029c4001bb1234567800000000ae02fd203c460000020405a00402080a000000010000000001030307"),
            expected: .rebuilt(knownIPv6SYN)),
        // Echo request "ping" with its checksum's bytes each off by one (0x94ae -> 0x95af).
        KnownAnswer(
            name: "bad ICMPv6 checksum",
            packet: hex(
                "60000000000c3a40fd000000000000000000000000000001fd000000000000000000000000000002800095af1234000170696e67"),
            expected: .decodeError(.icmpv6, .checksum, 42, .badChecksum)),
        // A well-formed hop-by-hop header (router alert, PadN) before the echo request: refused
        // by name, since no `accept ipv6-headers { hop-by-hop }` allows it.
        KnownAnswer(
            name: "IPv6 hop-by-hop header",
            packet: hex(
                "6000000000140040fd000000000000000000000000000001fd0000000000000000000000000000023a00050200000100800094ae1234000170696e67"),
            expected: .decodeError(.ipv6HopByHop, .header, 40, .ipv6HopByHop)),
    ]
}
