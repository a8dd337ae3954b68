import Testing
import Wire
@testable import Rules

private func compile(_ source: String) -> Program {
    Compiler.compile(Parser.parse(source, file: "k.rules").0)
}

@Test func defaultsAreDefaultDenyAndLogDrops() {
    let program = compile("accept icmp")
    #expect(program.policy == .drop)
    #expect(program.logMode == .drops)
}

@Test func emptyFileCompilesToPolicyOnly() {
    let program = compile("")
    #expect(program.rules.isEmpty)
    #expect(program.policy == .drop)
    #expect(program.logMode == .drops)
}

@Test func directivesAreTakenAsWritten() {
    let program = compile("log all\npolicy accept")
    #expect(program.policy == .accept)
    #expect(program.logMode == .all)
    #expect(compile("log none").logMode == LogMode.none)
}

@Test func exampleRuleCompilesToFlatFields() {
    let program = compile("\naccept tcp from 10.1.0.0/24 port 1024-65535 to 10.2.0.2 port 22 label \"admin ssh\"")
    #expect(program.rules == [
        Rule(
            action: .accept, log: false, proto: .tcp,
            source: AddressMatch(network: IPv4Address(10, 1, 0, 0), prefix: 24),
            destination: AddressMatch(network: IPv4Address(10, 2, 0, 2), prefix: 32),
            sourcePorts: 1024...65535, destinationPorts: 22...22, label: "admin ssh",
            location: SourceLocation(file: "k.rules", line: 2, column: 1)),
    ])
}

@Test func anyAndHostBitsAreNormalised() {
    let rule = compile("  drop log any from any to 10.0.0.5/24").rules[0]
    #expect(rule.proto == nil)
    #expect(rule.log)
    #expect(rule.source == .any)
    #expect(rule.destination == AddressMatch(network: IPv4Address(10, 0, 0, 0), prefix: 24))
    #expect(rule.sourcePorts == nil && rule.destinationPorts == nil)
    #expect(rule.location == SourceLocation(file: "k.rules", line: 1, column: 3))
}
