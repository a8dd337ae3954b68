import Testing
@testable import Engine
import Log
import Rules
import Wire

private func event(source: IPv4Address?, port: UInt16?, verdict: Action = .drop, reason: VerdictReason = .policy) -> VerdictEvent {
    VerdictEvent(
        metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: 60),
        verdict: verdict, reason: reason, rule: nil, decodeError: nil,
        summary: source.map { PacketSummary(proto: .udp, source: $0, destination: IPv4Address(10, 2, 0, 2), destinationPort: port) },
        normalized: [], shouldLog: true)
}

private let epoch = PacketTimestamp(seconds: 1_700_000_000, microseconds: 0)

@Test func aCountTableHoldsAtMostItsCapacityAndOverflowsTheRest() {
    var table = CountTable(capacity: 16)
    for key in 0..<UInt32(1000) { table.record(key) }
    for _ in 0..<5 { table.record(3) }
    #expect(table.entries == table.capacity)
    let (top, other) = table.top(4)
    #expect(top.count == 4)
    #expect(top[0] == (key: 3, count: 6) || (top[0].key == 3 && top[0].count == 6))
    #expect(top.reduce(other) { $0 + $1.count } == 1005)
}

@Test func aCountTableEmptiesInPlace() {
    var table = CountTable(capacity: 4)
    for key in 0..<UInt32(10) { table.record(key) }
    table.removeAll()
    #expect(table.entries == 0 && table.overflow == 0)
    table.record(7)
    #expect(table.top(10).top.map(\.key) == [7])
}

@Test func everyBreakdownSumsToTheCount() {
    var summary = SuppressionSummary(cause: .rateLimit, tableCapacity: 16)
    // 300 distinct /24 networks (more than the table holds), ports 0..<50, some ICMP-like
    // packets without a port, some undecodable ones without addresses.
    for index in 0..<3000 {
        let net = UInt32(index % 300)
        let source = IPv4Address(rawValue: 0x0A00_0000 | net << 8 | UInt32(index % 7))
        summary.record(event(source: source, port: index % 10 == 0 ? nil : UInt16(index % 50), reason: index % 3 == 0 ? .rule : .policy), now: { epoch })
    }
    for _ in 0..<11 { summary.record(event(source: nil, port: nil, reason: .decode), now: { epoch }) }
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
    for host in 1...200 { summary.record(event(source: IPv4Address(10, 1, 0, UInt8(host)), port: 53), now: { epoch }) }
    summary.record(event(source: IPv4Address(10, 1, 1, 1), port: 53), now: { epoch })
    let top = summary.sources.top(10).top
    #expect(top.map(\.key) == [IPv4Address(10, 1, 0, 0).rawValue, IPv4Address(10, 1, 1, 0).rawValue])
    #expect(top.map(\.count) == [200, 1])
}

@Test func theGateAdmitsTheBurstThenSummarisesExactly() {
    var gate = VerdictLogGate(limit: LogLimit(rate: 100, period: .second, burst: 10), now: 0)
    var admitted = 0
    for index in 0..<1000 {
        // 1,000 packets over 1 s: 10 (burst) + 100 (refill) admitted.
        if gate.admit(event(source: IPv4Address(10, 9, 0, 1), port: 53), now: UInt64(index) * 1_000_000) { admitted += 1 }
    }
    #expect(admitted == 109 || admitted == 110)
    #expect(gate.admitted == UInt64(admitted))
    #expect(gate.suppressed + gate.admitted == 1000)
    #expect(gate.rateSummary.count == gate.suppressed)
}

@Test func noLimitAdmitsEverything() {
    var gate = VerdictLogGate(limit: nil, now: 0)
    for _ in 0..<10_000 { _ = gate.admit(event(source: IPv4Address(10, 9, 0, 1), port: 53), now: 0) }
    #expect(gate.admitted == 10_000 && gate.suppressed == 0)
}

@Test(arguments: [
    ("0", FreeSpaceThreshold.bytes(0)), ("1048576", .bytes(1 << 20)), ("512k", .bytes(512 << 10)),
    ("64M", .bytes(64 << 20)), ("2G", .bytes(2 << 30)), ("1T", .bytes(1 << 40)), ("5%", .percent(5)), ("0%", .percent(0)),
] as [(String, FreeSpaceThreshold)])
func freeSpaceThresholdsParse(text: String, value: FreeSpaceThreshold) {
    #expect(FreeSpaceThreshold(parsing: text) == value)
}

@Test(arguments: ["", "%", "100%", "-1", "5 %", "1.5G", "2X", "99999999999999999999", "17179869184G"])
func badFreeSpaceThresholdsAreRefused(text: String) {
    #expect(FreeSpaceThreshold(parsing: text) == nil)
}

@Test func aThresholdIsComparedWithTheSpaceAnUnprivilegedWriterHas() {
    let space = FilesystemSpace(available: 10 << 20, total: 1 << 30)
    #expect(space.isLow(.bytes(11 << 20)))
    #expect(!space.isLow(.bytes(10 << 20)))
    #expect(space.isLow(.percent(2)))    // 2 % of 1 GiB is 21 MB
    #expect(!space.isLow(.percent(0)))
    #expect(FreeSpaceThreshold.percent(0).isOff && FreeSpaceThreshold.bytes(0).isOff)
    #expect(FilesystemSpace.of(path: "/") != nil)
    #expect(FilesystemSpace.of(path: "/nonexistent/x") == nil)
}
