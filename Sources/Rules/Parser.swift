import Wire

/// Turns rule text into a syntax tree.
public enum Parser {
    /// Parses all of `source`. Never stops at the first problem: a line with an error gets
    /// one diagnostic, is left out of the tree, and parsing resumes on the next line, so the
    /// diagnostics list every bad line (in source order), up to `limits.maximumErrorsPerFile`
    /// of them. `file` is only used in locations.
    public static func parse(_ source: String, file: String, limits: RulesetLimits = .standard) -> (RulesetSyntax, [Diagnostic]) {
        var parser = ParserState(source: source, file: file, limits: limits)
        var statements: [StatementSyntax] = []
        var diagnostics: [Diagnostic] = []
        while let statement = parser.nextStatement(diagnostics: &diagnostics) { statements.append(statement) }
        return (RulesetSyntax(file: file, statements: statements), diagnostics)
    }
}

/// Why the statement being parsed was abandoned.
struct ParseFailure: Error {
    var message: Diagnostic.Message
    var position: SourcePosition
}

/// A recursive-descent parser, one statement per line, pulling tokens from the lexer as it
/// goes: it holds the current token and at most one more, so its memory does not grow with
/// the file (a file of ten million blank lines costs what one line does).
struct ParserState {
    private var lexer: Lexer
    let file: String
    let limits: RulesetLimits
    private(set) var current: Token
    /// The token after `current`, once `peek()` has read it.
    private var peeked: Token?
    /// End of the last token consumed, so a node's range ends at its last word.
    var previousEnd: SourcePosition
    private var errorCount = 0
    /// Set once the error limit is reached: the rest of the file is not read.
    private var abandoned = false
    /// Set while the list after `port` is read, for the hint on `22:25` (see `parseItem`).
    var inPortList = false

    init(source: String, file: String, limits: RulesetLimits = .standard) {
        lexer = Lexer(source, maximumTokenBytes: limits.maximumTokenBytes)
        self.file = file
        self.limits = limits
        current = lexer.next()
        previousEnd = current.range.start
    }

    /// Consumes `current` and returns it; at the end of the file, stays there.
    @discardableResult
    mutating func advance() -> Token {
        let token = current
        if token.kind != .endOfFile {
            if let peeked {
                current = peeked
                self.peeked = nil
            } else {
                current = lexer.next()
            }
        }
        previousEnd = token.range.end
        return token
    }

    /// The token after `current`, without consuming anything.
    mutating func peek() -> Token {
        if current.kind == .endOfFile { return current }
        if let peeked { return peeked }
        let token = lexer.next()
        peeked = token
        return token
    }

    func range(from start: SourcePosition) -> SourceRange {
        SourceRange(start: start, end: previousEnd)
    }

    /// The next statement of the file, or nil at its end. A line with an error adds one
    /// diagnostic and is skipped (see `Parser.parse`); after `limits.maximumErrorsPerFile`
    /// errors, one more says so and the rest of the file is not read.
    mutating func nextStatement(diagnostics: inout [Diagnostic]) -> StatementSyntax? {
        while current.kind != .endOfFile && !abandoned {
            if current.kind == .newline {
                advance()
                continue
            }
            let setName: Token? = current.kind == .keyword(.set) ? peek() : nil
            do throws(ParseFailure) {
                let statement = try parseStatement()
                guard current.kind == .newline || current.kind == .endOfFile else {
                    throw failure(otherwise: .trailingTokens(found: current.foundDescription))
                }
                return statement
            } catch {
                errorCount += 1
                let location = SourceLocation(file: file, position: error.position)
                guard errorCount <= limits.maximumErrorsPerFile else {
                    diagnostics.append(Diagnostic(.tooManyErrors(limit: limits.maximumErrorsPerFile), at: location))
                    abandoned = true
                    return nil
                }
                diagnostics.append(Diagnostic(error.message, at: location))
                while current.kind != .newline && current.kind != .endOfFile { advance() }
                // A set whose definition failed stays known, with no items, so that its uses
                // do not add "undefined set" errors to the one that matters.
                if let name = setName, name.kind == .identifier {
                    let empty = ListSyntax(items: [], range: name.range)
                    return .set(SetSyntax(name: Located(name.text, range: name.range), items: empty, range: name.range))
                }
            }
        }
        return nil
    }

    /// The failure for the current token: its own message when the lexer could not read it,
    /// "unknown keyword" for a word outside the keyword table, `otherwise` for anything else.
    func failure(otherwise message: Diagnostic.Message) -> ParseFailure {
        switch current.kind {
        case .invalid(let lexerMessage): ParseFailure(message: lexerMessage, position: current.range.start)
        case .identifier: ParseFailure(message: .unknownKeyword(current.text), position: current.range.start)
        default: ParseFailure(message: message, position: current.range.start)
        }
    }

    func failure(expected: Diagnostic.Message.Expectation) -> ParseFailure {
        failure(otherwise: .expected(expected, found: current.foundDescription))
    }

    mutating func parseStatement() throws(ParseFailure) -> StatementSyntax {
        switch current.kind {
        case .keyword(.policy): .policy(try parsePolicy())
        case .keyword(.log): .log(try parseLogDirective())
        case .keyword(.set): .set(try parseSet())
        case .keyword(.include): try parseInclude()
        case .keyword(.accept), .keyword(.drop), .keyword(.reject): try parseRuleOrAllowance()
        case .identifier where current.text == "inspect": .inspectDNS(try parseInspectDNS())
        default: throw failure(expected: .statement)
        }
    }

    mutating func parsePolicy() throws(ParseFailure) -> PolicySyntax {
        let start = advance().range.start
        let action = try parseAction(expected: .policyAction)
        return PolicySyntax(action: action, range: range(from: start))
    }

    mutating func parseAction(expected: Diagnostic.Message.Expectation) throws(ParseFailure) -> Located<Action> {
        let action: Action
        switch current.kind {
        case .keyword(.accept): action = .accept
        case .keyword(.drop): action = .drop
        case .keyword(.reject): action = .reject
        default: throw failure(expected: expected)
        }
        return Located(action, range: advance().range)
    }

    mutating func parseLogDirective() throws(ParseFailure) -> LogDirectiveSyntax {
        let start = advance().range.start
        let mode: LogMode
        switch current.kind {
        case .keyword(.drops): mode = .drops
        case .keyword(.all): mode = .all
        case .keyword(.control): mode = .control
        case .keyword(.none): mode = .none
        default: throw failure(expected: .logMode)
        }
        let located = Located(mode, range: advance().range)
        let limit = current.kind == .keyword(.limit) ? try parseLogLimit() : nil
        return LogDirectiveSyntax(mode: located, limit: limit, range: range(from: start))
    }

    /// `set NAME = LIST`; the list may span lines inside its braces.
    mutating func parseSet() throws(ParseFailure) -> SetSyntax {
        let start = advance().range.start
        guard current.kind == .identifier else {
            if case .keyword = current.kind {
                throw ParseFailure(message: .reservedSetName(current.text), position: current.range.start)
            }
            throw failure(otherwise: .expected(.setName, found: current.foundDescription))
        }
        let nameToken = advance()
        guard current.kind == .equals else { throw failure(expected: .equals) }
        advance()
        if current.kind == .identifier, current.text == "file" {
            advance()
            guard case .string(let path) = current.kind else { throw failure(expected: .fileName) }
            let file = Located(path, range: advance().range)
            return SetSyntax(
                name: Located(nameToken.text, range: nameToken.range), items: ListSyntax(items: [], range: file.range),
                file: file, range: range(from: start))
        }
        let items = try parseList()
        return SetSyntax(name: Located(nameToken.text, range: nameToken.range), items: items, range: range(from: start))
    }

    mutating func parseInclude() throws(ParseFailure) -> StatementSyntax {
        let start = advance().range.start
        guard case .string(let path) = current.kind else { throw failure(expected: .fileName) }
        let located = Located(path, range: advance().range)
        return .include(located, range: range(from: start))
    }

    /// `accept fragments`, `accept ip-options LIST`, or a rule.
    mutating func parseRuleOrAllowance() throws(ParseFailure) -> StatementSyntax {
        let next = peek().kind
        if next == .keyword(.ipv6Headers) { return try parseIPv6Headers() }
        guard next == .keyword(.fragments) || next == .keyword(.ipOptions) else { return .rule(try parseRule()) }
        let action = try parseAction(expected: .statement)
        guard action.value == .accept else {
            throw ParseFailure(message: .onlyAcceptAllows(next == .keyword(.fragments) ? .fragments : .ipOptions), position: action.range.start)
        }
        if advance().kind == .keyword(.fragments) {
            return .acceptFragments(range: range(from: action.range.start))
        }
        let list = try parseList()
        return .acceptIPOptions(list, range: range(from: action.range.start))
    }

    /// Fixed order: action, `log`, protocol, `from`, `to`; then options, each at most once.
    mutating func parseRule() throws(ParseFailure) -> RuleSyntax {
        let action = try parseAction(expected: .statement)
        var log: SourceRange?
        if current.kind == .keyword(.log) { log = advance().range }
        let family = parseFamily()
        let proto = try parseProtocol()
        var source: EndpointSyntax?
        var destination: EndpointSyntax?
        var label: Located<String>?
        var options: [OptionSyntax] = []
        var inner: InnerSyntax?
        var firstOption: Keyword?
        while case .keyword(let keyword) = current.kind {
            switch keyword {
            case .from, .to:
                if keyword == .from ? source != nil : destination != nil {
                    throw ParseFailure(message: .givenTwice(keyword), position: current.range.start)
                }
                if keyword == .from, destination != nil {
                    throw ParseFailure(message: .fromAfterTo, position: current.range.start)
                }
                if let firstOption {
                    throw ParseFailure(message: .clauseAfterOption(clause: keyword, option: firstOption), position: current.range.start)
                }
                let endpoint = try parseEndpoint()
                if keyword == .from { source = endpoint } else { destination = endpoint }
            case .port:
                // `port` here follows a complete endpoint that has one, or no endpoint at all.
                let previous = destination ?? source
                let message: Diagnostic.Message = previous?.port != nil && firstOption == nil ? .givenTwice(.port) : .portWithoutAddress
                throw ParseFailure(message: message, position: current.range.start)
            case .label:
                if label != nil {
                    throw ParseFailure(message: .givenTwice(.label), position: current.range.start)
                }
                firstOption = firstOption ?? .label
                label = try parseLabel()
            case .inner:
                if inner != nil { throw ParseFailure(message: .givenTwice(.inner), position: current.range.start) }
                firstOption = firstOption ?? .inner
                inner = try parseInner()
            case .in, .out, .flags, .type, .code, .state, .length, .ttl, .mark, .dnsName, .dnsType, .dnsRCode, .dnsResponseIP:
                if options.contains(where: { $0.keyword == keyword }) {
                    throw ParseFailure(message: .givenTwice(keyword), position: current.range.start)
                }
                firstOption = firstOption ?? keyword
                let start = advance().range.start
                if keyword == .in || keyword == .out { skipPFOn() }
                let value: OptionSyntax.Value = keyword == .flags ? try parseFlags() : .list(try parseList())
                options.append(OptionSyntax(keyword: keyword, value: value, range: range(from: start)))
            default:
                throw failure(otherwise: .trailingTokens(found: current.foundDescription))
            }
        }
        var rule = RuleSyntax(
            action: action, log: log, proto: proto, source: source, destination: destination,
            options: options, label: label, range: range(from: action.range.start))
        rule.inner = inner
        rule.family = family
        return rule
    }

    mutating func parseProtocol() throws(ParseFailure) -> ProtocolSyntax {
        let proto: IPProtocol?
        switch current.kind {
        case .keyword(.tcp): proto = .tcp
        case .keyword(.udp): proto = .udp
        case .keyword(.icmp): proto = .icmp
        case .keyword(.icmp6), .keyword(.ipv6ICMP): proto = .icmpv6
        case .keyword(.igmp): proto = .igmp
        case .keyword(.esp): proto = .esp
        case .keyword(.ah): proto = .ah
        case .keyword(.vrrp): proto = .vrrp
        case .keyword(.sctp): proto = .sctp
        case .keyword(.gre): proto = .gre
        case .keyword(.ipip), .keyword(.ipencap): proto = .ipip
        case .keyword(.ipv6InIPv4): proto = .ipv6InIPv4
        case .keyword(.any): proto = nil
        default: throw failure(expected: .proto)
        }
        return ProtocolSyntax(proto: proto, range: advance().range)
    }

    mutating func parseEndpoint() throws(ParseFailure) -> EndpointSyntax {
        let start = advance().range.start
        let address = try parseList()
        var port: ListSyntax?
        if current.kind == .keyword(.port) {
            let portStart = advance().range.start
            inPortList = true
            defer { inPortList = false }
            var list = try parseList()
            list.range = SourceRange(start: portStart, end: list.range.end)
            port = list
        }
        return EndpointSyntax(address: address, port: port, range: range(from: start))
    }

    /// `[!] ITEM` or `[!] { ITEM [,] ... }`; newlines are allowed inside the braces.
    mutating func parseList() throws(ParseFailure) -> ListSyntax {
        let start = current.range.start
        var negation: SourceRange?
        if current.kind == .bang { negation = advance().range }
        guard current.kind == .leftBrace else {
            let item = try parseItem()
            return ListSyntax(negation: negation, items: [item], range: range(from: start))
        }
        advance()
        var items: [ItemSyntax] = []
        while true {
            while current.kind == .newline || current.kind == .comma { advance() }
            if current.kind == .rightBrace { break }
            if current.kind == .bang {
                throw ParseFailure(message: .negationInsideList, position: current.range.start)
            }
            guard current.kind != .endOfFile else { throw failure(expected: .closingBrace) }
            items.append(try parseItem())
            // Checked here too, so that one list cannot hold the whole file as syntax.
            if items.count > limits.maximumListItems {
                throw ParseFailure(message: .listTooLarge(limit: limits.maximumListItems), position: start)
            }
            // pf's `{ 80 443 }`: the comma is optional, as the grammar says.
            guard current.kind == .comma || current.kind == .rightBrace || current.kind == .newline || startsItem(current.kind) else {
                throw failure(expected: .closingBrace)
            }
        }
        advance()
        if items.isEmpty { throw ParseFailure(message: .emptyList, position: start) }
        return ListSyntax(negation: negation, items: items, range: range(from: start))
    }

    mutating func parseItem() throws(ParseFailure) -> ItemSyntax {
        let token = current
        switch token.kind {
        case .keyword(.any):
            return ItemSyntax(kind: .any, range: advance().range)
        case .variable:
            advance()
            return ItemSyntax(kind: .variable(String(token.text.dropFirst())), range: token.range)
        case .identifier:
            advance()
            return ItemSyntax(kind: .name(token.text), range: token.range)
        case .string(let text):
            // A quoted name (`dns-name { "tracker.example" }`); checked where it is used.
            advance()
            return ItemSyntax(kind: .name(text), range: token.range)
        case .address where inPortList && Self.isColonRange(token.text):
            let parts = token.text.split(separator: ":")
            throw ParseFailure(message: .portRangeWithColon(low: UInt64(parts[0]) ?? 0, high: String(parts[1])), position: token.range.start)
        case .address where token.text.contains(":"):
            return try parseIPv6Item()
        case .address where !token.text.hasPrefix("0x"):
            advance()
            guard let address = IPv4Address(Substring(token.text)) else {
                // `22a` was meant as a number, `10.0.0.1a` as an address.
                let message: Diagnostic.Message = token.text.contains(".") ? .invalidAddress(token.text) : .invalidNumber(token.text)
                throw ParseFailure(message: message, position: token.range.start)
            }
            guard current.kind == .slash else { return ItemSyntax(kind: .host(address), range: token.range) }
            advance()
            guard current.kind == .number else { throw failure(expected: .prefixLength) }
            let prefixToken = advance()
            guard let prefix = UInt8(prefixToken.text), prefix <= 32 else {
                throw ParseFailure(message: .prefixOutOfRange(prefixToken.text), position: prefixToken.range.start)
            }
            return ItemSyntax(kind: .network(address, prefix: prefix), range: range(from: token.range.start))
        case .number, .address:
            let low = try parseNumber()
            var high = low
            if current.kind == .dash {
                advance()
                high = try parseNumber()
            }
            if inPortList, current.kind == .colon {
                let next = peek()
                throw ParseFailure(message: .portRangeWithColon(low: low, high: next.kind == .number ? next.text : "HIGH"), position: token.range.start)
            }
            return ItemSyntax(kind: .range(low, high), range: range(from: token.range.start))
        default:
            throw failure(expected: .item)
        }
    }

    /// Decimal, or hexadecimal with `0x` (for marks).
    mutating func parseNumber() throws(ParseFailure) -> UInt64 {
        let token = current
        let value: UInt64?
        switch token.kind {
        case .number: value = UInt64(token.text)
        case .address where token.text.hasPrefix("0x"): value = UInt64(token.text.dropFirst(2), radix: 16)
        case .address: throw ParseFailure(message: .invalidNumber(token.text), position: token.range.start)
        default: throw failure(expected: .number)
        }
        guard let value, value <= UInt64(UInt32.max) else {
            throw ParseFailure(message: .invalidNumber(token.text), position: token.range.start)
        }
        advance()
        return value
    }

    /// `flags SET[/MASK]` in pf's letters: F S R P A U E W.
    mutating func parseFlags() throws(ParseFailure) -> OptionSyntax.Value {
        guard current.kind == .identifier, let set = Self.flagBits(current.text) else {
            throw ParseFailure(message: .invalidFlags(current.text), position: current.range.start)
        }
        advance()
        var mask: UInt8 = 0xFF
        if current.kind == .slash {
            advance()
            guard current.kind == .identifier, let bits = Self.flagBits(current.text) else {
                throw ParseFailure(message: .invalidFlags(current.text), position: current.range.start)
            }
            advance()
            mask = bits
        }
        return .flags(set: set, mask: mask)
    }

    /// The TCP flag bits named by `letters`, or nil when one is not a flag letter.
    static func flagBits(_ letters: String) -> UInt8? {
        var bits: UInt8 = 0
        for letter in letters {
            guard let index = flagLetters.firstIndex(of: letter) else { return nil }
            bits |= 1 << flagLetters.distance(from: flagLetters.startIndex, to: index)
        }
        return bits
    }

    /// pf's flag letters in bit order: FIN 0x01, SYN, RST, PSH, ACK, URG, ECE, CWR 0x80.
    static let flagLetters = "FSRPAUEW"

    mutating func parseLabel() throws(ParseFailure) -> Located<String> {
        advance()
        guard case .string(let text) = current.kind else { throw failure(expected: .labelText) }
        return Located(text, range: advance().range)
    }
}
