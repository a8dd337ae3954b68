import Wire

extension Diagnostic {
    /// Everything the lexer, parser and checker can say. `description` is the text a user reads;
    /// the cases and their values are what tests and tools compare.
    public enum Message: Equatable, Sendable, CustomStringConvertible {
        // Lexer
        case unexpectedCharacter(String)
        case unterminatedString
        case invalidEscape(String)
        // Parser
        case unknownKeyword(String)
        case expected(Expectation, found: String)
        case trailingTokens(found: String)
        case invalidAddress(String)
        case prefixOutOfRange(String)
        case portOutOfRange(String)
        case reversedPortRange(low: UInt16, high: UInt16)
        case givenTwice(Keyword)
        case fromAfterTo
        case clauseAfterOption(clause: Keyword, option: Keyword)
        case portWithoutAddress
        // Checker
        case duplicateDirective(Keyword, firstLine: Int)
        case portNeedsTCPOrUDP
        case hostBitsSet(IPv4Address, prefix: UInt8)
        case unreachableRule(coveredByLine: Int, catchAll: Bool)

        /// What the parser was looking for when it met something else.
        public enum Expectation: Equatable, Sendable, CustomStringConvertible {
            case statement, policyAction, logMode, proto, address, prefixLength, port, labelText

            public var description: String {
                switch self {
                case .statement: "a rule or directive ('accept', 'drop', 'policy' or 'log')"
                case .policyAction: "'accept' or 'drop'"
                case .logMode: "'drops', 'all' or 'none'"
                case .proto: "a protocol ('tcp', 'udp', 'icmp' or 'any')"
                case .address: "an address ('any', a.b.c.d or a.b.c.d/n)"
                case .prefixLength: "a prefix length (0-32)"
                case .port: "a port number (0-65535)"
                case .labelText: "a quoted label"
                }
            }
        }

        public var severity: Severity {
            switch self {
            case .hostBitsSet, .unreachableRule: .warning
            default: .error
            }
        }

        public var description: String {
            switch self {
            case .unexpectedCharacter(let text):
                "unexpected character '\(text)'"
            case .unterminatedString:
                "unterminated string"
            case .invalidEscape(let text):
                "invalid escape '\(text)' in string; only \\\" and \\\\ are allowed"
            case .unknownKeyword(let word):
                "unknown keyword '\(word)'"
            case .expected(let expectation, let found):
                "expected \(expectation) but found \(found)"
            case .trailingTokens(let found):
                "unexpected \(found) at the end of the statement"
            case .invalidAddress(let text):
                "invalid IPv4 address '\(text)'"
            case .prefixOutOfRange(let text):
                "CIDR prefix /\(text) is out of range (0-32)"
            case .portOutOfRange(let text):
                "port \(text) is out of range (0-65535)"
            case .reversedPortRange(let low, let high):
                "port range \(low)-\(high) is reversed; write \(high)-\(low)"
            case .givenTwice(let keyword):
                "'\(keyword.rawValue)' given twice"
            case .fromAfterTo:
                "'from' must come before 'to'"
            case .clauseAfterOption(let clause, let option):
                "'\(clause.rawValue)' must come before '\(option.rawValue)'"
            case .portWithoutAddress:
                "'port' must follow an address, as in 'to any port 22'"
            case .duplicateDirective(let keyword, let firstLine):
                "duplicate '\(keyword.rawValue)' directive (first given on line \(firstLine))"
            case .portNeedsTCPOrUDP:
                "port needs tcp or udp"
            case .hostBitsSet(let address, let prefix):
                "\(dottedQuad(address))/\(prefix) has host bits set; it means "
                    + "\(dottedQuad(AddressMatch(network: address, prefix: prefix).network))/\(prefix)"
            case .unreachableRule(let line, true):
                "rule can never match: the catch-all rule on line \(line) matches every packet first"
            case .unreachableRule(let line, false):
                "rule can never match: the rule on line \(line) matches all of its packets first"
            }
        }
    }
}
