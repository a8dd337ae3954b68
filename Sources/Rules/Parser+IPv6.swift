import Wire

/// The IPv6 parts of the grammar: address items, `inet`/`inet6`, `accept ipv6-headers`.
extension ParserState {
    /// `inet` or `inet6` before a rule's protocol, when there.
    mutating func parseFamily() -> Located<AddressFamily>? {
        switch current.kind {
        case .keyword(.inet): Located(.inet, range: advance().range)
        case .keyword(.inet6): Located(.inet6, range: advance().range)
        default: nil
        }
    }

    /// An IPv6 address or network (`fd00::1`, `2001:db8::/32`) in the RFC 4291 §2.2 text forms.
    mutating func parseIPv6Item() throws(ParseFailure) -> ItemSyntax {
        let token = advance()
        guard let address = IPv6Address(Substring(token.text)) else {
            throw ParseFailure(message: .ipv6(.invalidAddress(token.text)), position: token.range.start)
        }
        guard current.kind == .slash else { return ItemSyntax(kind: .host6(address), range: token.range) }
        advance()
        guard current.kind == .number else { throw failure(expected: .prefixLength) }
        let prefixToken = advance()
        guard let prefix = UInt8(prefixToken.text), prefix <= 128 else {
            throw ParseFailure(message: .ipv6(.prefixOutOfRange(prefixToken.text)), position: prefixToken.range.start)
        }
        return ItemSyntax(kind: .network6(address, prefix: prefix), range: range(from: token.range.start))
    }

    /// `accept ipv6-headers LIST`; `drop ipv6-headers` does not exist (they are dropped
    /// unless accepted).
    mutating func parseIPv6Headers() throws(ParseFailure) -> StatementSyntax {
        let action = try parseAction(expected: .statement)
        guard action.value == .accept else {
            throw ParseFailure(message: .onlyAcceptAllows(.ipv6Headers), position: action.range.start)
        }
        advance()
        let list = try parseList()
        return .acceptIPv6Headers(list, range: range(from: action.range.start))
    }
}
