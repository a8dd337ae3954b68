import Testing
@testable import Wire

@Suite struct IPv6AddressTests {
    /// RFC 5952 §4 and §5 examples, and the RFC 4291 §2.2 input forms.
    static let canonical: [(String, String)] = [
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: one zero group stays
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),     // §4.2.3: the first of equal runs
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),           // §4.2.3: the longest run
        ("2001:DB8::AAAA", "2001:db8::aaaa"),              // §4.3: lower case
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("fe80::1", "fe80::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),            // §5: mapped addresses keep the dotted quad
        ("::ffff:a00:1", "::ffff:10.0.0.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ]

    @Test(arguments: canonical) func parsesAndPrints(_ pair: (String, String)) throws {
        let address = try #require(IPv6Address(pair.0))
        #expect(address.description == pair.1)
        #expect(IPv6Address(pair.1) == address)
    }

    @Test(arguments: [
        "", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7:8::",
        "::1:", ":1::", "fe80::1%eth0", "[::1]", "::1/128", "1.2.3.4", "::ffff:1.2.3", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
    ])
    func refuses(_ text: String) {
        #expect(IPv6Address(text) == nil, "\(text) was accepted")
    }

    @Test func classifies() {
        #expect(IPv6Address("ff02::1")!.isMulticast && !IPv6Address("fe80::1")!.isMulticast)
        #expect(IPv6Address("fe80::1")!.isLinkLocal && IPv6Address("febf::1")!.isLinkLocal && !IPv6Address("fec0::1")!.isLinkLocal)
        #expect(IPv6Address("ff02::1:ff00:2")!.isSolicitedNodeMulticast && !IPv6Address("ff02::1:fe00:2")!.isSolicitedNodeMulticast)
        #expect(IPv6Address("::ffff:0:0")!.isIPv4Mapped && !IPv6Address("::fffe:0:0")!.isIPv4Mapped)
        #expect(IPv6Address.unspecified.isUnspecified)
        #expect(IPv6Address("::1")! < IPv6Address("::2")!)
    }
}
