import Wire

extension Diagnostic {
    /// Everything the lexer, parser, loader and checker can say. `description` is the text a
    /// user reads; the cases and their values are what tests and tools compare.
    public enum Message: Equatable, Sendable, CustomStringConvertible {
        // Lexer
        case unexpectedCharacter(String)
        case unterminatedString
        case invalidEscape(String)
        case tokenTooLong(limit: Int)
        // Parser
        case unknownKeyword(String)
        case expected(Expectation, found: String)
        case trailingTokens(found: String)
        case invalidAddress(String)
        case prefixOutOfRange(String)
        case invalidNumber(String)
        case invalidFlags(String)
        case givenTwice(Keyword)
        case fromAfterTo
        case clauseAfterOption(clause: Keyword, option: Keyword)
        case portWithoutAddress
        case reservedSetName(String)
        case onlyAcceptAllows(Keyword)
        case negationInsideList
        case emptyList
        case limitOutOfRange(Keyword, UInt64)
        case tooManyErrors(limit: Int)
        case tooManyWarnings(limit: Int)
        /// `port 22:25`, pf's and iptables' range: the hint names the range as written here.
        case portRangeWithColon(low: UInt64, high: String)
        case inspectClauseTwice(String)
        // Loader
        case includeCycle(String)
        case includeUnreadable(String, reason: String)
        case includeTooDeep(limit: Int)
        case includedTwice(String, first: SourceLocation)
        case tooManyFiles(limit: Int)
        case fileTooLarge(String, limit: Int)
        case rulesetTooLarge(limit: Int)
        // Checker: errors
        case duplicateDirective(Keyword, firstLine: Int)
        case portNeedsTCPOrUDP
        case flagsNeedTCP
        /// `inner` on a rule whose protocol carries no packets.
        case innerNeedsTunnel
        case optionNeedsICMP(Keyword)
        case undefinedSet(String)
        case setRedefined(String, firstLine: Int)
        case wrongItem(expected: ItemContext, found: String)
        case valueOutOfRange(ItemContext, UInt64)
        case unknownName(ItemContext, String)
        case sourceRouteNeverAllowed(String)
        case icmpTypeNeverDecoded(String)
        /// A port name that the services database (/etc/services) does not list for the protocol.
        case unknownService(String, proto: String)
        case listTooLarge(limit: Int)
        case expansionTooLarge(limit: Int)
        case tooManyRules(limit: Int)
        // DNS (Checker+DNS.swift, NameList.swift)
        case dnsNeedsUDP(Keyword)
        case dnsNeedsInspect(Keyword)
        case duplicateInspect(firstLine: Int)
        case invalidDNSName(String)
        case nameListUnreadable(String, reason: String)
        case nameListMixed
        case nameListLine(String)
        case tooManyNames(limit: Int)
        case tooManyDNSLists(limit: Int)
        // Checker: warnings
        case hostBitsSet(IPv4Address, prefix: UInt8)
        case reversedRange(low: UInt64, high: UInt64)
        case unusedSet(String)
        case matchesNothing
        case unreachableRule(coveredBy: [RuleReference], catchAll: Bool)
        case duplicateRule(of: RuleReference)
        /// The IPv6 and address-family messages (`Diagnostic+IPv6.swift`).
        case ipv6(IPv6Message)
        case flagsNeverSet(String)
        case shadowingNotAnalyzed(rules: Int, budget: Int)
        case igmpWithoutRouterAlert
        /// An accept from a service's source port to a wide destination, without `state` (or,
        /// for TCP, `flags` requiring ACK): see `StatelessReplies`.
        case statelessReply(sourcePorts: String, destinationPorts: String?, witness: String?, tcp: Bool)

        /// What the parser was looking for when it met something else.
        public enum Expectation: Equatable, Sendable, CustomStringConvertible {
            case statement, policyAction, logMode, proto, address, prefixLength, port, labelText
            case setName, equals, fileName, item, number, closingBrace, arrow
            case closingBracket, bracketedAddress
            case logLimit, rateUnit
            case inspectedProtocol

            public var description: String {
                switch self {
                case .statement: "a rule or directive ('accept', 'drop', 'reject', 'policy', 'log', 'set' or 'include')"
                case .policyAction: "'accept', 'drop' or 'reject'"
                case .logMode: "'drops', 'all', 'control' or 'none'"
                case .proto: "a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp', 'gre', 'ipip', 'ipv6-in-ipv4' or 'any')"
                case .address: "an address ('any', a.b.c.d, a.b.c.d/n, an IPv6 address or network)"
                case .prefixLength: "a prefix length (0-32, or 0-128 for IPv6)"
                case .port: "a port number (0-65535)"
                case .labelText: "a quoted label"
                case .setName: "a set name"
                case .equals: "'='"
                case .fileName: "a quoted file name"
                case .item: "a value (an address, a number, a name, a $set or '{')"
                case .number: "a number"
                case .closingBrace: "',' or '}'"
                case .arrow: "'->'"
                case .closingBracket: "']'"
                case .bracketedAddress: "an IPv6 address with a port in brackets, as in '[fd00::1]:22'"
                case .logLimit: "a rate ('200/s', '30/m', '5/h') or 'none'"
                case .rateUnit: "a rate unit ('/s', '/m' or '/h')"
                case .inspectedProtocol: "a protocol to inspect ('dns')"
                }
            }
        }

        /// Where a list is used, which decides what its items may be.
        public enum ItemContext: String, Equatable, Sendable {
            case address, port, interface
            case icmpType = "ICMP type"
            case icmpCode = "ICMP code"
            case state, length, ttl = "TTL", mark
            case ipOption = "IP option"
            case dnsType = "DNS type"
            case dnsRCode = "DNS RCODE"
            case dnsOpcode = "DNS opcode"
            case dnsName = "DNS name"

            /// "an address", "a port or port range", ...
            var expectation: String {
                switch self {
                case .address: "an address or network"
                case .port: "a port or port range"
                case .interface: "an interface name"
                case .icmpType: "an ICMP type name or number"
                case .icmpCode: "an ICMP code name or number"
                case .state: "a state (new, established, related, invalid)"
                case .length: "a length or length range"
                case .ttl: "a TTL or TTL range"
                case .mark: "a mark or mark range"
                case .ipOption: "an IP option name or number"
                case .dnsType: "a DNS type name or number"
                case .dnsRCode: "a DNS RCODE name or number"
                case .dnsOpcode: "a DNS opcode ('notify', 'update' or a number)"
                case .dnsName: "a DNS name or $set"
                }
            }

            /// The names the context accepts, for "did you mean".
            var knownNames: [String] {
                switch self {
                case .icmpType: Names.icmpTypes.map(\.name)
                case .icmpCode: Names.icmpCodes.map(\.name)
                case .state: ConnectionState.allCases.map(\.description)
                case .ipOption: (Names.ipOptions + Names.sourceRouteOptions).map(\.name)
                default: []
                }
            }

            /// The largest value the context accepts.
            var maximum: UInt64 {
                switch self {
                case .port: 65_535
                // IPv6: the 40-byte header and a 65,535-byte payload (RFC 8200 §3).
                case .length: 65_575
                case .icmpType, .icmpCode, .ttl, .ipOption: 255
                case .mark: UInt64(UInt32.max)
                case .dnsType: 65_535
                case .dnsRCode: 4_095
                case .dnsOpcode: 15
                case .address, .interface, .state, .dnsName: 0
                }
            }
        }

        public var severity: Severity {
            switch self {
            case .hostBitsSet, .reversedRange, .unusedSet, .matchesNothing, .unreachableRule, .duplicateRule, .flagsNeverSet,
                 .shadowingNotAnalyzed, .igmpWithoutRouterAlert, .tooManyWarnings, .statelessReply:
                .warning
            case .ipv6(let message):
                message.severity
            default:
                .error
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
            case .tokenTooLong(let limit):
                "word or string longer than \(RulesetLimits.describe(bytes: limit))"
            case .tooManyErrors(let limit):
                "more than \(limit) errors in this file; no more are reported"
            case .tooManyWarnings(let limit):
                "more than \(limit) warnings in this file; no more are reported"
            case .unknownKeyword(let word):
                "unknown keyword '\(word)'" + Suggestions.forUnknownKeyword(word)
            case .portRangeWithColon(let low, let high):
                "write \(low)-\(high) for a port range"
            case .unknownService(let name, let proto):
                "unknown service '\(name)': /etc/services has no \(proto) port of that name"
            case .expected(let expectation, let found):
                "expected \(expectation) but found \(found)"
            case .trailingTokens(let found):
                "unexpected \(found) at the end of the statement"
            case .invalidAddress(let text):
                "invalid IPv4 address '\(text)'"
            case .prefixOutOfRange(let text):
                "CIDR prefix /\(text) is out of range (0-32)"
            case .invalidNumber(let text):
                "invalid number '\(text)'"
            case .invalidFlags(let text):
                "invalid TCP flags '\(text)'; write flags as letters of FSRPAUEW, as in 'flags S/SA'"
            case .givenTwice(let keyword):
                "'\(keyword.rawValue)' given twice"
            case .fromAfterTo:
                "'from' must come before 'to'"
            case .clauseAfterOption(let clause, let option):
                "'\(clause.rawValue)' must come before '\(option.rawValue)'"
            case .portWithoutAddress:
                "'port' must follow an address, as in 'to any port 22'"
            case .reservedSetName(let name):
                "'\(name)' is a keyword and cannot name a set"
            case .onlyAcceptAllows(let keyword):
                "only 'accept \(keyword.rawValue)' exists: \(keyword == .fragments ? "fragments" : keyword == .ipv6Headers ? "IPv6 extension headers" : "IP options") are dropped unless accepted"
            case .negationInsideList:
                "'!' negates a whole list: write '!{ a, b }', not '{ !a, b }'"
            case .emptyList:
                "empty list '{ }'"
            case .limitOutOfRange(let keyword, let value):
                "\(keyword == .burst ? "burst" : "rate") \(value) is out of range (1-\(LogLimit.maximum))"
            case .includeCycle(let path):
                "include cycle: \(path) is already being read"
            case .includeUnreadable(let path, let reason):
                "cannot include \(path): \(reason)"
            case .includeTooDeep(let limit):
                "includes nested more than \(limit) deep"
            case .includedTwice(let path, let first):
                "\(path) is already included at \(first); a ruleset reads each file once"
            case .tooManyFiles(let limit):
                "more than \(limit) files in one ruleset"
            case .fileTooLarge(let path, let limit):
                "\(path) is larger than \(RulesetLimits.describe(bytes: limit))"
            case .rulesetTooLarge(let limit):
                "the ruleset's files together are larger than \(RulesetLimits.describe(bytes: limit))"
            case .duplicateDirective(let keyword, let firstLine):
                "duplicate '\(keyword.rawValue)' directive (first given on line \(firstLine))"
            case .portNeedsTCPOrUDP:
                "port needs tcp, udp or sctp"
            case .flagsNeedTCP:
                "flags needs tcp"
            case .innerNeedsTunnel:
                "inner needs gre, ipip, ipv6-in-ipv4 or any"
            case .optionNeedsICMP(let keyword):
                "'\(keyword.rawValue)' needs icmp or icmp6"
            case .undefinedSet(let name):
                "undefined set $\(name) (a set must be defined before it is used)"
            case .setRedefined(let name, let firstLine):
                "set $\(name) is already defined on line \(firstLine)"
            case .wrongItem(let context, let found):
                "expected \(context.expectation) here, but found \(found)"
            case .valueOutOfRange(let context, let value):
                "\(context.rawValue) \(value) is out of range (0-\(context.maximum))"
            case .unknownName(let context, let name):
                "unknown \(context.rawValue) '\(name)'" + Suggestions.forUnknownName(name, among: context.knownNames)
            case .sourceRouteNeverAllowed(let name):
                "source-route option '\(name)' can never be accepted"
            case .icmpTypeNeverDecoded(let name):
                "ICMP type '\(name)' is refused by the decoder before any rule runs, so this can never match"
            case .listTooLarge(let limit):
                "list expands to more than \(limit) items"
            case .expansionTooLarge(let limit):
                "the ruleset's lists expand to more than \(limit) items in all"
            case .tooManyRules(let limit):
                "more than \(limit) rules in one ruleset"
            case .hostBitsSet(let address, let prefix):
                "\(dottedQuad(address))/\(prefix) has host bits set; it means "
                    + "\(dottedQuad(AddressMatch(network: address, prefix: prefix).network))/\(prefix)"
            case .reversedRange(let low, let high):
                "range \(low)-\(high) is reversed; read as \(high)-\(low)"
            case .unusedSet(let name):
                "set $\(name) is never used"
            case .matchesNothing:
                "rule can never match: its own conditions exclude every packet"
            case .unreachableRule(let rules, true):
                "rule can never match: the catch-all rule on \(RuleReference.list(rules)) matches every packet first"
            case .unreachableRule(let rules, false) where rules.count == 1:
                "rule can never match: the rule on \(RuleReference.list(rules)) matches all of its packets first"
            case .unreachableRule(let rules, false):
                "rule can never match: the rules on \(RuleReference.list(rules)) together match all of its packets first"
            case .duplicateRule(let rule):
                "rule duplicates the rule on \(RuleReference.list([rule])); it can never match"
            case .shadowingNotAnalyzed(let rules, let budget):
                "this rule and the \(rules - 1) after it are not checked for being hidden by earlier rules: "
                    + "the analysis stops after \(budget) rule comparisons (duplicates and rules after a catch-all are still found)"
            case .ipv6(let message):
                message.description
            case .flagsNeverSet(let text):
                "flags \(text) asks for flags outside its mask; it can never match"
            case .igmpWithoutRouterAlert:
                "igmp is accepted but the router alert option is not: IGMPv2 and v3 carry it (RFC 2236 §2, RFC 3376 §4), "
                    + "so only IGMPv1 passes; add 'accept ip-options { router-alert }'"
            case .statelessReply(let source, let destination, let witness, let tcp):
                "stateless reply rule: it accepts every packet from \(source) to \(destination ?? "any port"), not only replies"
                    + (witness.map { ", as '\($0)'" } ?? "")
                    + "; match replies with 'state established'" + (tcp ? " (or at least 'flags A/A')" : "")
            case .inspectClauseTwice(let word):
                "'\(word)' given twice in 'inspect dns'"
            case .dnsNeedsUDP(let keyword):
                "'\(keyword.rawValue)' needs udp (DNS is inspected over UDP)"
            case .dnsNeedsInspect(let keyword):
                "'\(keyword.rawValue)' needs an 'inspect dns' directive in the ruleset"
            case .duplicateInspect(let firstLine):
                "duplicate 'inspect dns' directive (first given on line \(firstLine))"
            case .invalidDNSName(let text):
                "'\(text)' is not a DNS name: labels of 1-63 letters, digits, '-' or '_', at most 255 octets, "
                    + "'*.' only first; write internationalized names as A-labels (xn--...)"
            case .nameListUnreadable(let path, let reason):
                "cannot read name list \(path): \(reason)"
            case .nameListMixed:
                "a name list read from a file is used alone: write 'dns-name $list', without other names"
            case .nameListLine(let text):
                "'\(text)' is not a name, a hosts-file line (address, then names) or a comment"
            case .tooManyNames(let limit):
                "the ruleset's name lists hold more than \(limit) names"
            case .tooManyDNSLists(let limit):
                "more than \(limit) different DNS name or address lists in one ruleset"
            }
        }
    }
}

/// A rule named in a message: its line, and its file when that differs from the message's.
public struct RuleReference: Equatable, Sendable {
    public var line: Int
    public var file: String?

    public init(line: Int, file: String? = nil) {
        self.line = line
        self.file = file
    }

    /// "line 3", "lines 2 and 5", "lines 2, 5 and other.rules:7".
    static func list(_ rules: [RuleReference]) -> String {
        let names = rules.map { $0.file.map { "\($0):" } ?? "" }.enumerated().map { index, prefix in "\(prefix)\(rules[index].line)" }
        let word = rules.count == 1 ? "line" : "lines"
        guard names.count > 1 else { return "\(word) \(names.first ?? "")" }
        return "\(word) \(names.dropLast().joined(separator: ", ")) and \(names.last!)"
    }
}
