import Testing
import Wire

@Suite struct IPv4AddressTests {
    @Test func numericValue() {
        #expect(IPv4Address(10, 0, 0, 1).rawValue == 0x0A00_0001)
        #expect(IPv4Address(rawValue: 0xC0A8_070A) == IPv4Address(192, 168, 7, 10))
        #expect(IPv4Address(10, 0, 0, 1) < IPv4Address(10, 0, 0, 2))
        #expect(IPv4Address(9, 255, 255, 255) < IPv4Address(10, 0, 0, 0))
    }

    @Test(arguments: [
        ("0.0.0.0", UInt32(0)),
        ("10.0.0.1", 0x0A00_0001),
        ("255.255.255.255", 0xFFFF_FFFF),
        ("192.168.7.10", 0xC0A8_070A),
        ("1.20.100.200", 0x0114_64C8),
    ])
    func accepts(text: String, value: UInt32) {
        #expect(IPv4Address(Substring(text))?.rawValue == value)
        #expect(IPv4Address(rawValue: value).description == text)
    }

    @Test(arguments: [
        "", "1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "256.0.0.1", "1.2.3.256",
        "01.2.3.4", "1.2.3.04", "1.2.3.00", "000.0.0.0", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "-1.2.3.4",
        "1.2.3.a", "0x1.2.3.4", "1.2.3.4/24", "1000.0.0.0", "1.2.3.9999", "１.2.3.4",
    ])
    func rejects(text: String) {
        #expect(IPv4Address(Substring(text)) == nil)
    }

    @Test func parsesSubstringInPlace() {
        let line = "from 10.1.0.2 to"
        let slice = line.dropFirst(5).prefix(8)
        #expect(IPv4Address(slice) == IPv4Address(10, 1, 0, 2))
    }
}
