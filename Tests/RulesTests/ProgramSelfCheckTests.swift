import Testing
@testable import Rules
import Wire

@Suite struct ProgramSelfCheckTests {
    static let source = """
        policy drop
        set admins = { 10.1.0.0/24, 192.168.7.10 }
        accept tcp from $admins to any port 22 in eth0 flags S/SA
        accept udp to 10.2.0.0/16 port { 53, 5353 } ttl 2-64
        accept icmp type echo-request
        drop any length 1000-1500 mark 7
        accept tcp to any port 8000-8080 out eth1
        """

    @Test func probesHitEveryRule() throws {
        let program = try #require(Program.load(source: Self.source, file: "t.rules").program)
        for (index, rule) in program.rules.enumerated() {
            for highEnd in [false, true] {
                let probe = Program.probe(for: rule.match, highEnd: highEnd)
                #expect(rule.match.matches(probe), "rule \(index) misses its own probe \(probe)")
            }
        }
    }

    @Test func compiledAndReferenceAgree() throws {
        let program = try #require(Program.load(source: Self.source, file: "t.rules").program)
        let check = program.selfCheck()
        #expect(check.passed)
        #expect(check.probes == program.rules.count * 2 + 256)
    }

    @Test func largeRulesetsAreProbedWithinTheBound() throws {
        // Built directly (the text path's warnings pass is slow in debug builds).
        let rules = (0..<4200).map { index in
            var match = RuleMatch()
            match[.proto] = ValueSet(6)
            match[.destination] = ValueSet(AddressKey.key(IPv4Address(rawValue: UInt32(0x0A00_0001 + index * 256))))
            match[.destinationPort] = ValueSet(UInt128(1000 + index % 60000))
            return Rule(action: .accept, match: match, location: SourceLocation(file: "big", line: index + 1, column: 1))
        }
        let check = Program(policy: .drop, rules: rules).selfCheck(randomProbes: 16)
        #expect(check.passed)
        #expect(check.probes <= Program.maximumRuleProbes * 2 + 16)
    }
}
