import Wire

/// A packet written as text, for `portcullis explain`:
///
///     tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S
///     icmp 10.0.0.1 -> 10.0.0.2 type echo-request
///     tcp [fd00::1]:40000 -> [fd00::2]:22 flags S
///     icmp6 fd00::1 -> fd00::2 type echo-request
///     udp 10.0.0.1:5353 -> 10.0.0.2:53 in eth0 out eth1 state new ttl 64 length 60 mark 0x1
///
/// `PROTO SRC[:PORT] -> DST[:PORT]` then options in any order, each at most once: `flags`
/// (TCP; default none set), `type` and `code` (ICMP or ICMPv6; default echo-request, code 0),
/// `in`, `out`, `state`, `ttl` (the hop limit for IPv6; default 64), `length` (default: the
/// headers' length), `mark` (default 0). A TCP, UDP or SCTP port may be left out
/// (`tcp 10.0.0.1 -> 10.0.0.2:22`): it is then nil, and `explain` says whether the verdict
/// depends on it; the other protocols have none. An IPv6 address with a port is written in
/// brackets (RFC 5952 §6), `[fd00::1]:22`, and needs them with these protocols even without a
/// port (`[fd00::1]`); both addresses are of one family. A UDP packet may add
/// `dns QNAME TYPE` (`dns ads.example A`): a DNS query, judged against `program`'s
/// `inspect dns` and name lists when one is given (`parse(_:program:)`).
public enum PacketDescription {
    public static func parse(_ text: String) -> Result<PacketFields, Diagnostic> {
        parse(text, program: nil)
    }

    /// As `parse(_:)`; a `dns` query is then decoded as the engine decodes one and its fields
    /// (type, name lists holding the name) set from `program`.
    public static func parse(_ text: String, program: Program?) -> Result<PacketFields, Diagnostic> {
        var parser = ParserState(source: text, file: "packet")
        do throws(ParseFailure) {
            var question: (name: String, type: UInt16)?
            var packet = try parser.parsePacket(question: &question)
            if let question {
                let position = SourcePosition(offset: 0, line: 1, column: 1)
                guard let message = DNSQuery.message(name: question.name, type: question.type) else {
                    throw ParseFailure(message: .invalidDNSName(question.name), position: position)
                }
                packet.dnsType = question.type
                if let program { DNSQuery.describe(message, program: program, into: &packet) }
            }
            return .success(packet)
        } catch {
            return .failure(Diagnostic(error.message, at: SourceLocation(file: "packet", position: error.position)))
        }
    }
}

extension ParserState {
    mutating func parsePacket() throws(ParseFailure) -> PacketFields {
        var question: (name: String, type: UInt16)?
        return try parsePacket(question: &question)
    }

    mutating func parsePacket(question: inout (name: String, type: UInt16)?) throws(ParseFailure) -> PacketFields {
        let proto = try parseProtocol()
        guard let ipProtocol = proto.proto else {
            throw ParseFailure(message: .expected(.proto, found: "'any'"), position: proto.range.start)
        }
        let hasPorts = ipProtocol == .tcp || ipProtocol == .udp || ipProtocol == .sctp
        let (source, sourcePort) = try parsePacketEndpoint(hasPorts: hasPorts)
        guard current.kind == .arrow else { throw failure(otherwise: .expected(.arrow, found: current.foundDescription)) }
        advance()
        let destinationStart = current.range.start
        let (destination, destinationPort) = try parsePacketEndpoint(hasPorts: hasPorts)
        let ipv6 = if case .v6 = source { true } else { false }
        let destinationIPv6 = if case .v6 = destination { true } else { false }
        guard ipv6 == destinationIPv6 else {
            throw ParseFailure(
                message: .ipv6(.familiesDiffer(from: ipv6 ? .inet6 : .inet, to: ipv6 ? .inet : .inet6)), position: destinationStart)
        }
        try checkICMPFamily(proto, ipv6: ipv6)
        let icmp = ipProtocol == .icmp || ipProtocol == .icmpv6
        var packet = PacketFields(
            proto: ipProtocol, source: source, destination: destination,
            sourcePort: sourcePort, destinationPort: destinationPort,
            tcpFlags: ipProtocol == .tcp ? 0 : nil,
            icmpType: icmp ? (ipv6 ? 128 : 8) : nil, icmpCode: icmp ? 0 : nil,
            length: Self.headersLength(ipProtocol, ipv6: ipv6))
        var seen: [Keyword] = []
        while current.kind != .endOfFile && current.kind != .newline {
            if current.kind == .identifier, current.text == "dns", ipProtocol == .udp, question == nil {
                question = try parsePacketQuestion()
                continue
            }
            guard case .keyword(let keyword) = current.kind else {
                throw failure(otherwise: .trailingTokens(found: current.foundDescription))
            }
            if seen.contains(keyword) { throw ParseFailure(message: .givenTwice(keyword), position: current.range.start) }
            seen.append(keyword)
            let start = advance().range.start
            switch keyword {
            case .flags:
                guard ipProtocol == .tcp else { throw ParseFailure(message: .flagsNeedTCP, position: start) }
                guard current.kind == .identifier, let bits = Self.flagBits(current.text) else {
                    throw ParseFailure(message: .invalidFlags(current.text), position: current.range.start)
                }
                advance()
                packet.tcpFlags = bits
            case .type, .code:
                guard icmp else { throw ParseFailure(message: .optionNeedsICMP(keyword), position: start) }
                let value = try parsePacketValue(keyword == .type ? .icmpType : .icmpCode, proto: ipProtocol)
                if keyword == .type { packet.icmpType = UInt8(value) } else { packet.icmpCode = UInt8(value) }
            case .in, .out:
                guard current.kind == .identifier, let name = InterfaceName(Substring(current.text)) else {
                    throw ParseFailure(message: .unknownName(.interface, current.text), position: current.range.start)
                }
                advance()
                if keyword == .in { packet.inInterface = name } else { packet.outInterface = name }
            case .state:
                guard current.kind == .identifier, let state = ConnectionState(name: current.text) else {
                    throw ParseFailure(message: .unknownName(.state, current.text), position: current.range.start)
                }
                advance()
                packet.connectionState = state
            case .ttl: packet.ttl = UInt8(try parsePacketValue(.ttl))
            case .length: packet.length = UInt32(try parsePacketValue(.length))
            case .mark: packet.mark = UInt32(try parsePacketValue(.mark))
            default:
                throw ParseFailure(message: .trailingTokens(found: "'\(keyword.rawValue)'"), position: start)
            }
        }
        return packet
    }

    private mutating func parsePacketEndpoint(hasPorts: Bool) throws(ParseFailure) -> (IPAddress, UInt16?) {
        let bracketed = current.kind == .leftBracket
        if bracketed { advance() }
        let token = current
        let address: IPAddress
        if token.kind == .address, token.text.contains(":") {
            guard let ipv6 = IPv6Address(Substring(token.text)) else {
                throw ParseFailure(message: .ipv6(.invalidAddress(token.text)), position: token.range.start)
            }
            address = .v6(ipv6)
        } else {
            guard !bracketed, token.kind == .address, let ipv4 = IPv4Address(Substring(token.text)) else {
                throw ParseFailure(
                    message: token.kind == .address && !bracketed ? .invalidAddress(token.text) : .expected(.address, found: token.foundDescription),
                    position: token.range.start)
            }
            address = .v4(ipv4)
        }
        advance()
        if bracketed {
            guard current.kind == .rightBracket else { throw failure(otherwise: .expected(.closingBracket, found: current.foundDescription)) }
            advance()
        }
        guard hasPorts else { return (address, nil) }
        if case .v6 = address, !bracketed {
            // `fd00::1:22` would be an address: a port needs the brackets (`[fd00::1]` without one).
            throw ParseFailure(message: .expected(.bracketedAddress, found: "'\(token.text)'"), position: token.range.start)
        }
        guard current.kind == .colon else { return (address, nil) }
        advance()
        return (address, UInt16(try parsePacketValue(.port)))
    }

    /// One number (or, for ICMP, a name) within the context's range.
    private mutating func parsePacketValue(_ context: Diagnostic.Message.ItemContext, proto: IPProtocol? = nil) throws(ParseFailure) -> UInt64 {
        let token = current
        if token.kind == .identifier, context == .icmpType || context == .icmpCode {
            let tables = Names.icmpTables(proto)
            guard let value = Names.value(of: token.text, in: context == .icmpType ? tables.types : tables.codes) else {
                throw ParseFailure(message: .unknownName(context, token.text), position: token.range.start)
            }
            advance()
            return UInt64(value)
        }
        let value = try parseNumber()
        guard value <= context.maximum else { throw ParseFailure(message: .valueOutOfRange(context, value), position: token.range.start) }
        return value
    }
}

extension ParserState {
    /// `icmp` is for IPv4 packets, `icmp6` for IPv6 ones.
    fileprivate func checkICMPFamily(_ proto: ProtocolSyntax, ipv6: Bool) throws(ParseFailure) {
        if proto.proto == .icmp && ipv6 || proto.proto == .icmpv6 && !ipv6 {
            throw ParseFailure(
                message: .ipv6(.icmpFamily(proto: proto.proto ?? .icmp, addresses: ipv6 ? .inet6 : .inet)), position: proto.range.start)
        }
    }

    /// The length of a packet that is only headers: IPv4 20 or IPv6 40 bytes, and 20 (TCP)
    /// or 8 (UDP, ICMP, ICMPv6).
    fileprivate static func headersLength(_ proto: IPProtocol, ipv6: Bool) -> UInt32 {
        (ipv6 ? 40 : 20) + (proto == .tcp ? 20 : 8)
    }
}

/// A diagnostic is also the error of parsing one packet description.
extension Diagnostic: Error {}
