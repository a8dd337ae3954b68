import Foundation
import Testing
@testable import Log
@testable import Reporting

private let hashA = String(repeating: "a", count: 64)
private let hashB = String(repeating: "b", count: 64)

private func line(_ second: Int, _ type: String, _ body: String, ruleset: String = hashA, queue: Int = 0) -> String {
    let time = "2026-11-27T10:00:\(String(second).leftPadded(to: 2)).000000Z"
    return #"{"timestamp":"\#(time)","event_type":"\#(type)","queue":\#(queue),"ruleset":"\#(ruleset)"\#(body.isEmpty ? "" : ",")\#(body),"chain":"00"}"#
}

/// An incident: start (log drops, self-test passed), two verdicts, a kernel queue overflow,
/// a packet id gap, a suppressed summary, a failed then a good reload (log all), an unknown
/// event type, an unknown anomaly kind, and a stop with counters.
private func incidentLog() -> [String] {
    [
        line(0, "start", #""version":"1","rules_file":"rules/site.rules","pid":42,"policy":"drop","log":"drops","rule_count":5,"self_test":{"passed":true,"known_answers":12,"rule_probes":30}"#),
        line(1, "verdict", #""packet_id":1,"verdict":"drop","reason":"policy","src_ip":"10.1.0.2","dest_ip":"10.2.0.2","proto":"TCP","dest_port":23,"length":60"#),
        line(2, "anomaly", #""kind":"kernel_queue_full","count":3529,"message":"queue full","total":3529"#),
        line(3, "anomaly", #""kind":"packet_id_gap","count":7,"message":"ids jumped","after_packet_id":90"#),
        line(4, "suppressed", #""cause":"rate_limit","count":700,"by_verdict":{"drop":690,"accept":10},"by_reason":{"policy":690,"rule":10},"by_src_net":[{"net":"10.1.0.0/24","count":700}],"by_dest_port":[{"port":23,"count":650},{"port":80,"count":50}]"#),
        line(5, "reload", #""rules_file":"rules/site.rules","success":false,"errors":["rules/site.rules:3:1: error: one","rules/site.rules:4:1: error: two"]"#),
        line(6, "reload", #""rules_file":"rules/site.rules","success":true,"policy":"drop","log":"all","rule_count":6"#, ruleset: hashB),
        line(7, "reopen", #""note":"a marker this version does not know""#, ruleset: hashB),
        line(8, "anomaly", #""kind":"disk_low","count":1,"message":"free space under 5%""#, ruleset: hashB),
        line(9, "verdict", #""packet_id":2,"verdict":"accept","reason":"rule","rule":{"file":"rules/site.rules","line":3},"src_ip":"10.1.0.2","dest_ip":"10.2.0.2","proto":"TCP","dest_port":80,"length":60"#, ruleset: hashB),
        line(10, "stop", #""signal":"SIGTERM","counters":{"packets":5000,"accepted":710,"dropped":4290,"socket_overflows":0,"packet_id_gaps":7,"kernel_queue_dropped":3529,"log_lines_lost":0}"#, ruleset: hashB),
    ]
}

private func report(_ lines: [String]) -> Report {
    var report = Report(filter: ReportFilter())
    for line in lines {
        if let record = ReportRecord(line: line) { report.add(record) } else { report.readDamaged() }
    }
    return report
}

private func time(_ second: Int) -> Int64? { ReportTime.parse("2026-11-27T10:00:\(String(second).leftPadded(to: 2))Z") }

@Test func lossesAreTalliedWithTheirTimes() {
    let history = report(incidentLog()).history
    #expect(history.losses[.kernelQueueFull] == ReportTally(count: 3529, events: 1, first: time(2), last: time(2)))
    #expect(history.losses[.packetIDGap]?.count == 7)
    #expect(history.losses[.suppressed] == ReportTally(count: 700, events: 1, first: time(4), last: time(4)))
    #expect(history.losses[.socketOverflow] == nil)
    #expect(history.lossEvents.kept.map(\.kind) == ["kernel_queue_full", "packet_id_gap", "suppressed"])
    #expect(history.lossEvents.kept.last?.detail == "rate_limit")
    #expect(history.suppressedBy["dest_port"] == ["23": 650, "80": 50])
    #expect(history.suppressedBy["verdict"] == ["drop": 690, "accept": 10])
    #expect(history.suppressedBy["src_net"] == ["10.1.0.0/24": 700])
    #expect(history.anomalies.keys.sorted() == ["disk_low"])
}

@Test func runsReloadsAndRulesets() throws {
    let report = report(incidentLog())
    let history = report.history
    #expect(report.events["reopen"] == 1, "an unknown event type is counted, not refused")
    #expect(history.starts == 1 && history.stops == 1 && history.selfTestsPassed == 1)
    let start = try #require(history.runs.kept.first)
    #expect(start.isStart && start.control.selfTest == ReportSelfTest(passed: true, knownAnswers: 12, ruleProbes: 30))
    #expect(history.runs.kept.last?.control.counters?.kernelQueueDropped == 3529)
    #expect(history.reloads.total == 2 && history.reloadsFailed == 1)
    #expect(history.reloads.kept.first?.control.errors == ["rules/site.rules:3:1: error: one", "rules/site.rules:4:1: error: two"])
    #expect(history.logModes == ["drops": 1, "all": 1])
    let intervals = history.rulesets.intervals
    #expect(intervals.map(\.ruleset) == [hashA, hashB])
    #expect(intervals.map(\.since) == ["start", "reload"])
    #expect(intervals.map(\.logMode) == ["drops", "all"])
    #expect(intervals.map(\.from) == [time(0), time(6)] && intervals.map(\.to) == [time(5), time(10)])
    #expect(intervals.map(\.verdicts) == [1, 1])
    #expect(history.counters?.sum.packets == 5000 && history.counters?.processes == 1)
}

@Test func textNamesEverySection() {
    let text = report(incidentLog()).text(dimensions: [.rule], top: 3)
    for expected in [
        "log mode: drops (1 start/reload line(s)): accepted: not logged (log drops)",
        "kernel queue drops: 3529 packets in 1 event(s), first 2026-11-27T10:00:02.000000Z",
        "(process counters: 3529)", "suppressed log lines: 700 lines", "suppressed by dest_port: 23 650, 80 50",
        "packet id gaps: 7 packets", "self-test passed (12 known answers, 30 rule probes)",
        "stop   queue 0 signal SIGTERM: packets 5000, accepted 710, dropped 4290",
        "reloads: 2 (1 succeeded, 1 failed)", "rules/site.rules:4:1: error: two",
        "aaaaaaaaaaaa  rules/site.rules  since start  log drops", "bbbbbbbbbbbb  rules/site.rules  since reload  log all",
        "disk_low: 1 in 1 event(s)", "filter's own counters (last stats/stop line of 1 process(es)): packets 5000",
    ] {
        #expect(text.contains(expected), "missing: \(expected)")
    }
}

@Test func jsonCarriesEverySection() throws {
    let bytes = report(incidentLog()).json(dimensions: [.rule], top: 3)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    let losses = try #require(object["losses"] as? [String: Any])
    let totals = try #require(losses["totals"] as? [[String: Any]])
    #expect(totals.map { $0["kind"] as? String } == ["kernel_queue_full", "packet_id_gap", "suppressed"])
    #expect(totals.first?["count"] as? Int == 3529 && totals.first?["first"] as? String == "2026-11-27T10:00:02.000000Z")
    #expect(totals.first?["process_counter"] as? Int == 3529)
    let modes = try #require(object["log_modes"] as? [[String: Any]])
    #expect(modes.map { $0["log"] as? String } == ["all", "drops"])
    #expect((modes.last?["meaning"] as? String)?.hasPrefix("accepted: not logged (log drops)") == true)
    let reloads = try #require(object["reloads"] as? [String: Any])
    #expect(reloads["total"] as? Int == 2 && reloads["failed"] as? Int == 1)
    let intervals = try #require((object["rulesets"] as? [String: Any])?["intervals"] as? [[String: Any]])
    #expect(intervals.map { $0["ruleset"] as? String } == [hashA, hashB])
    let runs = try #require(object["runs"] as? [String: Any])
    #expect(runs["self_tests_passed"] as? Int == 1)
    let anomalies = try #require((object["anomalies"] as? [String: Any])?["totals"] as? [[String: Any]])
    #expect(anomalies.map { $0["kind"] as? String } == ["disk_low"])
}

@Test func htmlHasTheSectionsAndEscapesLogText() {
    var lines = incidentLog()
    lines.append(line(11, "reload", #""rules_file":"<script>x</script>","success":false,"errors":["<b>bad</b>"]"#, ruleset: hashB))
    let page = report(lines).html(top: 5)
    for id in ["log-mode", "losses", "runs", "rulesets", "reloads", "anomalies"] {
        #expect(page.contains("<section id=\"\(id)\""), "missing section \(id)")
    }
    #expect(page.contains("accepted: not logged (log drops)"))
    #expect(page.contains("accepted<b>1</b><small>not all logged (log drops)</small>"))
    // The three losses fall inside the verdicts' span: one marker each on the timeline.
    #expect(page.components(separatedBy: "<line class=\"lossmark\"").count - 1 == 3)
    #expect(page.contains("<title>2026-11-27T10:00:02.000000Z: kernel queue drops 3529</title>"))
    #expect(page.contains("kernel queue drops") && page.contains(">3529<"))
    #expect(!page.contains("<script>") && page.contains("&lt;script&gt;x&lt;/script&gt;") && page.contains("&lt;b&gt;bad"))
}

@Test func noLossesSaysSo() {
    let text = report([line(0, "verdict", #""verdict":"drop","reason":"policy""#)]).text(dimensions: [], top: 1)
    #expect(text.contains("losses: none recorded"))
    #expect(text.contains("log mode: unknown"))
}

/// Memory does not grow with the number of lines: 10,000 anomalies and reloads keep 20
/// entries each; 1,000 distinct anomaly kinds and event types stay capped.
@Test func listsAndTablesAreBounded() {
    var report = Report(filter: ReportFilter())
    for index in 0..<10_000 {
        report.add(ReportRecord(line: line(index % 60, "anomaly", #""kind":"socket_overflow","count":1"#))!)
        report.add(ReportRecord(line: line(index % 60, "reload", #""rules_file":"r","success":false,"errors":["e"]"#))!)
        report.add(ReportRecord(line: line(index % 60, "anomaly", #""kind":"kind\#(index % 1000)","count":1"#))!)
        report.add(ReportRecord(line: line(index % 60, "type\(index % 1000)", ""))!)
        let ruleset = index.isMultiple(of: 2) ? hashA : hashB
        report.add(ReportRecord(line: line(index % 60, "verdict", #""verdict":"drop""#, ruleset: ruleset))!)
    }
    let history = report.history
    #expect(history.losses[.socketOverflow]?.count == 10_000)
    #expect(history.lossEvents.kept.count == 20 && history.lossEvents.omitted == 9_980)
    #expect(history.reloads.kept.count == 20 && history.reloadsFailed == 10_000)
    #expect(history.anomalies.count == ReportHistory.maximumKeys + 1 && history.anomalies["(other)"] != nil)
    #expect(report.events.count == Report.maximumEventTypes + 1)
    #expect(history.rulesets.intervals.count == 21 && history.rulesets.omitted == 10_000 - 21)
    #expect(report.text(dimensions: [], top: 1).contains("... 9980 more ..."))
}

@Test func boundedListKeepsFirstAndLast() {
    var list = BoundedList<Int>(limit: 3)
    for value in 1...10 { list.append(value) }
    #expect(list.first == [1, 2, 3] && list.last == [8, 9, 10] && list.omitted == 4 && list.total == 10)
    var short = BoundedList<Int>(limit: 3)
    for value in 1...4 { short.append(value) }
    #expect(short.kept == [1, 2, 3, 4] && short.omitted == 0)
}

/// A loss the processes counted but no anomaly line reported (a flood in the first second,
/// before the first reading of the kernel's counters) still shows, from the counters; a stop
/// line without the kernel's counters keeps those of the last stats line.
@Test func lossesSeenOnlyInTheCountersStillShow() {
    let lines = [
        line(0, "start", #""log":"drops""#),
        line(1, "stats", #""interval":1,"counters":{"packets":1026,"kernel_queue_dropped":119552,"log_lines_lost":0}"#),
        line(2, "stop", #""signal":"SIGTERM","counters":{"packets":1030,"socket_overflows":0}"#),
    ]
    let report = report(lines)
    #expect(report.history.counters?.sum.kernelQueueDropped == 119_552 && report.history.counters?.sum.packets == 1030)
    #expect(report.history.lossRows.map(\.loss) == [.kernelQueueFull])
    #expect(report.history.lost(.kernelQueueFull) == 119_552)
    let text = report.text(dimensions: [], top: 1)
    #expect(text.contains("kernel queue drops: 0 packets in 0 event(s) (process counters: 119552) -- the counters show more"))
    #expect(report.html(top: 1).contains("packets lost before judging<b>119552</b>"))
}

/// A second process on the same queue starts its counters from zero: the report sums the
/// last counters of each process instead of taking the last line's.
@Test func countersOfSuccessiveProcessesAreSummed() {
    let lines = [
        line(0, "start", ""), line(1, "stop", #""counters":{"packets":10}"#),
        line(2, "start", ""), line(3, "stats", #""counters":{"packets":5}"#),
    ]
    let counters = report(lines).history.counters
    #expect(counters?.sum.packets == 15 && counters?.processes == 2)
}

/// Fields of an unexpected type are skipped: the line still counts and is not damaged.
@Test func unexpectedTypesAreSkippedNotDamage() {
    let lines = [
        #"{"event_type":"anomaly","queue":"zero","kind":7,"count":"many","message":null}"#,
        #"{"event_type":"start","queue":0,"self_test":{"passed":"yes","known_answers":null},"counters":{"packets":"x"},"pid":true}"#,
        #"{"event_type":"suppressed","count":3,"by_reason":{"policy":"two","rule":1},"by_src_net":[7,{"net":null,"count":2},{"count":1}]}"#,
        #"{"event_type":"reload","success":null,"errors":[1,{"a":2},"e"]}"#,
    ]
    let report = report(lines)
    #expect(report.damagedLines == 0 && report.lines == 4)
    #expect(report.history.anomalies["(no kind)"]?.events == 1)
    #expect(report.history.losses[.suppressed]?.count == 3 && report.history.suppressedBy["reason"] == ["rule": 1])
    #expect(report.history.reloads.kept.first?.control.errors == ["e"] && report.history.reloadsFailed == 1)
}
