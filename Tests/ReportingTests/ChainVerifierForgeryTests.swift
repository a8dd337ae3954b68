import CZlib
import Foundation
import Testing
@testable import Engine
@testable import Log
import Rules
import Wire
@testable import Reporting

/// The forgeries issue 13 found `report --verify` accepting, each now named at its own line.
@Suite struct ChainVerifierForgeryTests {
    /// A log written by the real writer: a start line and `verdicts` verdict lines per queue,
    /// interleaved when several queues are given.
    private func log(queues: [UInt16] = [0], verdicts: Int = 4) throws -> [String] {
        var perQueue: [[String]] = []
        for queue in queues {
            let path = scratch()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let writer = try JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "a", count: 64))
            writer.writeStart(StartInfo(version: "t", queue: queue, rulesFile: "r", pid: 1, program: Program(rules: [])))
            for id in 0..<verdicts { writer.writeVerdict(verdict(queue: queue, id: id)) }
            writer.flush()
            perQueue.append(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init))
        }
        return (0..<perQueue[0].count).flatMap { index in perQueue.map { $0[index] } }
    }

    private func verdict(queue: UInt16, id: Int) -> VerdictEvent {
        VerdictEvent(
            metadata: PacketMetadata(queue: queue, packetID: UInt32(id), packetLength: 60),
            verdict: .drop, reason: .policy, rule: nil, decodeError: nil, summary: nil, normalized: [], shouldLog: true)
    }

    private func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("forgery-\(UUID().uuidString).jsonl").path
    }

    private func verify(_ files: [[String]]) throws -> ChainVerifier.Result {
        try verify(bytes: files.map { Data($0.map { $0 + "\n" }.joined().utf8) })
    }

    private func verify(bytes files: [Data]) throws -> ChainVerifier.Result {
        let paths = files.map { data in
            let path = scratch()
            FileManager.default.createFile(atPath: path, contents: data)
            return path
        }
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        return try ChainVerifier.verify(paths: paths)
    }

    /// Lines a forger writes with chain values of their own, under a queue the log never had.
    private func forged(queue: String, count: Int) -> [String] {
        var value = ChainValue.anchor
        return (0..<count).map { id in
            let content = "{\"timestamp\":\"2026-11-27T10:00:00.000000Z\",\"event_type\":\"verdict\",\"queue\":\(queue),\"ruleset\":\"x\",\"packet_id\":\(id),\"verdict\":\"accept\""
            value = content.utf8CString.withUnsafeBytes { HashChain.link(value, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            var hex = ""
            value.forEachByte { hex += String(format: "%02x", $0) }
            return content + ",\"chain\":\"\(hex)\"}"
        }
    }

    @Test func appendedLinesOfANewQueueAreABreakAtTheFirstOfThem() throws {
        let lines = try log()
        let result = try verify([lines + forged(queue: "7", count: 3)])
        #expect(result.problem == ChainVerifier.Problem(file: result.problem?.file ?? "", line: lines.count + 1, kind: .unstarted))
        #expect(result.pickedUp.isEmpty)
    }

    @Test func manyForgedQueuesStopAtTheFirstAndTrackNothing() throws {
        let lines = try log()
        let forgeries = (0..<20_000).flatMap { forged(queue: "\(100 + $0 % 60_000)", count: 1) }
        let result = try verify([lines + forgeries])
        #expect(result.problem?.line == lines.count + 1 && result.problem?.kind == .unstarted)
        #expect(result.lines == lines.count + 1, "verification stops at the first forged line")
    }

    @Test(arguments: ["\"0\"", "-1", "65536", "70000", "00", "1e2", "null", "0.5"])
    func aBadQueueIsBlamedOnItsOwnLine(value: String) throws {
        var lines = try log()
        lines[2] = lines[2].replacingOccurrences(of: "\"queue\":0,", with: "\"queue\":\(value),")
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 3 && problem.kind == .badQueue)
    }

    @Test func aQueueEditedToAnUnknownOneIsBlamedOnItsOwnLine() throws {
        var lines = try log()
        lines[2] = lines[2].replacingOccurrences(of: "\"queue\":0,", with: "\"queue\":5,")
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 3 && problem.kind == .unstarted)
    }

    @Test func aQueueEditedToAnotherLiveChainIsBlamedOnItsOwnLine() throws {
        var lines = try log(queues: [0, 1])
        // Line 5 is queue 0's second verdict; moved to queue 1, both chains break.
        #expect(lines[4].contains("\"queue\":0,"))
        lines[4] = lines[4].replacingOccurrences(of: "\"queue\":0,", with: "\"queue\":1,")
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 5)
    }

    @Test func aChainIsPickedUpOnlyAtTheFirstLineOfTheFirstFile() throws {
        let lines = try log(verdicts: 6)
        let later = Array(lines[3...])
        let alone = try verify([later])
        #expect(alone.problem == nil && alone.pickedUp.count == 1)
        // The same lines after an unrelated file: the chain has no start there.
        let other = try log(queues: [2])
        let second = try verify([other, later])
        #expect(second.problem?.kind == .unstarted && second.problem?.line == 1)
    }

    @Test func aReopenMarkerInTheFirstFilePicksUpItsQueue() throws {
        let path = scratch(), rotated = path + ".1"
        defer { for file in [path, rotated] { try? FileManager.default.removeItem(atPath: file) } }
        let zero = try JSONLinesWriter(destination: .file(path), ruleset: "r")
        let one = try JSONLinesWriter(destination: .file(path), ruleset: "r")
        for (queue, writer) in [(UInt16(0), zero), (1, one)] {
            writer.writeStart(StartInfo(version: "t", queue: queue, rulesFile: "r", pid: 1, program: Program(rules: [])))
            writer.writeVerdict(verdict(queue: queue, id: 1))
            writer.flush()
        }
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        for (queue, writer) in [(UInt16(0), zero), (1, one)] {
            try writer.reopen()
            writer.writeReopen(queue: queue, pid: 1)
            writer.writeVerdict(verdict(queue: queue, id: 2))
            writer.flush()
        }
        let both = try ChainVerifier.verify(paths: [rotated, path])
        #expect(both.problem == nil && both.pickedUp.isEmpty && both.lines == 8)
        let newer = try ChainVerifier.verify(paths: [path])
        #expect(newer.problem == nil && newer.pickedUp.count == 2)
        // A marker is no pass in a later file: its queue must be known by then.
        let other = scratch()
        defer { try? FileManager.default.removeItem(atPath: other) }
        FileManager.default.createFile(atPath: other, contents: Data(try log(queues: [2]).map { $0 + "\n" }.joined().utf8))
        let afterOther = try ChainVerifier.verify(paths: [other, path])
        #expect(afterOther.problem?.kind == .unstarted && afterOther.problem?.file == path && afterOther.problem?.line == 1)
    }

    @Test func gzipWithTrailingGarbageIsDamaged() throws {
        let lines = try log()
        let compressed = try gzip(Data(lines.map { $0 + "\n" }.joined().utf8))
        #expect(try verify(bytes: [compressed]).problem == nil)
        #expect(try verify(bytes: [compressed + compressed]).problem == nil, "two gzip members are one log")
        let garbage = try #require(try verify(bytes: [compressed + Data("forged".utf8)]).problem)
        #expect(garbage.kind == .damagedFile && garbage.detail?.contains("trailing garbage") == true)
        let cut = try #require(try verify(bytes: [compressed.prefix(compressed.count - 9)]).problem)
        #expect(cut.kind == .damagedFile)
    }

    private func gzip(_ data: Data) throws -> Data {
        let path = scratch() + ".gz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(gzopen(path, "wb"))
        data.withUnsafeBytes { _ = gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
