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
    #expect(rule.match[.proto] == nil)
    #expect(rule.log)
    #expect(rule.match[.source] == nil)
    #expect(rule.match[.destination] == ValueSet([AddressKey.key(IPv4Address(10, 0, 0, 0))...AddressKey.key(IPv4Address(10, 0, 0, 255))]))
    #expect(rule.match[.sourcePort] == nil && rule.match[.destinationPort] == nil)
    #expect(rule.location == SourceLocation(file: "k.rules", line: 1, column: 3))
}

@Test func directivesCompileToDecodeOptions() {
    let program = compile("accept fragments\naccept ip-options { router-alert, timestamp, 7 }")
    #expect(program.decodeOptions == DecodeOptions(allowFragments: true, allowedIPOptionTypes: IPOptionTypes([148, 68, 7])))
    #expect(compile("accept tcp").decodeOptions == DecodeOptions())
}

@Test func optionsCompileToValueSets() {
    let rule = compile("accept tcp to any port !{ 22, 23 } flags S/SA state { new, established } ttl 1-64 length 40 mark 0x10 in eth0 out !{ eth1, eth2 }").rules[0]
    #expect(rule.match[.destinationPort] == ValueSet([0...21, 24...65535]))
    #expect(rule.match[.tcpFlags] == ValueSet((0...255).filter { $0 & 0x12 == 0x02 }.map { UInt128($0)...UInt128($0) }))
    #expect(rule.match[.state] == ValueSet([0...1]))
    #expect(rule.match[.ttl] == ValueSet([1...64]))
    #expect(rule.match[.length] == ValueSet(40))
    #expect(rule.match[.mark] == ValueSet(16))
    #expect(rule.match.inInterfaces == InterfaceSet([InterfaceName("eth0")!]))
    #expect(rule.match.outInterfaces == InterfaceSet([InterfaceName("eth1")!, InterfaceName("eth2")!], negated: true))
}
