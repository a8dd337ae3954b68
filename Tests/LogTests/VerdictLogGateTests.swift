import Testing
@testable import Engine
import Log
import Rules
import Wire

@Test func theGateAdmitsTheBurstThenSummarisesExactly() {
    var gate = VerdictLogGate(limit: LogLimit(rate: 100, period: .second, burst: 10), now: 0)
    var admitted = 0
    for index in 0..<1000 {
        // 1,000 packets over 1 s: 10 (burst) + 100 (refill) admitted.
        if gate.admit(summaryEvent(source: IPv4Address(10, 9, 0, 1), port: 53), now: UInt64(index) * 1_000_000) { admitted += 1 }
    }
    // 10 at once, then one per 10 ms: by 999 ms, 10 + 99.9 tokens.
    #expect(admitted == 109)
    #expect(gate.admitted == UInt64(admitted))
    #expect(gate.suppressed + gate.admitted == 1000)
    #expect(gate.rateSummary.count == gate.suppressed)
}

@Test func noLimitAdmitsEverything() {
    var gate = VerdictLogGate(limit: nil, now: 0)
    for _ in 0..<10_000 { _ = gate.admit(summaryEvent(source: IPv4Address(10, 9, 0, 1), port: 53), now: 0) }
    #expect(gate.admitted == 10_000 && gate.suppressed == 0)
}

@Test func theDiskGuardComesBeforeTheRateLimitAndAReloadSwapsTheLimit() {
    var gate = VerdictLogGate(limit: LogLimit(rate: 1, period: .second, burst: 2), now: 0)
    let packet = summaryEvent(source: IPv4Address(10, 9, 0, 1), port: 53)
    let first = [gate.admit(packet, now: 0), gate.admit(packet, now: 0), gate.admit(packet, now: 0)]
    #expect(first == [true, true, false])
    #expect(gate.rateSummary.count == 1 && gate.diskSummary.count == 0)
    // While the disk is low nothing is admitted, even with tokens, and the disk summary counts.
    let path = "/dev/null"
    let writer = try? JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "0", count: 64))
    gate.setDiskLow(true, writer: writer!, queue: 0)
    #expect(gate.rateSummary.count == 0, "the open rate summary is written when the disk goes low")
    let low = [gate.admit(packet, now: 10_000_000_000), gate.admit(packet, now: 10_000_000_000)]
    #expect(low == [false, false])
    #expect(gate.diskSummary.count == 2)
    gate.setDiskLow(false, writer: writer!, queue: 0)
    #expect(gate.diskSummary.count == 0)
    // A reload to `limit none` admits everything; back to a limit, the bucket starts full.
    gate.replace(limit: nil, now: 10_000_000_000)
    #expect(gate.bucket == nil)
    let unlimited = (0..<100).filter { _ in gate.admit(packet, now: 10_000_000_000) }.count
    #expect(unlimited == 100)
    gate.replace(limit: LogLimit(rate: 1, period: .second, burst: 3), now: 10_000_000_000)
    let limited = (0..<10).filter { _ in gate.admit(packet, now: 10_000_000_000) }.count
    #expect(limited == 3)
    #expect(gate.admitted + gate.suppressed == 3 + 2 + 100 + 10)
}
