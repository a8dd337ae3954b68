import Testing
@testable import Rules

@Test func keywordTableIsSortedLowerCaseAndUnique() {
    let words = Keyword.allCases.map(\.rawValue)
    #expect(words == words.sorted())
    #expect(Set(words).count == words.count)
    #expect(words.allSatisfy { word in word.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } })
}

@Test func foundDescriptionNamesTheToken() {
    let position = SourcePosition(offset: 0, line: 1, column: 1)
    let range = SourceRange(start: position, end: position)
    #expect(Token(kind: .keyword(.port), text: "port", range: range).foundDescription == "'port'")
    #expect(Token(kind: .string("a b"), text: "\"a b\"", range: range).foundDescription == "\"a b\"")
    #expect(Token(kind: .newline, text: "\n", range: range).foundDescription == "end of line")
    #expect(Token(kind: .endOfFile, text: "", range: range).foundDescription == "end of file")
}
