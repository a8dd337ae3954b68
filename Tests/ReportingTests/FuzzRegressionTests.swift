import Foundation
import Testing
@testable import Log
@testable import Reporting

/// Inputs the fuzz targets (scripts/fuzz Replay, Report) found, kept as tests. The raw inputs
/// are in Fuzz/corpus/<target>/regression-*, so the fuzzers start from them too.
@Suite struct FuzzRegressionTests {
    private func record(_ text: String) throws -> ReportRecord {
        try #require(Array(text.utf8).withUnsafeBytes { ReportRecord(line: $0) })
    }

    /// regression-slow-centuries-timeline: verdict times from 2023 and 4046 made the display
    /// timeline one bucket per week across two thousand years (105,000 buckets in every
    /// json and html report; 5 s per input under ASan). The display now stays near its target.
    @Test func aTimelineSpanningCenturiesStaysNearItsTarget() throws {
        var report = Report(filter: ReportFilter())
        for time in ["2023-11-14T22:13:20.000002Z", "4046-11-14T22:13:20.000003Z", "9999-12-31T23:59:59.999999Z"] {
            report.add(try record("{\"timestamp\":\"\(time)\",\"event_type\":\"verdict\",\"queue\":0,\"verdict\":\"drop\",\"reason\":\"policy\"}"))
        }
        let (width, buckets) = report.timeline.display()
        #expect(buckets.count <= 121 && buckets.count >= 2)
        #expect(width % Timeline.widths.last! == 0)
        #expect(buckets.map(\.count.total).reduce(0, +) == 3)
    }
}
