import Rules
import Wire

/// Totals since start, for the `stats` and `stop` events. Counting allocates nothing:
/// the per-rule array is sized when a program is installed.
public struct EngineCounters: Sendable, Equatable {
    public var packets: UInt64 = 0
    public var accepted: UInt64 = 0
    public var dropped: UInt64 = 0
    public var decodeErrors: UInt64 = 0
    public var internalErrors: UInt64 = 0
    public var droppedByRule: UInt64 = 0
    public var droppedByPolicy: UInt64 = 0
    public var acceptedByRule: UInt64 = 0
    public var acceptedByPolicy: UInt64 = 0
    public var rebuilt: UInt64 = 0
    /// Packets by the version nibble of their first byte: 4 and 6 (what the decoder was chosen
    /// by); anything else (empty, other versions) is in neither.
    public var ipv4Packets: UInt64 = 0
    public var ipv6Packets: UInt64 = 0
    /// Decode errors by layer, indexed like `DecodeError.Layer.allCases`.
    public var decodeErrorsByLayer: [UInt64] = Array(repeating: 0, count: DecodeError.Layer.allCases.count)
    /// Hits per rule of the program in force, by rule index; restarted when it is swapped.
    public private(set) var ruleHits: [UInt64] = []

    public init() {}

    mutating func resetRuleHits(count: Int) {
        ruleHits = Array(repeating: 0, count: count)
    }

    /// Counts the packet's family from its first byte.
    mutating func countFamily(firstByte: UInt8?) {
        switch firstByte.map({ $0 >> 4 }) {
        case 4: ipv4Packets += 1
        case 6: ipv6Packets += 1
        default: break
        }
    }

    mutating func count(_ event: VerdictEvent) {
        packets += 1
        if event.verdict == .accept { accepted += 1 } else { dropped += 1 }
        switch (event.reason, event.verdict) {
        case (.decode, _):
            decodeErrors += 1
            if let layer = event.decodeError?.layer, let index = DecodeError.Layer.allCases.firstIndex(of: layer) {
                decodeErrorsByLayer[index] += 1
            }
        case (.internal, _): internalErrors += 1
        case (.rule, .drop): droppedByRule += 1
        case (.rule, .accept): acceptedByRule += 1
        case (.policy, .drop): droppedByPolicy += 1
        case (.policy, .accept): acceptedByPolicy += 1
        }
        if let index = event.ruleIndex, index < ruleHits.count {
            ruleHits[index] += 1
        }
    }
}
