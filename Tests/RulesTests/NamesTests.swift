import Testing
@testable import Rules

@Test func namesHaveTheirRFCNumbers() {
    #expect(Names.value(of: "echo-request", in: Names.icmpTypes) == 8)
    #expect(Names.value(of: "destination-unreachable", in: Names.icmpTypes) == 3)
    #expect(Names.value(of: "fragmentation-needed", in: Names.icmpCodes) == 4)
    #expect(Names.value(of: "router-alert", in: Names.ipOptions) == 148)
    #expect(Names.value(of: "timestamp", in: Names.ipOptions) == 68)
    #expect(Names.icmpTypeName(11) == "time-exceeded" && Names.icmpTypeName(200) == "200")
    // Source routes are never in the table of options that may be accepted.
    #expect(!Names.ipOptions.contains { $0.value == 131 || $0.value == 137 })
}
