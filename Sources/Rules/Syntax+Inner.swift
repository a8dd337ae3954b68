/// `inner PROTO [from ADDR [port PORTS]] [to ADDR [port PORTS]]`: the packet a GRE, IP-in-IP
/// or IPv6-in-IPv4 tunnel carries, matched with the grammar of a rule's head. The range starts
/// at `inner`.
public struct InnerSyntax: Equatable, Sendable {
    public var proto: ProtocolSyntax
    public var source: EndpointSyntax?
    public var destination: EndpointSyntax?
    public var range: SourceRange

    public init(proto: ProtocolSyntax, source: EndpointSyntax?, destination: EndpointSyntax?, range: SourceRange) {
        self.proto = proto
        self.source = source
        self.destination = destination
        self.range = range
    }
}

extension ParserState {
    /// After `inner`: a protocol, then `from` and `to` as in a rule's head.
    mutating func parseInner() throws(ParseFailure) -> InnerSyntax {
        let start = advance().range.start
        let proto = try parseProtocol()
        var source: EndpointSyntax?
        var destination: EndpointSyntax?
        if current.kind == .keyword(.from) { source = try parseEndpoint() }
        if current.kind == .keyword(.to) { destination = try parseEndpoint() }
        return InnerSyntax(proto: proto, source: source, destination: destination, range: range(from: start))
    }
}
