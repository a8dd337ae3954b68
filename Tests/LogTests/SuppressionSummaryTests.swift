import Testing
@testable import Engine
import Log
import Rules
import Wire

@Test func everyBreakdownSumsToTheCount() {
    var summary = SuppressionSummary(cause: .rateLimit, tableCapacity: 16)
    // 300 distinct /24 networks (more than the table holds), ports 0..<50, some ICMP-like
    // packets without a port, some undecodable ones without addresses.
    for index in 0..<3000 {
        let net = UInt32(index % 300)
        let source = IPv4Address(rawValue: 0x0A00_0000 | net << 8 | UInt32(index % 7))
        summary.record(summaryEvent(source: source, port: index % 10 == 0 ? nil : UInt16(index % 50), reason: index % 3 == 0 ? .rule : .policy), now: { epoch })
    }
    for _ in 0..<11 { summary.record(summaryEvent(source: nil, port: nil, reason: .decode), now: { epoch }) }
    #expect(summary.count == 3011)
    #expect(summary.sources.entries == 16 && summary.sources.overflow > 0)
    #expect(summary.since == epoch)
    #expect(summary.byReason.rule + summary.byReason.policy + summary.byReason.decode + summary.byReason.internal == 3011)
    #expect(summary.byReason.decode == 11)
    let sources = summary.sources.top(JSONLinesWriter.suppressedTopCount)
    #expect(sources.top.count == 10)
    #expect(sources.top.reduce(sources.other + summary.noSource) { $0 + $1.count } == 3011)
    #expect(summary.noSource == 11)
    let ports = summary.ports.top(JSONLinesWriter.suppressedTopCount)
    #expect(ports.top.reduce(ports.other + summary.noPort) { $0 + $1.count } == 3011)
    #expect(summary.noPort == 300 + 11)
    summary.removeAll()
    #expect(summary.count == 0 && summary.since == nil && summary.sources.entries == 0)
}

@Test func sourcesAreGroupedBySlash24() {
    var summary = SuppressionSummary(cause: .diskLow)
    for host in 1...200 { summary.record(summaryEvent(source: IPv4Address(10, 1, 0, UInt8(host)), port: 53), now: { epoch }) }
    summary.record(summaryEvent(source: IPv4Address(10, 1, 1, 1), port: 53), now: { epoch })
    let top = summary.sources.top(10).top
    #expect(top.map(\.key) == [IPv4Address(10, 1, 0, 0).rawValue, IPv4Address(10, 1, 1, 0).rawValue])
    #expect(top.map(\.count) == [200, 1])
}
