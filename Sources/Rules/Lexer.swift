/// Splits rule text into tokens.
///
/// The lexer never fails: text it cannot read becomes a `.invalid` token carrying the message,
/// and the token stream always ends with `.endOfFile`. Positions count UTF-8 bytes: `column` is
/// the byte offset within the line plus one (as clang and Go report them). `#` starts a comment
/// that runs to the end of the line, and `\r` is a blank so that CRLF files read the same.
/// A word, number or string longer than `maximumTokenBytes` is an `.invalid` token.
struct Lexer {
    private let bytes: [UInt8]
    private let maximumTokenBytes: Int
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    /// A lexer positioned at the start of `source`.
    init(_ source: String, maximumTokenBytes: Int = RulesetLimits.standard.maximumTokenBytes) {
        bytes = Array(source.utf8)
        self.maximumTokenBytes = maximumTokenBytes
    }

    /// Every token of `source`, ending with exactly one `.endOfFile`.
    static func tokenize(_ source: String) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .endOfFile { return tokens }
        }
    }

    private var position: SourcePosition {
        SourcePosition(offset: offset, line: line, column: offset - lineStart + 1)
    }

    /// The next token; `.endOfFile` once the text is exhausted (and on every later call).
    mutating func next() -> Token {
        let token = nextUnbounded()
        guard token.range.end.offset - token.range.start.offset > maximumTokenBytes else { return token }
        // Not kept as text: a diagnostic names the limit, not sixteen megabytes of word.
        return Token(kind: .invalid(.tokenTooLong(limit: maximumTokenBytes)), text: "", range: token.range)
    }

    private mutating func nextUnbounded() -> Token {
        skipBlanksAndComments()
        let start = position
        guard offset < bytes.count else {
            return Token(kind: .endOfFile, text: "", range: SourceRange(start: start, end: start))
        }
        let byte = bytes[offset]
        switch byte {
        case UInt8(ascii: "\n"):
            offset += 1
            let end = SourcePosition(offset: offset, line: line, column: start.column + 1)
            line += 1
            lineStart = offset
            return Token(kind: .newline, text: "\n", range: SourceRange(start: start, end: end))
        case UInt8(ascii: "\""):
            return lexString(from: start)
        case UInt8(ascii: "$"):
            offset += 1
            guard offset < bytes.count, Self.isWordStart(bytes[offset]) else {
                return token(.invalid(.unexpectedCharacter("$")), from: start)
            }
            skip(while: Self.isWordContinuation)
            return token(.variable, from: start)
        case _ where ipv6LiteralAhead():
            skip(while: { Self.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            // `fd00::1g` is one bad address, not an address and a word.
            skip(while: { Self.isWordStart($0) || Self.isDigit($0) || $0 == UInt8(ascii: ".") })
            return token(.address, from: start)
        case _ where Self.isWordStart(byte) || Self.isWildcardStart(at: offset, in: bytes):
            // `*.ads.example` (a DNS wildcard) reads as one word.
            if byte == UInt8(ascii: "*") { offset += 1 }
            skip(while: Self.isWordContinuation)
            // iptables' interface wildcard: `eth+` is every interface whose name starts `eth`.
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") { offset += 1 }
            let text = self.text(from: start)
            let kind: Token.Kind = Keyword(rawValue: text).map { .keyword($0) } ?? .identifier
            return Token(kind: kind, text: text, range: SourceRange(start: start, end: position))
        case _ where Self.isDigit(byte):
            skip(while: { Self.isDigit($0) || Self.isLetter($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
            let text = self.text(from: start)
            let kind: Token.Kind = text.utf8.allSatisfy(Self.isDigit) ? .number : .address
            return Token(kind: kind, text: text, range: SourceRange(start: start, end: position))
        default:
            let punctuation: Token.Kind? = switch byte {
            case UInt8(ascii: "/"): .slash
            case UInt8(ascii: "-") where offset + 1 < bytes.count && bytes[offset + 1] == UInt8(ascii: ">"): .arrow
            case UInt8(ascii: "-"): .dash
            case UInt8(ascii: "!"): .bang
            case UInt8(ascii: ":"): .colon
            case UInt8(ascii: ","): .comma
            case UInt8(ascii: "="): .equals
            case UInt8(ascii: "{"): .leftBrace
            case UInt8(ascii: "}"): .rightBrace
            case UInt8(ascii: "["): .leftBracket
            case UInt8(ascii: "]"): .rightBracket
            default: nil
            }
            if let punctuation {
                offset += punctuation == .arrow ? 2 : 1
                return token(punctuation, from: start)
            }
            offset += scalarLength(at: offset)
            return token(.invalid(.unexpectedCharacter(text(from: start))), from: start)
        }
    }

    /// A string runs to the next unescaped `"` on the same line; only `\"` and `\\` are escapes.
    private mutating func lexString(from start: SourcePosition) -> Token {
        offset += 1
        var value: [UInt8] = []
        var badEscape: (position: SourcePosition, text: String)?
        while true {
            guard offset < bytes.count, bytes[offset] != UInt8(ascii: "\n") else {
                return token(.invalid(.unterminatedString), from: start)
            }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                break
            }
            if byte == UInt8(ascii: "\\") {
                let next = offset + 1 < bytes.count ? bytes[offset + 1] : 0
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                    value.append(next)
                    offset += 2
                    continue
                }
                if badEscape == nil, next != 0, next != UInt8(ascii: "\n") {
                    let length = 1 + scalarLength(at: offset + 1)
                    badEscape = (position, String(decoding: bytes[offset..<offset + length], as: UTF8.self))
                }
                // The character after a bad backslash is read as an ordinary one, so that
                // `\"` after it cannot be mistaken for the end of the string.
                offset += 1
                continue
            }
            value.append(byte)
            offset += 1
        }
        if let badEscape {
            return token(.invalid(.invalidEscape(badEscape.text)), from: badEscape.position)
        }
        return token(.string(String(decoding: value, as: UTF8.self)), from: start)
    }

    private mutating func skipBlanksAndComments() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                offset += 1
            case UInt8(ascii: "#"):
                skip(while: { $0 != UInt8(ascii: "\n") })
            default:
                return
            }
        }
    }

    private mutating func skip(while predicate: (UInt8) -> Bool) {
        while offset < bytes.count, predicate(bytes[offset]) { offset += 1 }
    }

    private func text(from start: SourcePosition) -> String {
        String(decoding: bytes[start.offset..<offset], as: UTF8.self)
    }

    private func token(_ kind: Token.Kind, from start: SourcePosition) -> Token {
        Token(kind: kind, text: text(from: start), range: SourceRange(start: start, end: position))
    }

    /// The byte length of the UTF-8 sequence at `index` (1 for a stray continuation byte).
    private func scalarLength(at index: Int) -> Int {
        var end = index + 1
        while end < bytes.count, bytes[end] & 0b1100_0000 == 0b1000_0000 { end += 1 }
        return end - index
    }

    /// Whether an IPv6 literal starts here: a run of hex digits, dots and colons holding at
    /// least two colons (RFC 4291 §2.2: the shortest form, `::`, has two; `10.0.0.1:22` has one,
    /// and no word of the language is followed by a colon).
    private func ipv6LiteralAhead() -> Bool {
        var colons = 0
        var index = offset
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                colons += 1
                if colons == 2 { return true }
            } else if !Self.isHexDigit(byte) && byte != UInt8(ascii: ".") {
                return false
            }
            index += 1
        }
        return false
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// `*.` followed by a word: the start of a DNS wildcard name.
    private static func isWildcardStart(at index: Int, in bytes: [UInt8]) -> Bool {
        bytes[index] == UInt8(ascii: "*") && index + 2 < bytes.count && bytes[index + 1] == UInt8(ascii: ".")
            && isWordContinuation(bytes[index + 2])
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: "_")
    }

    /// `-` joins words (`echo-request`, `ip-options`); `.` allows VLAN interfaces (`eth0.100`).
    private static func isWordContinuation(_ byte: UInt8) -> Bool {
        isWordStart(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
