import Wire

/// What `explain` assumed about a packet written without some of its fields: the ports
/// (when no rule before the decision looks at them) and the options left to their defaults.
extension Program {
    /// The first rule that matches `packet` on every field but the `omitted` ones and
    /// constrains one of those: the decision depends on the omitted value. Nil when the
    /// first rule matching on the other fields ignores them, or none does (then the verdict
    /// is the same for every value).
    public func dependence(of packet: PacketFields, omitted: [Field]) -> (rule: Int, field: Field)? {
        guard !omitted.isEmpty else { return nil }
        let others = Field.allCases.filter { !omitted.contains($0) }
        for (index, rule) in rules.enumerated() where others.allSatisfy({ rule.match.matches(packet, on: $0) }) {
            let constrained = rule.match.constrainedFields
            guard let field = omitted.first(where: constrained.contains) else { return nil }
            return (index, field)
        }
        return nil
    }

    /// The defaults `explain` used, for the fields some rule of this program matches on:
    /// `ttl 64`, `no connection state`, ... (`given` are the options the packet wrote).
    public func assumptions(for packet: PacketFields, given: Set<Field>) -> [String] {
        let used = Set(rules.flatMap(\.match.constrainedFields))
        var assumed: [String] = []
        for field in [Field.tcpFlags, .icmpType, .icmpCode, .inInterface, .outInterface, .state, .ttl, .length, .mark]
        where used.contains(field) && !given.contains(field) {
            switch field {
            case .tcpFlags: if let flags = packet.tcpFlags { assumed.append(flags == 0 ? "no TCP flags" : "flags \(Checker.flagLetters(flags))") }
            case .icmpType: if let type = packet.icmpType { assumed.append("type \(Names.icmpTypeName(type))") }
            case .icmpCode: if let code = packet.icmpCode { assumed.append("code \(code)") }
            case .inInterface: assumed.append("no input interface")
            case .outInterface: assumed.append("no output interface")
            case .state: assumed.append("no connection state")
            case .ttl: assumed.append("ttl \(packet.ttl)")
            case .length: assumed.append("length \(packet.length)")
            case .mark: assumed.append("mark 0x\(String(packet.mark, radix: 16))")
            default: break
            }
        }
        return assumed
    }
}

extension PacketDescription {
    /// The option fields `text` writes (`ttl`, `in`, `flags`, ...), found by its keywords;
    /// the rest took their defaults.
    public static func givenFields(_ text: String) -> Set<Field> {
        var fields = Set<Field>()
        for token in Lexer.tokenize(text) {
            guard case .keyword(let keyword) = token.kind else { continue }
            switch keyword {
            case .flags: fields.insert(.tcpFlags)
            case .type: fields.insert(.icmpType)
            case .code: fields.insert(.icmpCode)
            case .in: fields.insert(.inInterface)
            case .out: fields.insert(.outInterface)
            case .state: fields.insert(.state)
            case .ttl: fields.insert(.ttl)
            case .length: fields.insert(.length)
            case .mark: fields.insert(.mark)
            default: break
            }
        }
        return fields
    }
}
