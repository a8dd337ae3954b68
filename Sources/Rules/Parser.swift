import Wire

/// Turns rule text into a syntax tree.
public enum Parser {
    /// Parses all of `source`. Never stops at the first problem: a line with an error gets
    /// one diagnostic, is left out of the tree, and parsing resumes on the next line, so the
    /// diagnostics list every bad line (in source order). `file` is only used in locations.
    public static func parse(_ source: String, file: String) -> (RulesetSyntax, [Diagnostic]) {
        var parser = ParserState(tokens: Lexer.tokenize(source), file: file)
        return parser.parseRuleset()
    }
}

/// Why the statement being parsed was abandoned.
struct ParseFailure: Error {
    var message: Diagnostic.Message
    var position: SourcePosition
}

/// A recursive-descent parser over the whole token array, one statement per line.
struct ParserState {
    private let tokens: [Token]
    private let file: String
    private var index = 0
    /// End of the last token consumed, so a node's range ends at its last word.
    private var previousEnd: SourcePosition

    init(tokens: [Token], file: String) {
        precondition(tokens.last?.kind == .endOfFile, "the lexer ends every stream with endOfFile")
        self.tokens = tokens
        self.file = file
        previousEnd = tokens[0].range.start
    }

    private var current: Token { tokens[index] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[index]
        if token.kind != .endOfFile { index += 1 }
        previousEnd = token.range.end
        return token
    }

    private func range(from start: SourcePosition) -> SourceRange {
        SourceRange(start: start, end: previousEnd)
    }

    /// Parses every statement; see `Parser.parse`.
    mutating func parseRuleset() -> (RulesetSyntax, [Diagnostic]) {
        var statements: [StatementSyntax] = []
        var diagnostics: [Diagnostic] = []
        while current.kind != .endOfFile {
            if current.kind == .newline {
                advance()
                continue
            }
            do throws(ParseFailure) {
                let statement = try parseStatement()
                guard current.kind == .newline || current.kind == .endOfFile else {
                    throw failure(otherwise: .trailingTokens(found: current.foundDescription))
                }
                statements.append(statement)
            } catch {
                diagnostics.append(Diagnostic(error.message, at: SourceLocation(file: file, position: error.position)))
                while current.kind != .newline && current.kind != .endOfFile { advance() }
            }
        }
        return (RulesetSyntax(file: file, statements: statements), diagnostics)
    }

    /// The failure for the current token: its own message when the lexer could not read it,
    /// "unknown keyword" for a word outside the keyword table, `otherwise` for anything else.
    private func failure(otherwise message: Diagnostic.Message) -> ParseFailure {
        switch current.kind {
        case .invalid(let lexerMessage): ParseFailure(message: lexerMessage, position: current.range.start)
        case .identifier: ParseFailure(message: .unknownKeyword(current.text), position: current.range.start)
        default: ParseFailure(message: message, position: current.range.start)
        }
    }

    private func failure(expected: Diagnostic.Message.Expectation) -> ParseFailure {
        failure(otherwise: .expected(expected, found: current.foundDescription))
    }

    private mutating func parseStatement() throws(ParseFailure) -> StatementSyntax {
        switch current.kind {
        case .keyword(.policy): .policy(try parsePolicy())
        case .keyword(.log): .log(try parseLogDirective())
        case .keyword(.accept), .keyword(.drop): .rule(try parseRule())
        default: throw failure(expected: .statement)
        }
    }

    private mutating func parsePolicy() throws(ParseFailure) -> PolicySyntax {
        let start = advance().range.start
        let action = try parseAction(expected: .policyAction)
        return PolicySyntax(action: action, range: range(from: start))
    }

    private mutating func parseAction(expected: Diagnostic.Message.Expectation) throws(ParseFailure) -> Located<Action> {
        let action: Action
        switch current.kind {
        case .keyword(.accept): action = .accept
        case .keyword(.drop): action = .drop
        default: throw failure(expected: expected)
        }
        return Located(action, range: advance().range)
    }

    private mutating func parseLogDirective() throws(ParseFailure) -> LogDirectiveSyntax {
        let start = advance().range.start
        let mode: LogMode
        switch current.kind {
        case .keyword(.drops): mode = .drops
        case .keyword(.all): mode = .all
        case .keyword(.none): mode = .none
        default: throw failure(expected: .logMode)
        }
        let located = Located(mode, range: advance().range)
        return LogDirectiveSyntax(mode: located, range: range(from: start))
    }

    /// Fixed order: action, `log`, protocol, `from`, `to`; then options, each at most once.
    private mutating func parseRule() throws(ParseFailure) -> RuleSyntax {
        let action = try parseAction(expected: .statement)
        var log: SourceRange?
        if current.kind == .keyword(.log) { log = advance().range }
        let proto = try parseProtocol()
        var source: EndpointSyntax?
        var destination: EndpointSyntax?
        var label: Located<String>?
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
            default:
                throw failure(otherwise: .trailingTokens(found: current.foundDescription))
            }
        }
        return RuleSyntax(
            action: action, log: log, proto: proto, source: source, destination: destination,
            label: label, range: range(from: action.range.start))
    }

    private mutating func parseProtocol() throws(ParseFailure) -> ProtocolSyntax {
        let proto: IPProtocol?
        switch current.kind {
        case .keyword(.tcp): proto = .tcp
        case .keyword(.udp): proto = .udp
        case .keyword(.icmp): proto = .icmp
        case .keyword(.any): proto = nil
        default: throw failure(expected: .proto)
        }
        return ProtocolSyntax(proto: proto, range: advance().range)
    }

    private mutating func parseEndpoint() throws(ParseFailure) -> EndpointSyntax {
        let start = advance().range.start
        let address = try parseAddress()
        var port: PortSyntax?
        if current.kind == .keyword(.port) { port = try parsePort() }
        return EndpointSyntax(address: address, port: port, range: range(from: start))
    }

    private mutating func parseAddress() throws(ParseFailure) -> AddressSyntax {
        switch current.kind {
        case .keyword(.any):
            return AddressSyntax(kind: .any, range: advance().range)
        case .address, .number:
            let token = advance()
            guard let address = IPv4Address(Substring(token.text)) else {
                throw ParseFailure(message: .invalidAddress(token.text), position: token.range.start)
            }
            guard current.kind == .slash else {
                return AddressSyntax(kind: .host(address), range: token.range)
            }
            advance()
            guard current.kind == .number else { throw failure(expected: .prefixLength) }
            let prefixToken = advance()
            guard let prefix = UInt8(prefixToken.text), prefix <= 32 else {
                throw ParseFailure(message: .prefixOutOfRange(prefixToken.text), position: prefixToken.range.start)
            }
            return AddressSyntax(kind: .network(address, prefix: prefix), range: range(from: token.range.start))
        default:
            throw failure(expected: .address)
        }
    }

    private mutating func parsePort() throws(ParseFailure) -> PortSyntax {
        let start = advance().range.start
        let lowToken = current
        let low = try parsePortNumber()
        var high = low
        if current.kind == .dash {
            advance()
            high = try parsePortNumber()
            guard low <= high else {
                throw ParseFailure(message: .reversedPortRange(low: low, high: high), position: lowToken.range.start)
            }
        }
        return PortSyntax(kind: .range(low...high), range: range(from: start))
    }

    private mutating func parsePortNumber() throws(ParseFailure) -> UInt16 {
        guard current.kind == .number else { throw failure(expected: .port) }
        let token = advance()
        guard let value = UInt16(token.text) else {
            throw ParseFailure(message: .portOutOfRange(token.text), position: token.range.start)
        }
        return value
    }

    private mutating func parseLabel() throws(ParseFailure) -> Located<String> {
        advance()
        guard case .string(let text) = current.kind else { throw failure(expected: .labelText) }
        return Located(text, range: advance().range)
    }
}
