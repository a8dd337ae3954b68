import Wire

extension ParserState {
    /// `dns QNAME TYPE` in a packet description: a name (a word, or quoted), then a type name
    /// or number.
    mutating func parsePacketQuestion() throws(ParseFailure) -> (name: String, type: UInt16) {
        advance()
        let nameToken = current
        let name: String
        switch nameToken.kind {
        case .identifier, .address, .number: name = nameToken.text
        case .string(let text): name = text
        default: throw failure(otherwise: .wrongItem(expected: .dnsName, found: nameToken.foundDescription))
        }
        advance()
        let typeToken = current
        if typeToken.kind == .identifier || typeToken.kind == .keyword(.any) {
            guard let type = DNSNames.value(of: typeToken.text, in: DNSNames.types) else {
                throw ParseFailure(message: .unknownName(.dnsType, typeToken.text), position: typeToken.range.start)
            }
            advance()
            return (name, type)
        }
        let value = try parseNumber()
        guard value <= 65_535 else { throw ParseFailure(message: .valueOutOfRange(.dnsType, value), position: typeToken.range.start) }
        return (name, UInt16(value))
    }
}

/// A DNS query built from a name and type, for `explain`: the same bytes a resolver sends,
/// decoded by `Wire.DNS` as the engine decodes one.
enum DNSQuery {
    /// The message bytes, or nil when `name` is not a name the decoder takes.
    static func message(name: String, type: UInt16) -> [UInt8]? {
        var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) where !trimmed.isEmpty {
            let utf8 = Array(label.utf8)
            guard !utf8.isEmpty, utf8.count <= 63 else { return nil }
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        do throws(DecodeError) {
            _ = try DNS.Message(parsing: bytes.span.bytes)
        } catch {
            return nil
        }
        return bytes
    }

    /// The DNS fields of `packet` from the query `bytes` and the program's lists.
    static func describe(_ bytes: [UInt8], program: Program, into packet: inout PacketFields) {
        do throws(DecodeError) {
            let message = try DNS.Message(parsing: bytes.span.bytes)
            program.describeDNS(message, in: bytes.span.bytes, into: &packet)
        } catch {
            return
        }
    }
}
