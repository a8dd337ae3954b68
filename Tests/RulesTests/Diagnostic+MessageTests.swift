import Testing
import Wire
@testable import Rules

@Test(arguments: [
    (Diagnostic.Message.unexpectedCharacter("@"), "unexpected character '@'"),
    (.unterminatedString, "unterminated string"),
    (.invalidEscape("\\n"), "invalid escape '\\n' in string; only \\\" and \\\\ are allowed"),
    (.unknownKeyword("frm"), "unknown keyword 'frm'; did you mean 'from'?"),
    (.expected(.proto, found: "'port'"), "expected a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp' or 'any') but found 'port'"),
    (.trailingTokens(found: "'x'"), "unexpected 'x' at the end of the statement"),
    (.invalidAddress("1.2.3"), "invalid IPv4 address '1.2.3'"),
    (.prefixOutOfRange("33"), "CIDR prefix /33 is out of range (0-32)"),
    (.valueOutOfRange(.port, 65536), "port 65536 is out of range (0-65535)"),
    (.reversedRange(low: 100, high: 10), "range 100-10 is reversed; read as 10-100"),
    (.unreachableRule(coveredBy: [RuleReference(line: 2), RuleReference(line: 5, file: "x.rules")], catchAll: false),
     "rule can never match: the rules on lines 2 and x.rules:5 together match all of its packets first"),
    (.duplicateRule(of: RuleReference(line: 3)), "rule duplicates the rule on line 3; it can never match"),
    (.undefinedSet("web"), "undefined set $web (a set must be defined before it is used)"),
    (.unusedSet("web"), "set $web is never used"),
    (.wrongItem(expected: .port, found: "address 10.0.0.1"), "expected a port or port range here, but found address 10.0.0.1"),
    (.sourceRouteNeverAllowed("lsrr"), "source-route option 'lsrr' can never be accepted"),
    (.includeCycle("a.rules"), "include cycle: a.rules is already being read"),
    (.givenTwice(.label), "'label' given twice"),
    (.fromAfterTo, "'from' must come before 'to'"),
    (.clauseAfterOption(clause: .from, option: .label), "'from' must come before 'label'"),
    (.portWithoutAddress, "'port' must follow an address, as in 'to any port 22'"),
    (.duplicateDirective(.log, firstLine: 3), "duplicate 'log' directive (first given on line 3)"),
    (.portNeedsTCPOrUDP, "port needs tcp, udp or sctp"),
    (.hostBitsSet(IPv4Address(10, 0, 0, 5), prefix: 24), "10.0.0.5/24 has host bits set; it means 10.0.0.0/24"),
    (.unreachableRule(coveredBy: [RuleReference(line: 4)], catchAll: false), "rule can never match: the rule on line 4 matches all of its packets first"),
])
func messageText(message: Diagnostic.Message, text: String) {
    #expect(message.description == text)
}

@Test func onlyHostBitsAndUnreachableRulesAreWarnings() {
    #expect(Diagnostic.Message.hostBitsSet(IPv4Address(1, 1, 1, 1), prefix: 8).severity == .warning)
    #expect(Diagnostic.Message.unreachableRule(coveredBy: [RuleReference(line: 1)], catchAll: false).severity == .warning)
    #expect(Diagnostic.Message.givenTwice(.label).severity == .error)
}
