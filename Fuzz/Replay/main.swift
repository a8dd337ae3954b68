// libFuzzer target for `replay --log`: capture bytes (classic pcap or pcapng, as libpcap reads
// them) through PcapReader and the engine into the verdict-log writer, as Replayer does.
// Whatever the capture holds, nothing may trap, a refused capture must name a frame or the
// file, and every line written must be one JSON object ending in a newline.
import Engine
import Log
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// A ruleset that logs every packet and reaches rules of both families, the policy and
/// decode errors.
let program: Program = {
    let text = """
        policy drop
        log all
        accept tcp to any port { 22, 80, 443 } label "web \\"quoted\\""
        accept udp to any port 53
        accept icmp type echo-request
        accept icmp6 type { echo-request, neighbor-solicitation }
        accept inet6 udp from fd00::/8 to any port 53
        drop log tcp to any port 23 label "telnet"
        """
    guard let program = Program.load(source: text, file: "fuzz.rules").program else { fatalError("the fuzz ruleset does not load") }
    return program
}()
let capturePath = scratchPath("capture")
let logPath = scratchPath("log.jsonl")
let engine = Engine(program: program)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplay(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    writeFile(capturePath, UnsafeRawBufferPointer(start: data, count: size))
    unlink(logPath)
    do {
        let writer = try JSONLinesWriter(destination: .file(logPath), ruleset: String(repeating: "f", count: 64))
        if var reader = try? PcapReader(path: capturePath) {
            do {
                try engine.judgeAll(from: &reader) { packet, _, event in
                    if event.shouldLog { writer.writeVerdict(event, timestamp: packet.timestamp, frame: packet.frame) }
                }
            } catch {
                precondition(!error.description.isEmpty, "an empty error")
            }
        }
        writer.flush()
    } catch {
        preconditionFailure("cannot open the scratch log: \(error)")
    }
    let log = readFile(logPath)
    precondition(log.isEmpty || log.last == UInt8(ascii: "\n"), "the log does not end with a newline")
    log.withUnsafeBytes { raw in
        var start = 0
        while let newline = raw[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = UnsafeRawBufferPointer(rebasing: raw[start..<newline])
            precondition(isOneJSONObject(line), "a log line is not one JSON object: \(String(decoding: line, as: UTF8.self))")
            start = newline + 1
        }
    }
    return 0
}
