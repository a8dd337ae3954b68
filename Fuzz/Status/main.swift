// libFuzzer target for `portcullis status`: the input is taken as a metrics file (what
// `run --metrics-file` writes, read back from a path the operator names) and parsed into a
// QueueStatus, then judged and rendered with the pid alive and not, fresh and stale.
// Nothing may trap; the text may be anything.
// Compiled into the Reporting module with QueueStatus.swift (scripts/fuzz), so no import.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let status = QueueStatus(metrics: text, file: "fuzz.prom") else { return 0 }
    for (alive, age) in [(true, 0), (false, 3), (true, Int.max / 2)] {
        _ = status.healthy(pidAlive: alive, ageSeconds: age)
        _ = status.text(pidAlive: alive, ageSeconds: age, now: Int.max / 2)
    }
    _ = status.text(pidAlive: true, ageSeconds: -5, now: Int.min / 2)
    return 0
}
