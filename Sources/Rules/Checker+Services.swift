import Wire

extension CheckerState {
    /// The port a service name stands for, for the rule being resolved (its protocol), noted
    /// for `explain`; nil after reporting a name the services database does not have.
    mutating func servicePort(_ name: String, at position: SourcePosition) -> ClosedRange<UInt128>? {
        let protoName = ruleProto.map(protocolName) ?? "tcp or udp"
        guard let port = services.port(name, proto: ruleProto) else {
            report(.unknownService(name, proto: protoName), at: position)
            return nil
        }
        let note = "\(name) is port \(port)/\(protoName) in /etc/services"
        if !ruleNotes.contains(note) { ruleNotes.append(note) }
        return UInt128(port)...UInt128(port)
    }
}
