import Testing
import Wire
@testable import Rules

/// `reject`: a third action, for rules and the policy.
@Suite struct RejectTests {
    private func compile(_ source: String) -> Program {
        Compiler.compile(Parser.parse(source, file: "r.rules").0)
    }

    @Test func rejectIsARuleActionAndAPolicy() {
        let program = compile("policy reject\nreject tcp to any port 9090 label \"closed\"\naccept udp")
        #expect(program.policy == .reject)
        #expect(program.rules.map(\.action) == [.reject, .accept])
        #expect(program.rules[0].label == "closed")
    }

    @Test(arguments: [
        ("reject fragments", "r.rules:1:1: error: only 'accept fragments' exists: fragments are dropped unless accepted"),
        ("reject", "r.rules:1:7: error: expected a protocol ('tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'esp', 'ah', 'vrrp', 'sctp', 'gre', 'ipip', 'ipv6-in-ipv4' or 'any') but found end of file"),
    ])
    func rejectIsParsedWhereAnActionIs(source: String, expected: String) {
        let (_, diagnostics) = Parser.parse(source, file: "r.rules")
        #expect(diagnostics.map(\.description) == [expected])
    }
}
