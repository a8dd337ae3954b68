import Testing
import Wire
@testable import Rules

@Test(arguments: [
    (Diagnostic.Message.unexpectedCharacter("@"), "unexpected character '@'"),
    (.unterminatedString, "unterminated string"),
    (.invalidEscape("\\n"), "invalid escape '\\n' in string; only \\\" and \\\\ are allowed"),
    (.unknownKeyword("frm"), "unknown keyword 'frm'"),
    (.expected(.proto, found: "'port'"), "expected a protocol ('tcp', 'udp', 'icmp' or 'any') but found 'port'"),
    (.trailingTokens(found: "'x'"), "unexpected 'x' at the end of the statement"),
    (.invalidAddress("1.2.3"), "invalid IPv4 address '1.2.3'"),
    (.prefixOutOfRange("33"), "CIDR prefix /33 is out of range (0-32)"),
    (.portOutOfRange("65536"), "port 65536 is out of range (0-65535)"),
    (.reversedPortRange(low: 100, high: 10), "port range 100-10 is reversed; write 10-100"),
    (.givenTwice(.label), "'label' given twice"),
    (.fromAfterTo, "'from' must come before 'to'"),
    (.clauseAfterOption(clause: .from, option: .label), "'from' must come before 'label'"),
    (.portWithoutAddress, "'port' must follow an address, as in 'to any port 22'"),
    (.duplicateDirective(.log, firstLine: 3), "duplicate 'log' directive (first given on line 3)"),
    (.portNeedsTCPOrUDP, "port needs tcp or udp"),
    (.hostBitsSet(IPv4Address(10, 0, 0, 5), prefix: 24), "10.0.0.5/24 has host bits set; it means 10.0.0.0/24"),
    (.unreachableRule(coveredByLine: 4, catchAll: false), "rule can never match: the rule on line 4 matches all of its packets first"),
])
func messageText(message: Diagnostic.Message, text: String) {
    #expect(message.description == text)
}

@Test func onlyHostBitsAndUnreachableRulesAreWarnings() {
    #expect(Diagnostic.Message.hostBitsSet(IPv4Address(1, 1, 1, 1), prefix: 8).severity == .warning)
    #expect(Diagnostic.Message.unreachableRule(coveredByLine: 1, catchAll: false).severity == .warning)
    #expect(Diagnostic.Message.givenTwice(.label).severity == .error)
}
