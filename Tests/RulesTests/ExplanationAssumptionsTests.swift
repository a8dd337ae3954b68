import Testing
import Wire
@testable import Rules

/// `explain` without ports, and what it assumed (issue 14, item 6).
@Suite struct ExplanationAssumptionsTests {
    static let source = """
        drop tcp to any port 23 label "telnet"
        accept tcp from 10.1.0.0/24 to 10.2.0.2 ttl 2-255 label "admins"
        accept udp in eth0 state established label "replies"
        """

    @Test func aPacketMayLeaveOutPortsNoDecidingRuleLooksAt() throws {
        let program = try #require(Program.load(source: Self.source, file: "e.rules").program)
        let packet = try PacketDescription.parse("tcp 10.1.0.2 -> 10.3.0.1").get()
        #expect(packet.sourcePort == nil && packet.destinationPort == nil)
        // The telnet rule looks at the destination port and the packet may be for 23.
        let dependence = try #require(program.dependence(of: packet, omitted: [.sourcePort, .destinationPort]))
        #expect(dependence.rule == 0 && dependence.field == .destinationPort)
        // With the destination port given, nothing depends on the source port.
        let withPort = try PacketDescription.parse("tcp 10.1.0.2 -> 10.2.0.2:22").get()
        #expect(program.dependence(of: withPort, omitted: [.sourcePort]) == nil)
        #expect(program.evaluate(withPort) == Decision(action: .accept, ruleIndex: 1))
    }

    @Test func theAssumptionsNameOnlyFieldsSomeRuleLooksAtAndThePacketLeftOut() throws {
        let program = try #require(Program.load(source: Self.source, file: "e.rules").program)
        let text = "udp 10.1.0.2:5000 -> 10.2.0.2:53 in eth0"
        let packet = try PacketDescription.parse(text).get()
        #expect(program.assumptions(for: packet, given: PacketDescription.givenFields(text)) == ["no connection state", "ttl 64"])
        let full = "udp 10.1.0.2:5000 -> 10.2.0.2:53 in eth0 state new ttl 9"
        #expect(program.assumptions(for: try PacketDescription.parse(full).get(), given: PacketDescription.givenFields(full)) == [])
    }

    @Test func aPacketWithoutPortsStillReadsItsOptions() throws {
        let packet = try PacketDescription.parse("udp 10.0.0.1 -> 10.0.0.2 ttl 3").get()
        #expect(packet.ttl == 3 && packet.sourcePort == nil)
    }
}
