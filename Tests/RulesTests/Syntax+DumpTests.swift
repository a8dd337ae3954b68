import Testing
import Wire
@testable import Rules

@Test func rangeDescriptionShowsLineAndColumns() {
    let start = SourcePosition(offset: 0, line: 3, column: 5)
    #expect(SourceRange(start: start, end: SourcePosition(offset: 4, line: 3, column: 9)).description == "[3:5-9]")
    #expect(SourceRange(start: start, end: SourcePosition(offset: 9, line: 4, column: 1)).description == "[3:5-4:1]")
}

@Test func dumpQuotesLabelsAsTheLexerReadsThem() {
    let (syntax, _) = Parser.parse(#"accept any label "a \"b\" \\""#, file: "f")
    #expect(syntax.description == #"""
        rule [1:1-30] accept [1:1-7]
          proto any [1:8-11]
          label "a \"b\" \\" [1:18-30]
        """#)
}

@Test func helpersNameProtocolsAndQuote() {
    #expect(protocolName(.tcp) == "tcp")
    #expect(protocolName(IPProtocol(rawValue: 253)) == "253")
    #expect(protocolName(.gre) == "gre" && protocolName(.ipip) == "ipip" && protocolName(.ipv6InIPv4) == "ipv6-in-ipv4")
    #expect(quoted(#"x"\"#) == #""x\"\\""#)
}
