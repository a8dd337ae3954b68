/// A reserved word of the rule language.
///
/// This enum is the language's one keyword table: cases are lower-case, hyphenated
/// where they are several words, and kept in sorted raw-value order (a test checks it), so
/// that later keywords (`set`, `type`, `include`, `flags`, ICMP type names) slot in by adding
/// one line here and one branch in the parser.
public enum Keyword: String, CaseIterable, Sendable {
    case accept
    case ah
    case all
    case any
    case burst
    case code
    case control
    case dnsName = "dns-name"
    case dnsRCode = "dns-rcode"
    case dnsResponseIP = "dns-response-ip"
    case dnsType = "dns-type"
    case drop
    case drops
    case esp
    case flags
    case fragments
    case from
    case gre
    case icmp
    case icmp6
    case igmp
    case `in`
    case include
    case inet
    case inet6
    case inner
    case ipOptions = "ip-options"
    case ipencap
    case ipip
    case ipv6Headers = "ipv6-headers"
    case ipv6ICMP = "ipv6-icmp"
    case ipv6InIPv4 = "ipv6-in-ipv4"
    case label
    case length
    case limit
    case log
    case mark
    case none
    case out
    case policy
    case port
    case reject
    case sctp
    case set
    case state
    case tcp
    case to
    case ttl
    case type
    case udp
    case vrrp
}

/// One lexical token with its exact source text and range.
struct Token: Equatable, Sendable {
    /// What the token is; keywords and errors carry their value, the rest is in `text`.
    enum Kind: Equatable, Sendable {
        case keyword(Keyword)
        /// A word that is not in the keyword table; the parser reports it as an unknown keyword.
        case identifier
        /// Decimal digits only.
        case number
        /// A run starting with a digit that is not all digits (`10.0.0.1`, `10.0.0.1a`, `22a`),
        /// or an IPv6 literal: a run of hex digits, dots and at least two colons (`fd00::1`,
        /// `::`, `2001:db8:0:0:0:0:0:1`); the parser validates it where an address is expected.
        case address
        /// A double-quoted string, with its escapes already decoded.
        case string(String)
        /// `$name`, reserved for named sets.
        case variable
        case slash, dash, comma, equals, leftBrace, rightBrace
        /// `!` (negation), `:` (address:port in packet descriptions), `->` (packet direction).
        case bang, colon, arrow
        /// `[` and `]` around an IPv6 address with a port in packet descriptions (`[fd00::1]:22`).
        case leftBracket, rightBracket
        case newline
        case endOfFile
        /// Text the lexer could not read; the parser reports the message when it reaches it.
        case invalid(Diagnostic.Message)
    }

    var kind: Kind
    /// The token's exact source text (`"\n"` for a newline, empty at the end of the file).
    var text: String
    var range: SourceRange

    /// How a diagnostic names this token after "found".
    var foundDescription: String {
        switch kind {
        case .newline: "end of line"
        case .endOfFile: "end of file"
        case .string: text
        default: "'\(text)'"
        }
    }
}
