import Testing
import Engine
import Wire

@Suite struct VerdictEventTests {
    /// A summary built from addresses alone has no ports and no ICMP fields.
    @Test func summaryDefaults() {
        let summary = PacketSummary(proto: .icmp, source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2))
        #expect(summary.sourcePort == nil && summary.destinationPort == nil)
        #expect(summary.icmpType == nil && summary.icmpCode == nil)
    }
}
