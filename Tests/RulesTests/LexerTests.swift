import Testing
@testable import Rules

/// Each token as `KIND text@LINE:COL`, for compact goldens.
private func lex(_ source: String) -> [String] {
    Lexer.tokenize(source).map { token in
        let kind: String = switch token.kind {
        case .keyword(let keyword): "kw(\(keyword.rawValue))"
        case .identifier: "ident"
        case .number: "num"
        case .address: "addr"
        case .string(let value): "str(\(value))"
        case .variable: "var"
        case .slash: "/"
        case .dash: "-"
        case .comma: ","
        case .equals: "="
        case .leftBrace: "{"
        case .rightBrace: "}"
        case .bang: "!"
        case .colon: ":"
        case .arrow: "->"
        case .leftBracket: "["
        case .rightBracket: "]"
        case .newline: "nl"
        case .endOfFile: "eof"
        case .invalid(let message): "invalid(\(message))"
        }
        return "\(kind)@\(token.range.start.line):\(token.range.start.column)"
    }
}

@Test func lexesARule() {
    #expect(lex("accept tcp from 10.1.0.0/24 port 1024-65535 label \"x\"") == [
        "kw(accept)@1:1", "kw(tcp)@1:8", "kw(from)@1:12", "addr@1:17", "/@1:25", "num@1:26",
        "kw(port)@1:29", "num@1:34", "-@1:38", "num@1:39", "kw(label)@1:45", "str(x)@1:51", "eof@1:54",
    ])
}

@Test func commentsAndBlanksVanishButNewlinesStay() {
    #expect(lex("# only a comment\n\tpolicy drop # trailing\r\n") == [
        "nl@1:17", "kw(policy)@2:2", "kw(drop)@2:9", "nl@2:25", "eof@3:1",
    ])
}

@Test func wordsOutsideTheTableAreIdentifiersAndCaseMatters() {
    #expect(lex("Accept echo-request $admins") == ["ident@1:1", "ident@1:8", "var@1:21", "eof@1:28"])
}

@Test func setPunctuationIsReadyForSets() {
    #expect(lex("set web = { 80, 443 }") == [
        "kw(set)@1:1", "ident@1:5", "=@1:9", "{@1:11", "num@1:13", ",@1:15", "num@1:17", "}@1:21", "eof@1:22",
    ])
}

@Test func negationPacketPunctuationAndDottedNames() {
    #expect(lex("!{ eth0.100 } 10.0.0.1:22 -> a-b") == [
        "!@1:1", "{@1:2", "ident@1:4", "}@1:13", "addr@1:15", ":@1:23", "num@1:24", "->@1:27", "ident@1:30", "eof@1:33",
    ])
}

@Test func digitRunsWithOtherCharactersAreAddressCandidates() {
    #expect(lex("10.0.0.1a 22a 0") == ["addr@1:1", "addr@1:11", "num@1:15", "eof@1:16"])
}

@Test func stringEscapesAreDecoded() {
    let tokens = Lexer.tokenize(#""say \"hi\" \\ done""#)
    #expect(tokens.first?.kind == .string(#"say "hi" \ done"#))
    #expect(tokens.first?.range.end.column == 21)
}

@Test func unterminatedStringStopsAtTheEndOfTheLine() {
    #expect(lex("label \"open\nlog") == [
        "kw(label)@1:1", "invalid(unterminated string)@1:7", "nl@1:12", "kw(log)@2:1", "eof@2:4",
    ])
}

@Test func invalidEscapeIsReportedAtTheBackslash() {
    let tokens = Lexer.tokenize(#""a\tb\"c""#)
    #expect(tokens.first?.kind == .invalid(.invalidEscape(#"\t"#)))
    #expect(tokens.first?.range.start.column == 3)
    #expect(tokens.dropFirst().first?.kind == .endOfFile)
}

@Test func unexpectedCharactersAreWholeScalars() {
    let tokens = Lexer.tokenize("é @ $")
    #expect(tokens.map(\.kind) == [
        .invalid(.unexpectedCharacter("é")), .invalid(.unexpectedCharacter("@")),
        .invalid(.unexpectedCharacter("$")), .endOfFile,
    ])
    // Columns count UTF-8 bytes: "é" is two.
    #expect(tokens[1].range.start.column == 4)
}

@Test func emptySourceIsJustEndOfFile() {
    #expect(lex("") == ["eof@1:1"])
}

/// DNS wildcards (`*.`), IPv6 literals and brackets, and interface wildcards (`eth+`) all lex
/// in one line.
@Test func dnsWildcardsIPv6LiteralsAndInterfaceWildcardsLexTogether() {
    #expect(lex("*.ads.example [fd00::1]:53 fd00::/8 eth+") == [
        "ident@1:1", "[@1:15", "addr@1:16", "]@1:23", ":@1:24", "num@1:25", "addr@1:28", "/@1:34", "num@1:35",
        "ident@1:37", "eof@1:41",
    ])
    #expect(Lexer.tokenize("*.ads.example eth+ fd00::1").map(\.text) == ["*.ads.example", "eth+", "fd00::1", ""])
}

