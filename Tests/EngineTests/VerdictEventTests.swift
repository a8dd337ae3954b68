import Testing
import Engine

@Suite struct VerdictEventTests {
    /// The `normalized` names are logged in this order and each names exactly one flag.
    @Test func normalizationNames() {
        #expect(Normalization.names.map(\.1) == ["ipv4_header", "transport_header", "transport_checksum"])
        let flags = Normalization.names.map(\.0.rawValue)
        #expect(Set(flags).count == flags.count)
        #expect(flags.allSatisfy { $0.nonzeroBitCount == 1 })
    }
}
