import Testing
@testable import Reporting

/// `report --by dns-name`: question names ranked, case folded, shown by default only when the
/// log has DNS.
@Suite struct ReportDNSTests {
    static func line(_ name: String, verdict: String, type: String = "query") -> String {
        #"{"timestamp":"2026-01-01T00:00:00.000000Z","event_type":"verdict","queue":0,"src_ip":"10.1.0.2","dest_ip":"10.2.0.2","proto":"UDP","dest_port":53,"verdict":""#
            + verdict + #"","reason":"policy","dns":{"type":""# + type + #"","id":1,"rrname":""# + name + #"","rrtype":"A","answers":["10.0.0.1"]}}"#
    }

    @Test func namesAreRankedAndCaseFolded() throws {
        var report = Report(filter: ReportFilter())
        for (name, verdict) in [("ads.example", "drop"), ("ADS.example", "drop"), ("www.example.com", "accept"), ("ads.example", "accept")] {
            report.add(try #require(ReportRecord(line: Self.line(name, verdict: verdict))))
        }
        let (rows, groups) = report.top(.dnsName, nil)
        #expect(groups == 2)
        #expect(rows.map(\.key) == ["ads.example", "www.example.com"])
        #expect(rows[0].count == ReportCount(total: 3, accepted: 1, dropped: 2))
        #expect(report.defaultDimensions.last == .dnsName)
        #expect(report.text(dimensions: [.dnsName], top: 1).contains("by dns-name: top 1 of 2 DNS names"))
    }

    @Test func noDNSNoTable() throws {
        var report = Report(filter: ReportFilter())
        report.add(try #require(ReportRecord(line: #"{"event_type":"verdict","verdict":"drop","reason":"policy"}"#)))
        #expect(report.defaultDimensions == ReportDimension.standard)
        #expect(ReportRecord(line: Self.line("a.example", verdict: "drop"))?.dnsName == "a.example")
    }
}
