import Testing
import TestSupport
@testable import Rules

/// `NameSet` and `NameList`: exact names, `*.suffix` strictly below, RFC 4343 case folding,
/// the list file format, and what is refused.
@Suite struct NameSetTests {
    /// Whether `set` holds `name`, looked up as the engine does: from wire bytes.
    static func holds(_ set: NameSet, _ name: String) -> Bool {
        let wire = DNSMessageBuilder.name(name).dropLast()   // without the root
        return Array(wire).withUnsafeBufferPointer { set.contains(wireName: $0) }
    }

    @Test func exactAndWildcardMatching() throws {
        let set = try #require(NameSet(["tracker.example", "*.ads.example", "Mixed.Case.ORG."]))
        #expect(set.count == 3)
        #expect(Self.holds(set, "tracker.example") && Self.holds(set, "TRACKER.example"))
        #expect(!Self.holds(set, "www.tracker.example"), "an exact name does not cover names below it")
        #expect(Self.holds(set, "x.ads.example") && Self.holds(set, "a.b.ads.example"))
        #expect(!Self.holds(set, "ads.example"), "a wildcard does not cover its own name")
        #expect(!Self.holds(set, "badads.example") && !Self.holds(set, "ads.example.com"))
        #expect(Self.holds(set, "mixed.case.org"))
        #expect(!Self.holds(set, "example") && !Self.holds(set, "org"))
    }

    @Test func nameListedBothWaysCountsTwice() throws {
        let set = try #require(NameSet(["ads.example", "*.ads.example", "ADS.example."]))
        #expect(set.count == 2)
        #expect(Self.holds(set, "ads.example") && Self.holds(set, "x.ads.example"))
    }

    @Test(arguments: [
        "", ".", "a..b", "*.", "*", "a b", "ex ample.com", "münchen.de", "a.*.b", "-.com/x",
        String(repeating: "a", count: 64) + ".com",
        [String](repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."),
    ])
    func refusesWhatIsNotAName(text: String) {
        #expect(NameSet([text]) == nil, "\(text)")
    }

    @Test func acceptsTheLongestName() {
        // 63 + 63 + 63 + 61 octets: 255 in wire form with the root.
        let name = [63, 63, 63, 61].map { String(repeating: "a", count: $0) }.joined(separator: ".")
        #expect(NameSet([name]) != nil)
        #expect(NameSet([name + "a"]) == nil)
    }

    @Test func manyNamesAllFoundAndOthersNot() throws {
        let names = (0..<20_000).map { "host\($0).example\($0 % 7).net" }
        let set = try #require(NameSet(names))
        #expect(set.count == names.count)
        for index in stride(from: 0, to: names.count, by: 97) {
            #expect(Self.holds(set, names[index]))
            #expect(!Self.holds(set, "x" + names[index]))
        }
    }

    @Test func listFileReadsNamesHostsLinesAndComments() {
        let text = """
            # a blocklist
            ads.example
              *.tracker.example   # trailing comment
            0.0.0.0 evil.example
            127.0.0.1\tone.example two.example
            ::1 six.example

            """
        var set = NameSet()
        let result = NameList.parse(text, into: &set, maximumNames: 100, maximumProblems: 10)
        #expect(result.problems.isEmpty && !result.tooManyNames)
        #expect(set.count == 6)
        for name in ["ads.example", "x.tracker.example", "evil.example", "one.example", "two.example", "six.example"] {
            #expect(Self.holds(set, name), "\(name)")
        }
        #expect(!Self.holds(set, "0.0.0.0") && !Self.holds(set, "127.0.0.1"))
    }

    @Test func listFileProblemsNameTheirLineAndColumn() {
        var set = NameSet()
        let result = NameList.parse("ok.example\nbad name.example\n0.0.0.0 a..b\n", into: &set, maximumNames: 100, maximumProblems: 10)
        #expect(result.problems == [
            NameList.Problem(line: 2, column: 1, message: .nameListLine("bad name.example")),
            NameList.Problem(line: 3, column: 9, message: .invalidDNSName("a..b")),
        ])
    }

    /// Found by the Rules fuzz target: a hosts line of many bad names went past the bound.
    @Test func problemsStayWithinTheirBoundInsideOneLine() {
        var set = NameSet()
        let line = "0.0.0.0 " + Array(repeating: "a..b", count: 20).joined(separator: " ") + "\n"
        let result = NameList.parse(line + line, into: &set, maximumNames: 100, maximumProblems: 5)
        #expect(result.problems.count == 5 && result.problems.allSatisfy { $0.line == 1 })
    }

    @Test func listFileStopsAtTheNameLimit() {
        var set = NameSet()
        let result = NameList.parse("a.example\nb.example\nc.example\n", into: &set, maximumNames: 2, maximumProblems: 10)
        #expect(result.tooManyNames && set.count == 2)
    }
}
