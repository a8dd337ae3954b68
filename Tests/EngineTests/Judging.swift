import Testing
import Engine
import Rules
import Wire

/// A program from rule text, failing the test (by returning an empty drop-all program) if it does
/// not load, so a typo in a test's rules shows up as wrong verdicts rather than a crash.
func program(_ source: String, file: String = "test.rules") -> Program {
    let (program, diagnostics) = Program.load(source: source, file: file)
    guard let program else {
        Issue.record("rules did not load: \(diagnostics)")
        return Program(policy: .drop, logMode: .none, rules: [])
    }
    return program
}

/// `Outcome` with the rebuilt bytes copied out of the engine's buffer, so it can be compared.
enum Result: Equatable {
    case drop
    case accept
    case reject
    case acceptRebuilt([UInt8])
}

extension Engine {
    /// Judges `packet`; `packetLength` defaults to the bytes given (a whole copy).
    func judge(
        _ packet: [UInt8], packetLength: Int? = nil, context: PacketContext = PacketContext(), id: UInt32 = 1,
        metadata extra: (PacketMetadata) -> PacketMetadata = { $0 }
    ) -> (Result, VerdictEvent) {
        let metadata = extra(PacketMetadata(queue: 3, packetID: id, packetLength: packetLength ?? packet.count, context: context))
        return packet.withUnsafeBytes { bytes in
            let (outcome, event) = judge(bytes, metadata: metadata)
            switch outcome {
            case .drop: return (.drop, event)
            case .reject: return (.reject, event)
            case .accept: return (.accept, event)
            case .acceptRebuilt(let rebuilt): return (.acceptRebuilt(Array(rebuilt)), event)
            }
        }
    }
}
