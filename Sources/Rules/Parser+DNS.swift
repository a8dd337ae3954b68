extension ParserState {
    /// `inspect dns [port LIST] [opcode LIST]`, clauses in any order, each at most once.
    mutating func parseInspectDNS() throws(ParseFailure) -> InspectDNSSyntax {
        let start = advance().range.start
        guard current.kind == .identifier, current.text == "dns" else {
            throw failure(otherwise: .expected(.inspectedProtocol, found: current.foundDescription))
        }
        advance()
        var ports: ListSyntax?
        var opcodes: ListSyntax?
        while current.kind == .keyword(.port) || (current.kind == .identifier && current.text == "opcode") {
            let isPort = current.kind == .keyword(.port)
            if isPort ? ports != nil : opcodes != nil {
                throw ParseFailure(message: .inspectClauseTwice(current.text), position: current.range.start)
            }
            let clauseStart = advance().range.start
            var list = try parseList()
            list.range = SourceRange(start: clauseStart, end: list.range.end)
            if isPort { ports = list } else { opcodes = list }
        }
        return InspectDNSSyntax(ports: ports, opcodes: opcodes, range: range(from: start))
    }
}
