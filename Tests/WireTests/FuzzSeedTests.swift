import Foundation
import Testing
@testable import Wire

/// The AH, VRRP and SCTP fuzz targets start from seeds that decode: each seed, behind the
/// targets' canonical IPv4 header, is accepted, so the fuzzer mutates from the accepting path.
@Suite struct FuzzSeedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    @Test(arguments: [("AH", UInt8(51)), ("VRRP", 112), ("SCTP", 132)])
    func seedsDecode(target: String, proto: UInt8) throws {
        let directory = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("seed-") }
        #expect(names.count >= 2)
        for name in names {
            let seed = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            let vrrp = proto == 112
            let bytes = ProtoBytes.ipv4(proto: proto, payload: seed, flags: 0x4000, ttl: vrrp ? 255 : 64,
                                        destination: vrrp ? [224, 0, 0, 18] : [10, 2, 0, 2])
            #expect(ProtoBytes.error(bytes) == nil, "\(target)/\(name)")
        }
    }
}
