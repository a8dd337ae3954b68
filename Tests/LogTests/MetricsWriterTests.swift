import Foundation
import Testing
@testable import Engine
@testable import Log
import Rules

@Suite struct MetricsWriterTests {
    private func snapshot() -> MetricsWriter.Snapshot {
        let rule = Rule(action: .accept, label: "a \"b\"\\c\nd", location: SourceLocation(file: "x.rules", line: 3, column: 1))
        var engine = EngineCounters()
        engine.acceptedByRule = 5
        engine.droppedByPolicy = 2
        engine.ipv4Packets = 4
        engine.ipv6Packets = 3
        engine.resetRuleHits(count: 1)
        return MetricsWriter.Snapshot(
            queue: 4, engine: engine, program: Program(rules: [rule]),
            counters: [("socket_overflows_total", "Overflows.", 7)],
            reloadsSucceeded: 1, reloadsFailed: 2, startTime: 1_800_000_000)
    }

    @Test func rendersFamiliesWithHelpTypeAndQueueLabel() {
        let text = MetricsWriter.render(snapshot())
        #expect(text.contains("# HELP portcullis_packets_total Packets judged, by verdict and reason.\n# TYPE portcullis_packets_total counter\n"))
        #expect(text.contains("portcullis_packets_total{queue=\"4\",verdict=\"accept\",reason=\"rule\"} 5\n"))
        #expect(text.contains("portcullis_packets_total{queue=\"4\",verdict=\"drop\",reason=\"policy\"} 2\n"))
        #expect(text.contains("portcullis_socket_overflows_total{queue=\"4\"} 7\n"))
        #expect(text.contains("# HELP portcullis_family_packets_total Packets judged, by IP family.\n# TYPE portcullis_family_packets_total counter\n"
            + "portcullis_family_packets_total{queue=\"4\",family=\"ipv4\"} 4\nportcullis_family_packets_total{queue=\"4\",family=\"ipv6\"} 3\n"))
        #expect(text.contains("portcullis_reloads_total{queue=\"4\",result=\"failure\"} 2\n"))
        #expect(text.contains("# TYPE portcullis_start_time_seconds gauge\nportcullis_start_time_seconds{queue=\"4\"} 1800000000\n"))
        for line in text.split(separator: "\n") {
            #expect(line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") || line.hasPrefix("portcullis_"))
        }
    }

    @Test func labelValuesAreEscaped() {
        let text = MetricsWriter.render(snapshot())
        #expect(text.contains("portcullis_rule_hits_total{queue=\"4\",file=\"x.rules\",line=\"3\",label=\"a \\\"b\\\"\\\\c\\nd\"} 0\n"))
    }

    @Test func writeReplacesTheFileAndLeavesNoTemporary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.prom").path
        let writer = MetricsWriter(path: path)
        #expect(writer.write(snapshot()))
        #expect(writer.write(snapshot()))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsWriter.render(snapshot()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["p.prom"])
        #expect(!MetricsWriter(path: directory.appendingPathComponent("no/such/dir/p.prom").path).write(snapshot()))
    }
}
