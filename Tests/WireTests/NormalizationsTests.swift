import Testing
import Wire

@Suite struct NormalizationsTests {
    /// The `normalized` names are logged in this order, are stable, and each names exactly one flag.
    @Test func namesAreStable() {
        #expect(Normalizations.names.map(\.1) == [
            "ipv4_reserved_flag", "ip_option_padding", "ipv4_checksum", "tcp_reserved_bits",
            "tcp_urgent_pointer", "tcp_unknown_options", "tcp_after_eol", "transport_checksum",
            "ipv6_fragment_reserved", "ipv6_routing_reserved", "icmpv6_reserved",
            "gre_reserved",
        ])
        let flags = Normalizations.names.map(\.0.rawValue)
        #expect(Set(flags).count == flags.count)
        #expect(flags.allSatisfy { $0.nonzeroBitCount == 1 })
    }
}
