import Testing
import Wire
@testable import Rules

private let example = """
    # comment to end of line
    policy drop            # or: policy accept.
    log drops
    accept tcp from 10.1.0.0/24 port 1024-65535 to 10.2.0.2 port 22 label "admin ssh"
    accept udp to any port 53
    accept icmp
    drop log tcp to any port 23 label "telnet"
    accept any from 10.9.0.0/16
    """

@Test func exampleFileParsesToGoldenTree() {
    let (syntax, diagnostics) = Parser.parse(example, file: "site.rules")
    #expect(diagnostics.isEmpty)
    #expect(syntax.description == """
        policy [2:1-12] drop [2:8-12]
        log [3:1-10] drops [3:5-10]
        rule [4:1-82] accept [4:1-7]
          proto tcp [4:8-11]
          from [4:12-44] 10.1.0.0/24 [4:17-28] port 1024-65535 [4:29-44]
          to [4:45-64] 10.2.0.2 [4:48-56] port 22 [4:57-64]
          label "admin ssh" [4:71-82]
        rule [5:1-26] accept [5:1-7]
          proto udp [5:8-11]
          to [5:12-26] any [5:15-18] port 53 [5:19-26]
        rule [6:1-12] accept [6:1-7]
          proto icmp [6:8-12]
        rule [7:1-43] drop [7:1-5]
          log [7:6-9]
          proto tcp [7:10-13]
          to [7:14-28] any [7:17-20] port 23 [7:21-28]
          label "telnet" [7:35-43]
        rule [8:1-28] accept [8:1-7]
          proto any [8:8-11]
          from [8:12-28] 10.9.0.0/16 [8:17-28]
        """)
}

@Test func syntaxTreeHoldsTypedValues() {
    let (syntax, _) = Parser.parse("drop log udp from 192.168.7.10 port 53 to 0.0.0.0/0 port 0-1023", file: "f")
    guard case .rule(let rule) = syntax.statements.first else {
        Issue.record("expected a rule")
        return
    }
    #expect(rule.action.value == .drop)
    #expect(rule.log != nil)
    #expect(rule.proto.proto == .udp)
    #expect(rule.source?.address.items.map(\.kind) == [.host(IPv4Address(192, 168, 7, 10))])
    #expect(rule.source?.port?.items.map(\.kind) == [.range(53, 53)])
    #expect(rule.destination?.address.items.map(\.kind) == [.network(IPv4Address(0, 0, 0, 0), prefix: 0)])
    #expect(rule.destination?.port?.items.map(\.kind) == [.range(0, 1023)])
    #expect(rule.label == nil)
}

@Test func labelMayComeBeforeNothingElseButIsOptional() {
    let (syntax, diagnostics) = Parser.parse("accept tcp label \"x\"\naccept tcp to any label \"y\"", file: "f")
    #expect(diagnostics.isEmpty)
    #expect(syntax.statements.count == 2)
}

@Test func blankLinesCommentsAndCRLFAreIgnored() {
    let (syntax, diagnostics) = Parser.parse("\r\n# c\r\n\r\npolicy accept\r\n  # c\r\n", file: "f")
    #expect(diagnostics.isEmpty)
    #expect(syntax.description == "policy [4:1-14] accept [4:8-14]")
}

/// `FILE:LINE:COL: SEVERITY: MESSAGE` for every diagnostic (parser and checker) of one line of text.
private func parseErrors(_ line: String) -> [String] {
    Program.load(source: line, file: "t.rules").diagnostics.map(\.description)
}

@Test(arguments: [
    ("frobnicate", "t.rules:1:1: error: unknown keyword 'frobnicate'"),
    ("port 22", "t.rules:1:1: error: expected a rule or directive ('accept', 'drop', 'policy', 'log', 'set' or 'include') but found 'port'"),
    ("10.0.0.1", "t.rules:1:1: error: expected a rule or directive ('accept', 'drop', 'policy', 'log', 'set' or 'include') but found '10.0.0.1'"),
    ("policy", "t.rules:1:7: error: expected 'accept' or 'drop' but found end of file"),
    ("policy reject", "t.rules:1:8: error: unknown keyword 'reject'"),
    ("policy drop drop", "t.rules:1:13: error: unexpected 'drop' at the end of the statement"),
    ("log any", "t.rules:1:5: error: expected 'drops', 'all', 'control' or 'none' but found 'any'"),
    ("log all none", "t.rules:1:9: error: unexpected 'none' at the end of the statement"),
    ("accept", "t.rules:1:7: error: expected a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp' or 'any') but found end of file"),
    ("accept log log tcp", "t.rules:1:12: error: expected a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp' or 'any') but found 'log'"),
    ("accept ospf", "t.rules:1:8: error: unknown keyword 'ospf'"),
    ("accept tcp frm any", "t.rules:1:12: error: unknown keyword 'frm'; did you mean 'from'?"),
    ("accept tcp from", "t.rules:1:16: error: expected a value (an address, a number, a name, a $set or '{') but found end of file"),
    ("accept tcp from port 22", "t.rules:1:17: error: expected a value (an address, a number, a name, a $set or '{') but found 'port'"),
    ("accept tcp to 10.0.0.256", "t.rules:1:15: error: invalid IPv4 address '10.0.0.256'"),
    ("accept tcp to 10.0.0", "t.rules:1:15: error: invalid IPv4 address '10.0.0'"),
    ("accept tcp to 10", "t.rules:1:15: error: expected an address or network here, but found number 10"),
    ("accept tcp to 10.0.0.1a", "t.rules:1:15: error: invalid IPv4 address '10.0.0.1a'"),
    ("accept tcp to 10.0.0.0/33", "t.rules:1:24: error: CIDR prefix /33 is out of range (0-32)"),
    ("accept tcp to 10.0.0.0/99999999999", "t.rules:1:24: error: CIDR prefix /99999999999 is out of range (0-32)"),
    ("accept tcp to 10.0.0.0/", "t.rules:1:24: error: expected a prefix length (0-32, or 0-128 for IPv6) but found end of file"),
    ("accept tcp to any port", "t.rules:1:23: error: expected a value (an address, a number, a name, a $set or '{') but found end of file"),
    ("accept tcp to any port 70000", "t.rules:1:24: error: port 70000 is out of range (0-65535)"),
    ("accept tcp to any port 1-65536", "t.rules:1:24: error: port 65536 is out of range (0-65535)"),
    ("accept tcp to any port 100-10", "t.rules:1:24: warning: range 100-10 is reversed; read as 10-100"),
    ("accept tcp to any port 22-", "t.rules:1:27: error: expected a number but found end of file"),
    ("accept tcp to any port 22a", "t.rules:1:24: error: invalid number '22a'"),
    ("accept tcp to any port 22 23", "t.rules:1:27: error: unexpected '23' at the end of the statement"),
    ("accept tcp to any port 22 port 23", "t.rules:1:27: error: 'port' given twice"),
    ("accept tcp port 22", "t.rules:1:12: error: 'port' must follow an address, as in 'to any port 22'"),
    ("accept tcp from any from any", "t.rules:1:21: error: 'from' given twice"),
    ("accept tcp to any to any", "t.rules:1:19: error: 'to' given twice"),
    ("accept tcp to any from any", "t.rules:1:19: error: 'from' must come before 'to'"),
    ("accept tcp label \"a\" to any", "t.rules:1:22: error: 'to' must come before 'label'"),
    ("accept tcp label \"a\" label \"b\"", "t.rules:1:22: error: 'label' given twice"),
    ("accept tcp label admin", "t.rules:1:18: error: unknown keyword 'admin'"),
    ("accept tcp label 22", "t.rules:1:18: error: expected a quoted label but found '22'"),
    ("accept tcp label \"open", "t.rules:1:18: error: unterminated string"),
    ("accept tcp label \"a\\tb\"", "t.rules:1:20: error: invalid escape '\\t' in string; only \\\" and \\\\ are allowed"),
    ("accept tcp to any port 22 \"stray\"", "t.rules:1:27: error: unexpected \"stray\" at the end of the statement"),
    ("accept tcp @", "t.rules:1:12: error: unexpected character '@'"),
    ("accept tcp to $admins", "t.rules:1:15: error: undefined set $admins (a set must be defined before it is used)"),
    ("accept tcp flags s", "t.rules:1:18: error: invalid TCP flags 's'; write flags as letters of FSRPAUEW, as in 'flags S/SA'"),
    ("accept udp to any flags S/SA", "t.rules:1:19: error: flags needs tcp"),
    ("accept tcp type echo-request", "t.rules:1:12: error: 'type' needs icmp or icmp6"),
    ("accept icmp type echo", "t.rules:1:18: error: unknown ICMP type 'echo'"),
    ("accept icmp code 256", "t.rules:1:18: error: ICMP code 256 is out of range (0-255)"),
    ("accept tcp to any port { 22, 10.0.0.1 }", "t.rules:1:30: error: expected a port or port range here, but found address 10.0.0.1"),
    ("accept tcp to { 10.0.0.1, !10.0.0.2 }", "t.rules:1:27: error: '!' negates a whole list: write '!{ a, b }', not '{ !a, b }'"),
    ("accept tcp to { }", "t.rules:1:15: error: empty list '{ }'"),
    ("accept tcp state new state new", "t.rules:1:22: error: 'state' given twice"),
    ("accept tcp state bogus", "t.rules:1:18: error: unknown state 'bogus'"),
    ("accept any in averyveryverylongname0", "t.rules:1:15: error: unknown interface 'averyveryverylongname0'"),
    ("accept tcp ttl 300", "t.rules:1:16: error: TTL 300 is out of range (0-255)"),
    ("accept tcp mark 0x100000000", "t.rules:1:17: error: invalid number '0x100000000'"),
    ("drop fragments", "t.rules:1:1: error: only 'accept fragments' exists: fragments are dropped unless accepted"),
    ("accept ip-options { ssrr }", "t.rules:1:21: error: source-route option 'ssrr' can never be accepted"),
    ("accept ip-options 131", "t.rules:1:19: error: source-route option 'lsrr' can never be accepted"),
    ("accept ip-options { bogus }", "t.rules:1:21: error: unknown IP option 'bogus'"),
    ("set tcp = { 1 }", "t.rules:1:5: error: 'tcp' is a keyword and cannot name a set"),
    ("set a = { 1 }\nset a = { 2 }\naccept tcp to any port $a", "t.rules:2:5: error: set $a is already defined on line 1"),
    ("include \"x.rules\"", "t.rules:1:1: error: cannot include x.rules: No such file or directory"),
])
func badRuleTextGivesGoldenDiagnostic(source: String, expected: String) {
    #expect(parseErrors(source) == [expected])
}

@Test func everyBadLineIsReportedAndGoodLinesSurvive() {
    let source = """
        policy drop
        accept tcp frm 10.0.0.1
        accept udp to any port 53
        accept tcp to 10.0.0.0/40 port 99999
        log loudly

        drop log icmp label "no \\escape"
        accept tcp label "unterminated
        accept icmp
        """
    let (syntax, diagnostics) = Parser.parse(source, file: "rules/site.rules")
    #expect(diagnostics.map(\.description) == [
        "rules/site.rules:2:12: error: unknown keyword 'frm'; did you mean 'from'?",
        "rules/site.rules:4:24: error: CIDR prefix /40 is out of range (0-32)",
        "rules/site.rules:5:5: error: unknown keyword 'loudly'",
        "rules/site.rules:7:25: error: invalid escape '\\e' in string; only \\\" and \\\\ are allowed",
        "rules/site.rules:8:18: error: unterminated string",
    ])
    #expect(syntax.statements.map(\.range.start.line) == [1, 3, 9])
}

@Test func diagnosticsCarryTypedMessages() {
    let (_, diagnostics) = Parser.parse("accept tcp to any port 9-8 frm", file: "f")
    #expect(diagnostics == [
        Diagnostic(
            severity: .error, location: SourceLocation(file: "f", line: 1, column: 28),
            message: .unknownKeyword("frm")),
    ])
}
