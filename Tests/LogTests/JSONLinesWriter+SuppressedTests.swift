import Foundation
import Testing
@testable import Engine
import Log
import Rules
import Wire
import Reporting

private func dropEvent(_ source: IPv4Address, port: UInt16) -> VerdictEvent {
    VerdictEvent(
        metadata: PacketMetadata(queue: 2, packetID: 1, packetLength: 60),
        verdict: .drop, reason: .policy, rule: nil, decodeError: nil,
        summary: PacketSummary(proto: .udp, source: source, destination: IPv4Address(10, 2, 0, 2), sourcePort: 999, destinationPort: port),
        normalized: [], shouldLog: true)
}

/// Runs `body` on a writer to a fresh file and returns the file's lines, parsed, and whether
/// the hash chain verifies.
private func written(_ body: (JSONLinesWriter) -> Void) throws -> (objects: [[String: Any]], chainIntact: Bool) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-supp-\(UUID().uuidString).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let writer = try JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "a", count: 64))
    body(writer)
    writer.flush()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let objects = try text.split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let result = try ChainVerifier.verify(paths: [path])
    return (objects, result.problem == nil)
}

@Test func theSuppressedEventCarriesExactBoundedBreakdowns() throws {
    let limit = LogLimit(rate: 5, period: .second, burst: 5)
    let (objects, intact) = try written { writer in
        writer.writeStart(StartInfo(version: "t", queue: 2, rulesFile: "r", pid: 1, program: Program(rules: [])))
        var gate = VerdictLogGate(limit: limit, now: 0)
        for index in 0..<2000 {
            let source = IPv4Address(rawValue: 0x0A00_0001 | UInt32(index % 40) << 8)
            let event = dropEvent(source, port: UInt16(index % 25))
            if gate.admit(event, now: 0) { writer.writeVerdict(event) }
        }
        // Not due before a second has passed since its first packet; due after.
        gate.writeDue(to: writer, queue: 2, now: VerdictLogGate.summaryInterval - 1)
        gate.writeDue(to: writer, queue: 2, now: VerdictLogGate.summaryInterval)
        gate.writeAll(to: writer, queue: 2)
    }
    #expect(intact)
    let verdicts = objects.filter { $0["event_type"] as? String == "verdict" }
    let summaries = objects.filter { $0["event_type"] as? String == "suppressed" }
    #expect(verdicts.count == 5)
    try #require(summaries.count == 1)
    let summary = summaries[0]
    #expect(summary["cause"] as? String == "rate_limit")
    #expect(summary["count"] as? Int == 1995)
    #expect(summary["since"] is String)
    let limitObject = summary["limit"] as? [String: Any]
    #expect(limitObject?["rate"] as? Int == 5 && limitObject?["period"] as? String == "s" && limitObject?["burst"] as? Int == 5)
    #expect(summary["by_verdict"] as? [String: Int] == ["drop": 1995, "accept": 0])
    #expect(summary["by_reason"] as? [String: Int] == ["rule": 0, "policy": 1995, "decode": 0, "internal": 0])
    let nets = try #require(summary["by_src_net"] as? [[String: Any]])
    #expect(nets.count == JSONLinesWriter.suppressedTopCount)
    #expect(nets.first?["net"] as? String == "10.0.5.0/24")
    let netSum = nets.compactMap { $0["count"] as? Int }.reduce(0, +)
    #expect(netSum + (summary["src_net_other"] as? Int ?? -1) + (summary["src_net_none"] as? Int ?? -1) == 1995)
    let ports = try #require(summary["by_dest_port"] as? [[String: Any]])
    #expect(ports.count == 10)
    let portSum = ports.compactMap { $0["count"] as? Int }.reduce(0, +)
    #expect(portSum + (summary["dest_port_other"] as? Int ?? -1) + (summary["dest_port_none"] as? Int ?? -1) == 1995)
}

@Test func theDiskGuardHoldsEveryLineAndSummarisesOnResume() throws {
    let (objects, intact) = try written { writer in
        writer.writeStart(StartInfo(version: "t", queue: 2, rulesFile: "r", pid: 1, program: Program(rules: [])))
        var gate = VerdictLogGate(limit: nil, now: 0)
        let event = dropEvent(IPv4Address(10, 1, 0, 2), port: 53)
        if gate.admit(event, now: 0) { writer.writeVerdict(event) }
        gate.setDiskLow(true, writer: writer, queue: 2)
        for _ in 0..<700 where gate.admit(event, now: 0) { writer.writeVerdict(event) }
        // Nothing is written while the disk is low, whatever is due.
        gate.writeDue(to: writer, queue: 2, now: 10 * VerdictLogGate.summaryInterval)
        gate.setDiskLow(false, writer: writer, queue: 2)
        if gate.admit(event, now: 0) { writer.writeVerdict(event) }
    }
    #expect(intact)
    #expect(objects.compactMap { $0["event_type"] as? String } == ["start", "verdict", "suppressed", "verdict"])
    #expect(objects[2]["cause"] as? String == "disk_low")
    #expect(objects[2]["count"] as? Int == 700)
    #expect(objects[2]["limit"] == nil)
}
