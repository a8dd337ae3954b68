import CNetfilterQueue
import Engine
import Log
import QueueIO
import Rules
import TestSupport
@testable import Serve

#if canImport(Glibc)
import Glibc
#endif

/// The shared fake socket for the loop under test: acknowledges every configuration request
/// ahead of what is queued, delivers the datagrams in `incoming` (one per receive), and
/// records what is sent.
typealias ScriptedSocket = FakeNetlinkSocket

extension FakeNetlinkSocket {
    /// An NFQNL_MSG_PACKET message as the kernel builds it for a forwarded packet.
    static func packet(id: UInt32, payload: [UInt8], inDevice: UInt32 = 4, outDevice: UInt32 = 5, mark: UInt32? = nil) -> [UInt8] {
        NetlinkMessages.packet(id: id, payload: payload, inDevice: inDevice, outDevice: outDevice, mark: mark)
    }

    /// The (packet id, NF_* verdict) of every verdict message sent, a batch verdict standing
    /// for every id up to its own.
    var verdicts: [(id: UInt32, verdict: UInt32, batch: Bool)] {
        sentVerdicts.map { ($0.id, $0.verdict, $0.batch) }
    }
}

/// Signals handed to the loop in order, without a signalfd.
final class ScriptedSignals: SignalSource {
    var pending: [Int32]
    init(_ pending: [Int32] = []) { self.pending = pending }
    var pollDescriptor: Int32? { nil }
    func next() -> Int32? { pending.isEmpty ? nil : pending.removeFirst() }
}

/// A clock the test moves by hand.
final class ManualClock: MonotonicClock {
    var now: UInt64 = 1_000_000_000
    func nanoseconds() -> UInt64 { now }
}

/// Interfaces 4 (`veth-in`, MTU 1500) and 5 (`veth-out`); counts the lookups.
final class FixedInterfaces: InterfaceDirectory {
    var lookups: [UInt32] = []
    func lookUp(index: UInt32) -> InterfaceInfo {
        lookups.append(index)
        switch index {
        case 4: return InterfaceInfo(name: "veth-in", mtu: 1500)
        case 5: return InterfaceInfo(name: "veth-out", mtu: 1500)
        default: return InterfaceInfo()
        }
    }
}

/// A worker over a `ScriptedSocket`, its rules in a file of their own, its log in another.
struct Harness {
    let directory: String
    let rulesPath: String
    let logPath: String
    let socket = ScriptedSocket(acknowledgesFirst: true)
    let signals = ScriptedSignals()
    let clock = ManualClock()
    let interfaces = FixedInterfaces()
    let worker: Worker<ScriptedSocket>

    init(rules: String, options: WorkerOptions = WorkerOptions(), log: String? = nil, conntrack: Bool = false) throws {
        var template = Array("/tmp/portcullis-serve-XXXXXX".utf8CString)
        directory = String(cString: mkdtemp(&template)!)
        rulesPath = directory + "/site.rules"
        logPath = log ?? directory + "/verdicts.jsonl"
        Self.write(rules, to: rulesPath)
        let ruleset = try RulesetFile.load(path: rulesPath, warnings: false)
        let session = try QueueSession(
            socket: socket, configuration: QueueConfiguration(queue: 3, conntrack: conntrack), hasNetAdmin: { true })
        socket.sent.removeAll()
        let writer = try JSONLinesWriter(destination: .file(logPath), ruleset: ruleset.sha256)
        worker = Worker(
            session: session, engine: Engine(program: ruleset.program), writer: writer, signals: signals,
            ruleset: ruleset, options: options, clock: clock, interfaces: interfaces)
        let signals = self.signals
        socket.signalsPending = { !signals.pending.isEmpty }
    }

    /// Replaces the rules file's text (for reloads).
    func rewriteRules(_ text: String) { Self.write(text, to: rulesPath) }

    static func write(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    /// The log's lines so far.
    func logLines() -> [String] {
        worker.writer.flush()
        let fd = open(logPath, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Verdict lines only.
    func verdictLines() -> [String] { logLines().filter { $0.contains("\"event_type\":\"verdict\"") } }

    /// Hands one packet to the loop's per-packet handler, as `QueueSession` would.
    func judge(
        _ payload: [UInt8], id: UInt32 = 1, mark: UInt32 = 0, conntrackInfo: UInt32? = nil
    ) -> QueueAnswer {
        payload.withUnsafeBytes { bytes in
            worker.judge(QueueMessage(
                packetID: id, hwProtocol: 0x0800, hook: 2, payload: bytes, packetLength: bytes.count,
                inInterface: 4, outInterface: 5, mark: mark, conntrackInfo: conntrackInfo))
        }
    }
}

/// Valid IPv4 packets built with an RFC 1071 checksum written here, independently of Wire.
enum TestPackets {
    /// A UDP datagram 10.1.0.2:5353 -> 10.2.0.2:`port` with 8 bytes of payload.
    static func udp(to port: UInt16) -> [UInt8] {
        let payload: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        var udp: [UInt8] = [0x14, 0xE9, UInt8(port >> 8), UInt8(port & 0xFF), 0, UInt8(8 + payload.count), 0, 0] + payload
        let source: [UInt8] = [10, 1, 0, 2], destination: [UInt8] = [10, 2, 0, 2]
        var sum = checksum(source + destination + [0, 17, 0, UInt8(udp.count)] + udp)
        if sum == 0 { sum = 0xFFFF }
        udp[6] = UInt8(sum >> 8); udp[7] = UInt8(sum & 0xFF)
        // IPv4: version 4 IHL 5, TOS 0, total length, id 0x1c46, DF, TTL 64, UDP, checksum
        var header: [UInt8] = [0x45, 0, 0, UInt8(20 + udp.count), 0x1C, 0x46, 0x40, 0, 64, 17, 0, 0] + source + destination
        let headerSum = checksum(header)
        header[10] = UInt8(headerSum >> 8); header[11] = UInt8(headerSum & 0xFF)
        return header + udp
    }

    /// The complemented one's complement sum of big-endian words (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: bytes.count, by: 2) {
            sum += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
