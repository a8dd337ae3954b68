// libFuzzer target for `report` and `report --verify` on damaged logs: the input is written
// as a log file (bit 0 of the first byte chooses plain bytes, or the rest gzip-compressed so the
// fuzzer reaches the lines inside as well as the gzip framing), then read by the summary and
// by the chain verifier with small limits. Nothing may trap, and memory stays bounded by the
// limits (libFuzzer's -rss_limit_mb catches a leak or an unbounded buffer).
import CZlib
import Log
import Reporting

#if canImport(Glibc)
import Glibc
#endif

let logPath = scratchPath("report.jsonl")
let limits: ReportReader.Limits = {
    var limits = ReportReader.Limits()
    // Small enough that inputs of a few KiB reach the overlong-line paths.
    limits.maximumLineLength = 1 << 12
    limits.maximumDecompressedBytes = 1 << 26
    limits.expansionGrace = 1 << 20
    return limits
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if data[0] & 1 == 0 {
        writeFile(logPath, body)
    } else {
        guard let file = gzopen(logPath, "wb") else { preconditionFailure("gzopen") }
        if body.count > 0 { _ = gzwrite(file, body.baseAddress, UInt32(body.count)) }
        gzclose(file)
    }
    var report = Report(filter: ReportFilter())
    do {
        try report.read(ReportReader(path: logPath, limits: limits))
        // Bits 1-3 of the first byte choose the renderings (each costs time on every input).
        if data[0] & 2 != 0 { _ = report.text(dimensions: ReportDimension.allCases, top: 5) }
        if data[0] & 4 != 0 { _ = report.json(dimensions: ReportDimension.allCases, top: 5) }
        if data[0] & 8 != 0 { _ = report.html(top: 5) }
    } catch {
        precondition(!error.isDamage, "damage must be counted by report, not thrown")
    }
    if let result = try? ChainVerifier.verify(paths: [logPath], limits: limits) {
        precondition(result.problem != nil || result.lines >= result.anchors, "impossible counts")
    }
    return 0
}
