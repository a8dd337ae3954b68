/// The parser's allowances for what pf and iptables operators write: `in on eth0`, lists
/// without commas, and the hint for `port 22:25`.
extension ParserState {
    /// pf's `in on eth0` means `in eth0`: skips the `on` when a list follows it. (`in on` at
    /// the end of a rule still names an interface called "on".)
    mutating func skipPFOn() {
        guard current.kind == .identifier, current.text == "on" else { return }
        if startsItem(peek().kind) || peek().kind == .leftBrace || peek().kind == .bang { advance() }
    }

    /// Whether a token of `kind` can start a list item, so that a list may go on without a comma.
    func startsItem(_ kind: Token.Kind) -> Bool {
        switch kind {
        case .number, .address, .identifier, .variable, .keyword(.any): true
        default: false
        }
    }

    /// `22:25` read as one word (as a lexer that reads IPv6 addresses may): digits, a colon, digits.
    static func isColonRange(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }
}
