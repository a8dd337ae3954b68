import Wire

/// The names the language gives to numbers: ICMP types and codes, IPv4 options. They are not
/// keywords (a name is only meaningful after its option), so they live in their own tables.
enum Names {
    /// ICMP message types (RFC 792, RFC 950, RFC 1256, RFC 8335), in pf's hyphenated spelling.
    /// Some name types the decoder refuses (deprecated, RFC 6633, RFC 6918): the checker
    /// reports those as errors rather than letting a rule that can never match load.
    static let icmpTypes: [(name: String, value: UInt8)] = [
        ("echo-reply", 0), ("destination-unreachable", 3), ("unreachable", 3), ("source-quench", 4),
        ("redirect", 5), ("echo-request", 8), ("router-advertisement", 9), ("router-solicitation", 10),
        ("time-exceeded", 11), ("parameter-problem", 12), ("timestamp-request", 13),
        ("timestamp-reply", 14), ("information-request", 15), ("information-reply", 16),
        ("mask-request", 17), ("mask-reply", 18), ("extended-echo-request", 42), ("extended-echo-reply", 43),
    ]

    /// ICMP codes that have names: destination unreachable (RFC 792, RFC 1812 §5.2.7.1),
    /// redirect, time exceeded. A code name is accepted with any type; the number is what counts.
    static let icmpCodes: [(name: String, value: UInt8)] = [
        ("net-unreachable", 0), ("host-unreachable", 1), ("protocol-unreachable", 2),
        ("port-unreachable", 3), ("fragmentation-needed", 4), ("source-route-failed", 5),
        ("net-unknown", 6), ("host-unknown", 7), ("net-prohibited", 9), ("host-prohibited", 10),
        ("admin-prohibited", 13),
        ("redirect-net", 0), ("redirect-host", 1),
        ("ttl-exceeded", 0), ("reassembly-timeout", 1),
    ]

    /// ICMPv6 message types (RFC 4443, RFC 4861, RFC 2710, RFC 3810): every type the decoder
    /// accepts, with Wire's names (`ICMPv6.MessageType.name`) and `unreachable` as for ICMP.
    static let icmp6Types: [(name: String, value: UInt8)] = [
        ("destination-unreachable", 1), ("unreachable", 1), ("packet-too-big", 2), ("time-exceeded", 3),
        ("parameter-problem", 4), ("echo-request", 128), ("echo-reply", 129), ("mld-query", 130),
        ("mld-report", 131), ("mld-done", 132), ("router-solicitation", 133), ("router-advertisement", 134),
        ("neighbor-solicitation", 135), ("neighbor-advertisement", 136), ("redirect", 137), ("mld2-report", 143),
    ]

    /// ICMPv6 codes that have names: destination unreachable (RFC 4443 §3.1), time exceeded
    /// (§3.3), parameter problem (§3.4). As for ICMP, a code name is accepted with any type.
    static let icmp6Codes: [(name: String, value: UInt8)] = [
        ("no-route", 0), ("admin-prohibited", 1), ("beyond-scope", 2), ("address-unreachable", 3),
        ("port-unreachable", 4), ("source-policy-failed", 5), ("reject-route", 6),
        ("hop-limit-exceeded", 0), ("reassembly-timeout", 1),
        ("erroneous-header", 0), ("unknown-next-header", 1), ("unknown-option", 2),
    ]

    /// The type and code tables for `icmp` (protocol 1) or `icmp6` (58).
    static func icmpTables(_ proto: IPProtocol?) -> (types: [(name: String, value: UInt8)], codes: [(name: String, value: UInt8)]) {
        proto == .icmpv6 ? (icmp6Types, icmp6Codes) : (icmpTypes, icmpCodes)
    }

    /// IPv4 option type bytes that `accept ip-options` may name (RFC 791 §3.1, RFC 1108,
    /// RFC 2113). Source routes (lsrr 131, ssrr 137) are refused by the checker.
    static let ipOptions: [(name: String, value: UInt8)] = [
        ("record-route", 7), ("timestamp", 68), ("security", 130), ("router-alert", 148),
    ]

    static let sourceRouteOptions: [(name: String, value: UInt8)] = [("lsrr", 131), ("ssrr", 137)]

    static func value(of name: String, in table: [(name: String, value: UInt8)]) -> UInt8? {
        table.first { $0.name == name }?.value
    }

    /// The name of an ICMP type (ICMPv6 with `proto` 58), or its number.
    static func icmpTypeName(_ value: UInt8, proto: IPProtocol = .icmp) -> String {
        icmpTables(proto).types.first { $0.value == value }?.name ?? "\(value)"
    }
}
