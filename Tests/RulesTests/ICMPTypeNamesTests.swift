import Testing
@testable import Rules
import Wire

/// docs/rules.md's ICMP type names and the decoder agree: a name is accepted by `check` exactly
/// when Wire lets that type through, and a name of a type Wire always refuses is an error.
@Suite struct ICMPTypeNamesTests {
    static func diagnostics(_ source: String) -> [String] {
        Program.load(source: source, file: "t.rules").diagnostics.map(\.description)
    }

    @Test(arguments: ["source-quench", "information-request", "information-reply", "mask-request", "mask-reply"])
    func aTypeTheDecoderRefusesIsAnError(name: String) {
        #expect(Self.diagnostics("accept icmp type \(name)\n") == [
            "t.rules:1:18: error: ICMP type '\(name)' is refused by the decoder before any rule runs, so this can never match",
        ])
    }

    @Test func theErrorPointsAtTheNameInsideAList() {
        #expect(Self.diagnostics("accept icmp type { echo-request, mask-request }\n") == [
            "t.rules:1:34: error: ICMP type 'mask-request' is refused by the decoder before any rule runs, so this can never match",
        ])
    }

    @Test func everyNamedTypeIsEitherDecodedOrRefusedByCheck() {
        for (name, value) in Names.icmpTypes {
            let decoded = ICMP.MessageType(rawValue: value).maximumCode != nil
            #expect(Self.diagnostics("accept icmp type \(name)\n").isEmpty == decoded, "\(name)")
        }
    }

    @Test func everyDecodedTypeHasAName() {
        for entry in ICMP.MessageType.accepted {
            #expect(Names.icmpTypes.contains { $0.value == entry.type.rawValue }, "type \(entry.type.rawValue)")
        }
    }

    @Test func newNamesAreTheirRFCNumbers() {
        #expect(Names.value(of: "router-advertisement", in: Names.icmpTypes) == 9)
        #expect(Names.value(of: "router-solicitation", in: Names.icmpTypes) == 10)
        #expect(Names.value(of: "extended-echo-request", in: Names.icmpTypes) == 42)
        #expect(Names.value(of: "extended-echo-reply", in: Names.icmpTypes) == 43)
    }
}
