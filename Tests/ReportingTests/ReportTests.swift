import Foundation
import Testing
import CZlib
@testable import Log
import Rules
@testable import Reporting

/// A generated log: 100 verdict lines, one a second from 2026-01-01T00:00:00Z. Line i is
/// from 10.1.0.(i % 4), a drop by rule 8 "telnet" when i % 3 == 0, a decode drop when
/// i % 3 == 1 (bad-checksum), and an accept by rule 6 "web" otherwise; plus a start event
/// and two damaged lines.
private func generatedLog() -> [String] {
    var lines = [#"{"timestamp":"2026-01-01T00:00:00.000000Z","event_type":"start","queue":0}"#]
    for i in 0..<100 {
        let time = "2026-01-01T00:\(String(i / 60).leftPadded(to: 2)):\(String(i % 60).leftPadded(to: 2)).000000Z"
        let head = #"{"timestamp":"\#(time)","event_type":"verdict","queue":0,"src_ip":"10.1.0.\#(i % 4)","dest_ip":"10.2.0.2","proto":"TCP""#
        switch i % 3 {
        case 0: lines.append(head + #","dest_port":23,"verdict":"drop","reason":"rule","rule":{"file":"/etc/p/site.rules","line":8,"label":"telnet"}}"#)
        case 1: lines.append(head + #","verdict":"drop","reason":"decode","decode_error":{"layer":"tcp","reason":"bad-checksum"}}"#)
        default: lines.append(head + #","dest_port":8080,"verdict":"accept","reason":"rule","rule":{"file":"/etc/p/site.rules","line":6,"label":"web"}}"#)
        }
    }
    lines.insert(#"{"timestamp":"2026-01-01T00:00:10.0"#, at: 20)
    lines.append("not json")
    return lines
}

private func report(_ configure: (inout ReportFilter) -> Void = { _ in }) -> Report {
    var filter = ReportFilter()
    configure(&filter)
    var report = Report(filter: filter)
    for line in generatedLog() {
        if let record = ReportRecord(line: line) { report.add(record) } else { report.readDamaged() }
    }
    return report
}

@Test func everyVerdictIsCountedAndGroupedWithoutFilters() {
    let all = report()
    #expect(all.lines == 103 && all.damagedLines == 2)
    #expect(all.events == ["start": 1, "verdict": 100])
    #expect(all.matched == ReportCount(total: 100, accepted: 33, dropped: 67))
    #expect(all.first == ReportTime.parse("2026-01-01T00:00:00Z") && all.last == ReportTime.parse("2026-01-01T00:01:39Z"))
    let rules = all.top(.rule, nil).rows
    #expect(rules.map(\.key) == [#"/etc/p/site.rules:8 "telnet""#, "(decode)", #"/etc/p/site.rules:6 "web""#])
    #expect(rules.map(\.count.total) == [34, 33, 33])
    #expect(all.top(.reason, nil).rows.map(\.key) == ["rule", "decode/bad-checksum"])
    #expect(all.top(.src, 2).rows.map(\.key) == ["10.1.0.0", "10.1.0.1"] && all.top(.src, 2).groups == 4)
    #expect(all.top(.port, nil).rows.map(\.key) == ["TCP/23", "TCP", "TCP/8080"])
}

@Test func filtersCombine() {
    #expect(report { $0.verdict = "drop" }.matched.total == 67)
    #expect(report { $0.reason = "bad-checksum" }.matched.total == 33)
    #expect(report { $0.reason = "decode" }.matched.total == 33)
    #expect(report { $0.source = ReportFilter.network("10.1.0.2") }.matched.total == 25)
    #expect(report { $0.source = ReportFilter.network("10.1.0.0/31") }.matched.total == 50)
    #expect(report { $0.destination = ReportFilter.network("10.3.0.0/16") }.matched.total == 0)
    #expect(report { $0.rule = RuleSelector("site.rules:8") }.matched.total == 34)
    #expect(report { $0.rule = RuleSelector("web") }.matched.total == 33)
    #expect(report { $0.rule = RuleSelector("other.rules:8") }.matched.total == 0)
    let window = report {
        $0.since = ReportTime.parse("2026-01-01T00:00:10Z")
        $0.until = ReportTime.parse("2026-01-01T00:00:20Z")
        $0.verdict = "drop"
    }
    #expect(window.matched.total == 7 && window.first == ReportTime.parse("2026-01-01T00:00:10Z"))
}

@Test func ruleSelectorsAndNetworksParse() {
    #expect(RuleSelector("rules/a.rules:12") == .location(file: "rules/a.rules", line: 12))
    #expect(RuleSelector("admin ssh") == .label("admin ssh"))
    #expect(RuleSelector("a:b") == .label("a:b"))
    #expect(ReportFilter.network("10.0.0.0/33") == nil && ReportFilter.network("10.0.0") == nil)
}

@Test func theTimelineCoarsensAndDisplaysContiguousBuckets() {
    let all = report()
    let (width, buckets) = all.timeline.display(target: 120)
    #expect(width == 1_000_000 && buckets.count == 100)
    let (coarse, fewer) = all.timeline.display(target: 20)
    #expect(coarse == 10_000_000 && fewer.count == 10 && fewer.map(\.count.total).reduce(0, +) == 100)
    var long = Timeline()
    for second in stride(from: 0, to: 400_000, by: 5) { long.add(Int64(second) * 1_000_000, verdict: "drop") }
    #expect(long.buckets.count <= Timeline.maximumBuckets && long.width == 60_000_000)
}

@Test func textJSONAndHTMLCarryTheGroups() throws {
    let all = report { $0.verdict = "drop" }
    let text = all.text(dimensions: [.rule], top: 2)
    #expect(text.contains("matched: 67 verdicts (accepted 0, dropped 67)"))
    #expect(text.contains("by rule: top 2 of 2 rules"))
    #expect(text.contains(#"     34       0    34   50.7%  /etc/p/site.rules:8 "telnet""#))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(all.json(dimensions: [.src], top: 3))) as? [String: Any])
    #expect(json["damaged_lines"] as? Int == 2)
    let groups = try #require(json["groups"] as? [String: Any])
    let src = try #require(groups["src"] as? [String: Any])
    #expect((src["top"] as? [[String: Any]])?.count == 3 && src["groups"] as? Int == 4)
    let html = all.html(top: 5)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<title>Portcullis verdict report</title>"))
    for id in ["timeline", "top-rules", "top-sources", "top-reasons"] { #expect(html.contains("id=\"\(id)\"")) }
    #expect(!html.contains("src=\"http") && !html.contains("href=\"http"))   // self-contained
    #expect(Report.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
}

@Test func theReaderStreamsPlainAndGzipFilesAndFlagsOverlongLines() throws {
    let directory = FileManager.default.temporaryDirectory
    let plain = directory.appendingPathComponent("portcullis-\(UUID().uuidString).jsonl").path
    let zipped = plain + ".gz"
    defer {
        try? FileManager.default.removeItem(atPath: plain)
        try? FileManager.default.removeItem(atPath: zipped)
    }
    let text = generatedLog().joined(separator: "\n") + "\n" + String(repeating: "x", count: ReportReader.maximumLineLength + 5) + "\n{\"event_type\":\"stop\"}"
    try text.write(toFile: plain, atomically: true, encoding: .utf8)
    let gz = try #require(gzopen(zipped, "wb"))
    text.utf8CString.withUnsafeBytes { _ = gzwrite(gz, $0.baseAddress, UInt32($0.count - 1)) }
    gzclose(gz)
    for path in [plain, zipped] {
        var all = Report(filter: ReportFilter())
        try all.read(ReportReader(path: path))
        #expect(all.lines == 105 && all.damagedLines == 3 && all.events["stop"] == 1 && all.matched.total == 100)
    }
    #expect(throws: ReportReadError.self) { try ReportReader(path: "/nonexistent/log.jsonl") }
}
