import Wire

/// A packet written as text, for `portcullis explain`:
///
///     tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S
///     icmp 10.0.0.1 -> 10.0.0.2 type echo-request
///     udp 10.0.0.1:5353 -> 10.0.0.2:53 in eth0 out eth1 state new ttl 64 length 60 mark 0x1
///
/// `PROTO SRC[:PORT] -> DST[:PORT]` then options in any order, each at most once: `flags`
/// (TCP; default none set), `type` and `code` (ICMP; default echo-request, code 0), `in`,
/// `out`, `state`, `ttl` (default 64), `length` (default: the headers' length), `mark`
/// (default 0). TCP and UDP need both ports; ICMP has none. A UDP packet may add
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
        let hasPorts = ipProtocol == .tcp || ipProtocol == .udp
        let (source, sourcePort) = try parsePacketEndpoint(hasPorts: hasPorts)
        guard current.kind == .arrow else { throw failure(otherwise: .expected(.arrow, found: current.foundDescription)) }
        advance()
        let (destination, destinationPort) = try parsePacketEndpoint(hasPorts: hasPorts)
        var packet = PacketFields(
            proto: ipProtocol, source: source, destination: destination,
            sourcePort: sourcePort, destinationPort: destinationPort,
            tcpFlags: ipProtocol == .tcp ? 0 : nil,
            icmpType: ipProtocol == .icmp ? 8 : nil, icmpCode: ipProtocol == .icmp ? 0 : nil,
            length: ipProtocol == .tcp ? 40 : 28)
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
                guard ipProtocol == .icmp else { throw ParseFailure(message: .optionNeedsICMP(keyword), position: start) }
                let value = try parsePacketValue(keyword == .type ? .icmpType : .icmpCode)
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
            case .length: packet.length = UInt16(try parsePacketValue(.length))
            case .mark: packet.mark = UInt32(try parsePacketValue(.mark))
            default:
                throw ParseFailure(message: .trailingTokens(found: "'\(keyword.rawValue)'"), position: start)
            }
        }
        return packet
    }

    private mutating func parsePacketEndpoint(hasPorts: Bool) throws(ParseFailure) -> (IPv4Address, UInt16?) {
        let token = current
        guard token.kind == .address, let address = IPv4Address(Substring(token.text)) else {
            throw ParseFailure(message: token.kind == .address ? .invalidAddress(token.text) : .expected(.address, found: token.foundDescription), position: token.range.start)
        }
        advance()
        guard hasPorts else { return (address, nil) }
        guard current.kind == .colon else { throw failure(otherwise: .expected(.port, found: current.foundDescription)) }
        advance()
        return (address, UInt16(try parsePacketValue(.port)))
    }

    /// One number (or, for ICMP, a name) within the context's range.
    private mutating func parsePacketValue(_ context: Diagnostic.Message.ItemContext) throws(ParseFailure) -> UInt64 {
        let token = current
        if token.kind == .identifier, context == .icmpType || context == .icmpCode {
            guard let value = Names.value(of: token.text, in: context == .icmpType ? Names.icmpTypes : Names.icmpCodes) else {
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

/// A diagnostic is also the error of parsing one packet description.
extension Diagnostic: Error {}
