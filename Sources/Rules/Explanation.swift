/// Why a program decides a packet as it does: the deciding rule (or the policy) and the
/// earlier rules that came closest to matching, each with the fields that kept it out.
public struct Explanation: Sendable {
    public var decision: Decision
    /// Rules passed over before the decision that failed on at most `nearness` fields,
    /// closest first (then in rule order), at most `limit` of them.
    public var nearMisses: [(rule: Int, failed: [Field])]

    static let nearness = 2
    static let limit = 5
}

extension Program {
    /// Explains `packet` with the linear reference semantics, rule by rule.
    public func explain(_ packet: PacketFields) -> Explanation {
        let decision = evaluate(packet)
        let passed = decision.ruleIndex ?? rules.count
        var misses: [(rule: Int, failed: [Field])] = []
        for index in 0..<passed {
            let failed = Field.allCases.filter { !rules[index].match.matches(packet, on: $0) }
            if !failed.isEmpty, failed.count <= Explanation.nearness { misses.append((index, failed)) }
        }
        misses.sort { ($0.failed.count, $0.rule) < ($1.failed.count, $1.rule) }
        return Explanation(decision: decision, nearMisses: Array(misses.prefix(Explanation.limit)))
    }

    /// The explanation as text: `sourceLine` gives a rule's line as written, when available.
    public func render(_ explanation: Explanation, packet: PacketFields, sourceLine: (SourceLocation) -> String?) -> String {
        func name(_ index: Int) -> String {
            let rule = rules[index]
            var text = "\(rule.location.file):\(rule.location.line)"
            if let label = rule.label { text += " \(quoted(label))" }
            if let line = sourceLine(rule.location) { text += "\n    \(line.trimmingBlanks())" }
            for note in rule.notes { text += "\n    (\(note))" }
            return text
        }
        var lines: [String] = []
        if let index = explanation.decision.ruleIndex {
            let rule = rules[index]
            lines.append("\(explanation.decision.action.rawValue): rule \(name(index))")
            let fields = rule.match.constrainedFields
            var matched = fields.map { "\($0) (\(describe(packet, $0)))" }
            if rule.match.dnsNames != nil { matched.append("DNS name list") }
            if rule.match.dnsAddresses != nil { matched.append("DNS answer address list") }
            lines.append(matched.isEmpty ? "  it matches every packet" : "  it matches on " + matched.joined(separator: ", "))
            lines.append("  first match wins: \(index) earlier rule\(index == 1 ? "" : "s") did not match")
        } else {
            lines.append("\(explanation.decision.action.rawValue): policy (no rule matches)")
        }
        if !explanation.nearMisses.isEmpty {
            lines.append("passed over, but close:")
            for miss in explanation.nearMisses {
                lines.append("  \(name(miss.rule))")
                lines.append("    no match on " + miss.failed.map { "\($0) (packet has \(describe(packet, $0)))" }.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ packet: PacketFields, _ field: Field) -> String {
        switch field {
        case .proto: protocolName(packet.proto)
        case .source: "\(packet.source)"
        case .destination: "\(packet.destination)"
        case .sourcePort: packet.sourcePort.map { "\($0)" } ?? "no port"
        case .destinationPort: packet.destinationPort.map { "\($0)" } ?? "no port"
        case .inInterface: packet.inInterface.map { "\($0)" } ?? "none"
        case .outInterface: packet.outInterface.map { "\($0)" } ?? "none"
        case .tcpFlags: packet.tcpFlags.map { Checker.flagLetters($0) } ?? "not TCP"
        case .icmpType: packet.icmpType.map { Names.icmpTypeName($0, proto: packet.proto) } ?? "not ICMP"
        case .icmpCode: packet.icmpCode.map { "\($0)" } ?? "not ICMP"
        case .state: packet.connectionState.map { "\($0)" } ?? "none"
        case .length: "\(packet.length)"
        case .ttl: "\(packet.ttl)"
        case .mark: "0x\(String(packet.mark, radix: 16))"
        case .innerProto: packet.innerProto.map(protocolName) ?? "not tunnelled"
        case .innerSource: packet.innerSource.map { "\($0)" } ?? "not tunnelled"
        case .innerDestination: packet.innerDestination.map { "\($0)" } ?? "not tunnelled"
        case .innerSourcePort: packet.innerSourcePort.map { "\($0)" } ?? "no port"
        case .innerDestinationPort: packet.innerDestinationPort.map { "\($0)" } ?? "no port"
        case .dnsType: packet.dnsType.map { DNSNames.typeName($0) } ?? "no DNS message"
        case .dnsRCode: packet.dnsRCode.map { DNSNames.rcodeName($0) } ?? "no DNS response"
        }
    }
}

extension String {
    func trimmingBlanks() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
