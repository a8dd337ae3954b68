import Foundation
import Testing
@testable import Engine
@testable import Log
import Rules
import Wire
@testable import Reporting

/// Writes a small log with the real writer and returns its lines.
private func writtenLog(queue: UInt16 = 0, verdicts: Int = 5, path: String) throws -> [String] {
    let writer = try JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "a", count: 64))
    writer.writeStart(StartInfo(version: "t", queue: queue, rulesFile: "r", pid: 1, program: Program(rules: [])))
    for id in 0..<verdicts {
        writer.writeVerdict(VerdictEvent(
            metadata: PacketMetadata(queue: queue, packetID: UInt32(id), packetLength: 60),
            verdict: .drop, reason: .policy, rule: nil, decodeError: nil, summary: nil,
            normalized: [], shouldLog: true))
    }
    writer.flush()
    return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString).jsonl").path
}

private func verify(_ files: [[String]]) throws -> ChainVerifier.Result {
    let paths = files.map { lines in
        let path = temporaryPath()
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.map { $0 + "\n" }.joined().utf8))
        return path
    }
    defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
    let result = try ChainVerifier.verify(paths: paths)
    return result
}

@Suite struct ChainVerifierTests {
    @Test func chainValueIsShaOfPreviousValueAndContent() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try writtenLog(verdicts: 1, path: path)
        // Recompute independently: SHA-256(32 zero bytes || start content), then onwards.
        var previous = Data(count: 32)
        for line in lines {
            let range = try #require(line.range(of: ",\"chain\":\"", options: .backwards))
            let content = Data(line[..<range.lowerBound].utf8)
            var hasher = SHA256Hasher()
            hasher.update(Array(previous + content))
            var digest = Data(count: 32)
            digest.withUnsafeMutableBytes { hasher.finalize(into: $0) }
            let hex = digest.map { String(format: "%02x", $0) }.joined()
            #expect(line.hasSuffix(",\"chain\":\"\(hex)\"}"))
            previous = digest
        }
    }

    @Test func intactLogVerifies() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try verify([try writtenLog(path: path)])
        #expect(result.problem == nil)
        #expect(result.lines == 6 && result.anchors == 1)
    }

    @Test func alteredLineIsNamed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        lines[3] = lines[3].replacingOccurrences(of: "\"verdict\":\"drop\"", with: "\"verdict\":\"accept\"")
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 4 && problem.kind == .alteredOrRemovedBefore)
    }

    @Test func removedLineIsNoticedAtTheNextLine() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        lines.remove(at: 2)
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 3 && problem.kind == .alteredOrRemovedBefore)
    }

    @Test func insertedLineIsNamed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        lines.insert(lines[4], at: 2)
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 3 && problem.kind == .inserted)
    }

    @Test func lineRewrittenWithAFreshChainValueIsNamed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        let forged = String(lines[2].dropLast(66)) + String(repeating: "0", count: 64) + "\"}"
        lines[2] = forged
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 3 && problem.kind == .rewritten)
    }

    @Test func lineWithoutChainIsNamed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        lines.insert("{\"event_type\":\"verdict\",\"queue\":0}", at: 5)
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 6 && problem.kind == .missingChain)
    }

    @Test func lastLineAlteredIsStillCaught() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines = try writtenLog(path: path)
        lines[5] = lines[5].replacingOccurrences(of: "\"packet_id\":4", with: "\"packet_id\":9")
        let problem = try #require(try verify([lines]).problem)
        #expect(problem.line == 6 && problem.kind == .brokenAtEnd)
    }

    @Test func chainContinuesAcrossRotatedFiles() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try writtenLog(verdicts: 9, path: path)
        let first = Array(lines[..<4]), second = Array(lines[4...])
        #expect(try verify([first, second]).problem == nil)
        // Out of order, the second file's first line does not follow the first file.
        #expect(try verify([second, first]).pickedUp.count == 1)
        // Given only the later file, the chain is picked up mid-way and the rest checks out.
        let later = try verify([second])
        #expect(later.problem == nil && later.pickedUp.count == 1)
    }

    @Test func interleavedWritersKeepSeparateChains() throws {
        let a = temporaryPath(), b = temporaryPath()
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        let zero = try writtenLog(queue: 0, path: a), one = try writtenLog(queue: 1, path: b)
        var mixed: [String] = []
        for index in 0..<zero.count { mixed += [zero[index], one[index]] }
        #expect(try verify([mixed]).problem == nil)
        mixed.swapAt(4, 6)  // two lines of queue 0 swap places
        #expect(try verify([mixed]).problem != nil)
    }

    @Test func reopenContinuesTheChain() throws {
        let path = temporaryPath(), rotated = path + ".1"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: rotated)
        }
        let writer = try JSONLinesWriter(destination: .file(path), ruleset: String(repeating: "b", count: 64))
        writer.writeStart(StartInfo(version: "t", queue: 0, rulesFile: "r", pid: 1, program: Program(rules: [])))
        writer.writeReload(queue: 0, rulesFile: "r", errors: [])
        writer.flush()
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        try writer.reopen()
        writer.writeReload(queue: 0, rulesFile: "r", errors: ["x"])
        writer.flush()
        let result = try ChainVerifier.verify(paths: [rotated, path])
        #expect(result.problem == nil && result.lines == 3)
    }
}

/// The hasher against FIPS 180-2's examples (the chain is also recomputed independently by
/// Python's hashlib in the integration tests).
@Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
])
func sha256KnownAnswers(text: String, hex: String) {
    var hasher = SHA256Hasher()
    hasher.update(Array(text.utf8))
    #expect(hasher.finalizeHex() == hex)
}
