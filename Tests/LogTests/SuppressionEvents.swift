@testable import Engine
import Log
import Rules
import Wire

/// A verdict event of the kind the log gate and the suppressed summary count: from `source`
/// (no summary when nil) to 10.2.0.2, UDP `port`.
func summaryEvent(source: IPv4Address?, port: UInt16?, verdict: Action = .drop, reason: VerdictReason = .policy) -> VerdictEvent {
    VerdictEvent(
        metadata: PacketMetadata(queue: 0, packetID: 1, packetLength: 60),
        verdict: verdict, reason: reason, rule: nil, decodeError: nil,
        summary: source.map { PacketSummary(proto: .udp, source: $0, destination: IPv4Address(10, 2, 0, 2), destinationPort: port) },
        normalized: [], shouldLog: true)
}

/// A fixed time for the gate and the summary tests.
let epoch = PacketTimestamp(seconds: 1_700_000_000, microseconds: 0)
