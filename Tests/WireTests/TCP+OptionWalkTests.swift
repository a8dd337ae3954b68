import Testing
@testable import Wire
import TestSupport

/// The TCP options are judged in the same walk that proves their layout (`TCP.View`). These
/// tests hold that one walk to what the two separate walks it replaced decided: the same
/// error at the same offset, or the same kept options and normalizations.
@Suite struct TCPOptionWalkTests {
    /// What the two walks decided for one segment.
    enum Outcome: Equatable, CustomStringConvertible {
        case refused(offset: Int)
        case accepted(options: [UInt8], unknownRemoved: Bool, afterEndOfList: Bool)

        var description: String {
            switch self {
            case .refused(let offset): "refused @\(offset)"
            case .accepted(let options, let unknown, let after): "accepted \(options) unknown \(unknown) after-EOL \(after)"
            }
        }
    }

    /// The reference: first the whole layout (length byte present, length >= 2, inside the
    /// header), then the contents kind by kind, as RFC 9293 §3.2, RFC 7323 and RFC 2018 say.
    static func reference(options area: [UInt8], syn: Bool) -> Outcome {
        let start = 20
        var index = 0
        while index < area.count {
            let kind = area[index]
            if kind == 0 { break }
            if kind == 1 { index += 1; continue }
            guard index + 1 < area.count else { return .refused(offset: start + index) }
            let length = Int(area[index + 1])
            guard length >= 2, index + length <= area.count else { return .refused(offset: start + index) }
            index += length
        }
        var kept: [UInt8] = []
        var unknown = false
        index = 0
        while index < area.count {
            let kind = area[index]
            if kind == 0 {
                let after = area[(index + 1)...].contains { $0 != 0 }
                return .accepted(options: kept, unknownRemoved: unknown, afterEndOfList: after)
            }
            if kind == 1 { kept.append(1); index += 1; continue }
            let length = Int(area[index + 1])
            let valid: Bool
            switch kind {
            case 2: valid = length == 4 && syn
            case 3: valid = length == 3 && syn && area[index + 2] <= 14
            case 4: valid = length == 2 && syn
            case 5: valid = (10...34).contains(length) && (length - 2) % 8 == 0
            case 8: valid = length == 10
            default:
                unknown = true
                index += length
                continue
            }
            guard valid else { return .refused(offset: start + index) }
            kept += area[index..<index + length]
            index += length
        }
        return .accepted(options: kept, unknownRemoved: unknown, afterEndOfList: false)
    }

    /// What `TCP.View` and `TCP.Header` decide for the same segment.
    static func decoded(options area: [UInt8], flags: UInt8) -> Outcome {
        let segment = PacketBuilder.tcp(flags: flags, options: area)
        do throws(DecodeError) {
            let view = try TCP.View(validating: segment.span.bytes)
            var normalizations = Normalizations()
            let header = try TCP.Header(parsing: view, pseudoHeaderSum: nil, normalizations: &normalizations)
            return .accepted(
                options: Array(header.options), unknownRemoved: normalizations.contains(.tcpUnknownOptions),
                afterEndOfList: normalizations.contains(.tcpAfterEOL))
        } catch {
            #expect(error.layer == .tcp && error.field == .options && error.reason == .badTCPOption, "\(error)")
            return .refused(offset: error.offset)
        }
    }

    /// An options area of 4-byte words, mostly of known kinds at plausible and implausible
    /// lengths, with NOPs, EOLs, unknown kinds and stray bytes.
    static func randomArea(_ random: inout SplitMix) -> [UInt8] {
        var area: [UInt8] = []
        let target = 4 * Int.random(in: 1...10, using: &random)
        while area.count < target {
            switch Int.random(in: 0..<12, using: &random) {
            case 0: area.append(0)
            case 1, 2: area.append(1)
            case 3: area += [2, 4, 5, 0xB4]
            case 4: area += [3, 3, UInt8.random(in: 12...16, using: &random)]
            case 5: area += [4, 2]
            case 6:
                let blocks = Int.random(in: 0...5, using: &random)
                area += [5, UInt8(2 + 8 * blocks)] + Array(repeating: 7, count: 8 * blocks)
            case 7: area += [8, 10] + Array(repeating: 9, count: 8)
            case 8: area += [UInt8.random(in: 6...40, using: &random), 4, 0xAA, 0xBB]
            default:
                // A known kind with a random length byte: right, wrong, too short or too long.
                area += [[2, 3, 4, 5, 8].randomElement(using: &random)!, UInt8.random(in: 0...12, using: &random)]
            }
        }
        // The data offset counts words: cut to whole words, keeping what overhangs as stray bytes.
        return Array(area.prefix(target))
    }

    @Test func oneWalkDecidesAsTheTwoWalksDid() {
        var random = SplitMix(state: 0x0B71_0A5D)
        var refused = 0, removed = 0
        for _ in 0..<20_000 {
            let area = Self.randomArea(&random)
            let flags: UInt8 = Bool.random(using: &random) ? 0x02 : 0x10
            let expected = Self.reference(options: area, syn: flags == 0x02)
            let actual = Self.decoded(options: area, flags: flags)
            #expect(actual == expected, "options \(area) flags \(flags)")
            if case .refused = expected { refused += 1 }
            if case .accepted(_, true, _) = expected { removed += 1 }
        }
        // The generator reaches both sides of every decision.
        #expect(refused > 2_000 && refused < 18_000)
        #expect(removed > 500)
    }

    /// Checks run in the documented order: the options' layout, then the checksum, then the
    /// flags, then each option's contents.
    static let precedence: [RejectionCase] = [
        RejectionCase(name: "a layout error after a bad MSS is the one reported",
                      bytes: PacketBuilder.tcpDatagram(options: [2, 3, 0, 8, 1, 1, 1, 1]),
                      expected: TCPTests.error(.options, 43, .badTCPOption)),
        RejectionCase(name: "a layout error before a bad checksum",
                      bytes: TCPTests.broken(options: [1, 1, 1, 3]) { $0[4] ^= 0x80 },
                      expected: TCPTests.error(.options, 43, .badTCPOption)),
        RejectionCase(name: "a bad checksum before a bad MSS",
                      bytes: TCPTests.broken(options: [2, 3, 0, 0]) { $0[4] ^= 0x80 },
                      expected: TCPTests.error(.checksum, 36, .badChecksum)),
        RejectionCase(name: "illegal flags before an MSS without SYN",
                      bytes: PacketBuilder.tcpDatagram(options: [2, 4, 5, 0xB4], flags: 0x01),
                      expected: TCPTests.error(.flags, 33, .illegalFlags)),
        RejectionCase(name: "the first of two bad options",
                      bytes: PacketBuilder.tcpDatagram(options: [1, 3, 3, 15, 2, 3, 0, 0]),
                      expected: TCPTests.error(.options, 41, .badTCPOption)),
    ]

    @Test(arguments: precedence)
    func reportsTheFirstCheckThatFails(_ rejection: RejectionCase) {
        #expect(PacketBuilder.error(rejection.bytes) == rejection.expected)
    }
}
