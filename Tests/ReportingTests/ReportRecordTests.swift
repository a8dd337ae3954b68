import Testing
@testable import Log
@testable import Reporting
import Wire

@Test func aVerdictLineYieldsEveryFieldReportUses() throws {
    let line = #"{"timestamp":"2026-01-01T00:00:01.500000Z","event_type":"verdict","queue":0,"ruleset":"ab","packet_id":3,"verdict":"drop","reason":"rule","rule":{"file":"rules/site.rules","line":8,"label":"tel\"net"},"src_ip":"10.1.0.2","src_port":40000,"dest_ip":"10.2.0.2","dest_port":23,"proto":"TCP","length":60,"normalized":["ipv4_header"],"chain":{"x":[1,2.5e3,true,null]}}"#
    let record = try #require(ReportRecord(line: line))
    #expect(record.eventType == "verdict" && record.verdict == "drop" && record.reason == "rule")
    #expect(record.time == ReportTime.parse("2026-01-01T00:00:01.5Z"))
    #expect(record.ruleFile == "rules/site.rules" && record.ruleLine == 8 && record.ruleLabel == "tel\"net")
    #expect(record.source == .v4(IPv4Address(10, 1, 0, 2)) && record.destination == .v4(IPv4Address(10, 2, 0, 2)))
    #expect(record.destinationPort == 23 && record.proto == "TCP")
}

@Test func decodeErrorsAndNumericProtocols() throws {
    let line = #"{"event_type":"verdict","verdict":"drop","reason":"decode","proto":47,"decode_error":{"layer":"ipv4","reason":"unknown-protocol","offset":9}}"#
    let record = try #require(ReportRecord(line: line))
    #expect(record.decodeReason == "unknown-protocol" && record.proto == "47" && record.time == nil)
}

@Test(arguments: [
    "", "{", #"{"event_type":"verdict""#, #"{"a":1}x"#, #"{"a":tru}"#, #"{"a":"\x"}"#, "\u{0}garbage{",
    #"{"a":[1,]}"#, #"{"a":01.}"#, #"["verdict"]"#, #"{"a":"line"#,
])
func damagedLinesDoNotParse(_ line: String) {
    #expect(ReportRecord(line: line) == nil)
}

@Test func timesParseInEveryAcceptedFormAndFormatBack() {
    let base = ReportTime.parse("2026-01-01T00:00:00Z")
    #expect(base == Int64(1_767_225_600) * 1_000_000)
    #expect(ReportTime.parse("2026-01-01") == base)
    #expect(ReportTime.parse("2026-01-01T00:00") == base)
    #expect(ReportTime.parse("2026-01-01 01:00:00+01:00") == base)
    #expect(ReportTime.parse("2025-12-31T23:00:00.000000-01:00") == base)
    #expect(ReportTime.parse("2026-01-01T00:00:00.25Z") == base.map { $0 + 250_000 })
    #expect(ReportTime.parse("2026-13-01") == nil && ReportTime.parse("yesterday") == nil && ReportTime.parse("2026-01-01T") == nil)
    #expect(ReportTime.format(microseconds: base! + 1_234_567) == "2026-01-01T00:00:01.234567Z")
    #expect(ReportTime.format(microseconds: 0) == "1970-01-01T00:00:00.000000Z")
    #expect(ReportTime.parse(ReportTime.format(microseconds: 951_782_400_000_001)) == 951_782_400_000_001)   // 2000-02-29
}
