import Rules
import Wire

/// Known-answer packets pushed through decode, judge and rebuild before `run` binds its
/// queue: a broken build must not go live. The expected bytes and errors were computed
/// independently of this code (by a separate Python implementation of RFC 791/793/1071, and
/// for IPv6 of RFC 8200/4443 with the RFC 8200 §8.1 pseudo-header).
extension Engine {
    /// One known answer: a packet and what an accept-everything engine must do with it.
    struct KnownAnswer {
        var name: String
        var packet: [UInt8]
        var expected: Expected

        enum Expected {
            /// Accepted as it came: no payload in the verdict.
            case unchanged
            /// Accepted as these rebuilt bytes.
            case rebuilt([UInt8])
            /// Dropped with this decode error.
            case decodeError(DecodeError.Layer, DecodeError.Field, Int, DecodeError.Reason)
        }
    }

    /// TCP SYN 10.1.0.2:40000 -> 10.2.0.2:443 with MSS, SACK-permitted, timestamps, NOP,
    /// window scale; valid checksums.
    static let knownSYN = hex(
        "4500003c1c46400040060a700a0100020a0200029c4001bb1234567800000000a002faf032600000020405b40402080a000000010000000001030307")

    /// Every known answer: IPv4's, then IPv6's (`Engine+SelfTestIPv6.swift`).
    static let knownAnswers: [KnownAnswer] = knownAnswersIPv4 + knownAnswersIPv6

    static let knownAnswersIPv4: [KnownAnswer] = [
        KnownAnswer(name: "canonical TCP SYN", packet: knownSYN, expected: .unchanged),
        // The same SYN with the three TCP reserved bits set (byte 32 0xA0 -> 0xAE) and its
        // checksum fixed to match: the rebuild clears them and recomputes the checksum.
        KnownAnswer(
            name: "TCP reserved bits",
            packet: hex("4500003c1c46400040060a700a0100020a0200029c4001bb1234567800000000ae02faf024600000020405b40402080a000000010000000001030307"),
            expected: .rebuilt(knownSYN)),
        KnownAnswer(
            name: "bad IPv4 header checksum",
            packet: hex("4500003c1c4640004006f5700a0100020a0200029c4001bb1234567800000000a002faf032600000020405b40402080a000000010000000001030307"),
            expected: .decodeError(.ipv4, .headerChecksum, 10, .badChecksum)),
        KnownAnswer(
            name: "IP protocol 47",
            packet: hex("450000241c464000402f0a5f0a0100020a020002706f727463756c6c69732d7465737421"),
            expected: .decodeError(.ipv4, .protocol, 9, .unknownProtocol)),
        // UDP length 12 in an IP payload of 16 bytes.
        KnownAnswer(
            name: "UDP shorter than its IP payload",
            packet: hex("450000241c46400040110a7d0a0100020a0200029c400035000c00006162636465666768"),
            expected: .decodeError(.udp, .length, 24, .trailingBytes)),
    ]

    /// Runs every known answer through a fresh accept-everything engine. Returns the
    /// number checked and the first failure, if any.
    public static func selfTest() -> (checked: Int, failure: String?) {
        selfTest(knownAnswers)
    }

    static func selfTest(_ answers: [KnownAnswer]) -> (checked: Int, failure: String?) {
        let engine = Engine(program: Program(policy: .accept, logMode: .none, rules: []))
        for (index, answer) in answers.enumerated() {
            let failure: String? = answer.packet.withUnsafeBytes { bytes in
                let metadata = PacketMetadata(queue: 0, packetID: UInt32(index), packetLength: bytes.count)
                let (outcome, event) = engine.judge(bytes, metadata: metadata)
                switch (answer.expected, outcome) {
                case (.unchanged, .accept):
                    return nil
                case (.rebuilt(let expected), .acceptRebuilt(let rebuilt)):
                    return Array(rebuilt) == expected && !event.normalized.isEmpty ? nil : "rebuilt bytes differ"
                case (.decodeError(let layer, let field, let offset, let reason), .drop):
                    let expected = DecodeError(layer: layer, field: field, offset: offset, reason: reason)
                    return event.decodeError == expected ? nil : "decode error \(String(describing: event.decodeError))"
                default:
                    return "unexpected outcome \(outcome.action.rawValue)"
                }
            }
            if let failure { return (index + 1, "\(answer.name): \(failure)") }
        }
        return (answers.count, nil)
    }

    static func hex(_ text: StaticString) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        text.withUTF8Buffer { buffer in
            for character in buffer {
                let nibble = character <= UInt8(ascii: "9") ? character - UInt8(ascii: "0") : character - UInt8(ascii: "a") + 10
                if let value = high {
                    bytes.append(value << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
            }
        }
        return bytes
    }
}
