import Foundation
import Testing
@testable import Log
@testable import Reporting
import Wire

/// A dual-stack log: IPv4 and IPv6 verdict lines, one IPv6 source written in a
/// non-canonical form (upper case, leading zeros) that must group with its RFC 5952 twin,
/// and a suppressed summary whose source networks are IPv6.
private let dualStackLog = [
    #"{"timestamp":"2026-11-27T10:00:00.000000Z","event_type":"verdict","queue":0,"verdict":"drop","reason":"policy","src_ip":"10.1.0.2","dest_ip":"10.2.0.2","proto":"TCP","dest_port":23}"#,
    #"{"timestamp":"2026-11-27T10:00:01.000000Z","event_type":"verdict","queue":0,"verdict":"drop","reason":"policy","src_ip":"fd00::2","dest_ip":"fd01::2","proto":"TCP","dest_port":23}"#,
    #"{"timestamp":"2026-11-27T10:00:02.000000Z","event_type":"verdict","queue":0,"verdict":"accept","reason":"rule","src_ip":"FD00:0:0:0:0:0:0:0002","dest_ip":"fd01::2","proto":"UDP","dest_port":53}"#,
    #"{"timestamp":"2026-11-27T10:00:03.000000Z","event_type":"verdict","queue":0,"verdict":"drop","reason":"decode","src_ip":"2001:db8::1:0:0:1","dest_ip":"fe80::1","proto":"IPv6-ICMP","decode_error":{"layer":"icmpv6","reason":"bad-checksum"}}"#,
    #"{"timestamp":"2026-11-27T10:00:04.000000Z","event_type":"verdict","queue":0,"verdict":"drop","reason":"policy","src_ip":"::ffff:10.1.0.2","dest_ip":"fd01::2","proto":"TCP","dest_port":22}"#,
    #"{"timestamp":"2026-11-27T10:00:05.000000Z","event_type":"suppressed","queue":0,"cause":"rate_limit","count":9,"by_src_net":[{"net":"2001:db8:0:1::/64","count":7},{"net":"10.1.0.0/24","count":2}]}"#,
]

private func report(_ configure: (inout ReportFilter) -> Void = { _ in }) -> Report {
    var filter = ReportFilter()
    configure(&filter)
    var report = Report(filter: filter)
    for line in dualStackLog {
        if let record = ReportRecord(line: line) { report.add(record) } else { report.readDamaged() }
    }
    return report
}

@Test func ipv6AddressesAreReadInEveryTextForm() throws {
    let record = try #require(ReportRecord(line: dualStackLog[2]))
    #expect(record.source == IPAddress("fd00::2") && record.destination == IPAddress("fd01::2"))
    let mapped = try #require(ReportRecord(line: dualStackLog[4]))
    #expect(mapped.source == .v6(IPv6Address(rawValue: 0xFFFF_0A01_0002)))
    // Not addresses: a zone, brackets, a prefix, a 46-character string.
    for text in ["fe80::1%eth0", "[fd00::1]", "fd00::/8", "1:2:3:4:5:6:" + String(repeating: "0", count: 34)] {
        let line = #"{"event_type":"verdict","src_ip":"\#(text)"}"#
        #expect(try #require(ReportRecord(line: line)).source == nil, "\(text)")
    }
}

@Test func groupsUseRFC5952AndOneKeyPerAddress() {
    let all = report()
    #expect(all.matched.total == 5)
    let sources = all.top(.src, nil).rows
    #expect(sources.map(\.key) == ["fd00::2", "10.1.0.2", "2001:db8::1:0:0:1", "::ffff:10.1.0.2"])
    #expect(sources.map(\.count.total) == [2, 1, 1, 1])
    #expect(all.top(.dst, 1).rows.map(\.key) == ["fd01::2"] && all.top(.dst, 1).rows[0].count.total == 3)
    #expect(all.top(.port, nil).rows.map(\.key).contains("IPv6-ICMP"))
}

@Test func ipv6NetworksFilterAndNeverMatchTheOtherFamily() {
    #expect(report { $0.source = ReportFilter.network("fd00::/8") }.matched.total == 2)
    #expect(report { $0.source = ReportFilter.network("fd00::2") }.matched.total == 2)
    #expect(report { $0.source = ReportFilter.network("2001:db8::/32") }.matched.total == 1)
    #expect(report { $0.destination = ReportFilter.network("fe80::/10") }.matched.total == 1)
    #expect(report { $0.source = ReportFilter.network("::/0") }.matched.total == 4)
    #expect(report { $0.source = ReportFilter.network("0.0.0.0/0") }.matched.total == 1)
    // An IPv4-mapped address is IPv6: 10.1.0.0/16 finds only the IPv4 line.
    #expect(report { $0.source = ReportFilter.network("10.1.0.0/16") }.matched.total == 1)
    #expect(report { $0.source = ReportFilter.network("::ffff:0:0/96") }.matched.total == 1)
}

@Test func networksParseStrictlyAndPrintInRFC5952() {
    #expect(ReportFilter.network("fd00::1/8")?.description == "fd00::/8")
    #expect(ReportFilter.network("2001:DB8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1/128")
    #expect(ReportFilter.network("10.1.2.3/24")?.description == "10.1.2.0/24")
    #expect(ReportFilter.network("::/0")?.description == "::/0")
    for bad in ["fd00::/129", "fd00::/", "fd00::/+8", "fd00::/-1", "fd00::/1/2", "fd00:::1", "[fd00::1]",
                "fe80::1%eth0", "10.0.0.0/33", "fd00::/0008", "", "/8"] {
        #expect(ReportFilter.network(bad) == nil, "\(bad)")
    }
    var filter = ReportFilter()
    filter.source = ReportFilter.network("fd00::/8")
    filter.destination = ReportFilter.network("2001:db8::1")
    #expect(filter.description == ["src fd00::/8", "dst 2001:db8::1/128"])
}

@Test func suppressedIPv6NetworksReachTheHistory() {
    #expect(report().history.suppressedBy["src_net"] == ["2001:db8:0:1::/64": 7, "10.1.0.0/24": 2])
}
