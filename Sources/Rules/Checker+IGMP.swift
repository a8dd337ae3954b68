import Wire

extension CheckedRuleset {
    /// The router alert IPv4 option's type (RFC 2113).
    static let routerAlert: UInt8 = 148

    /// A warning at the first rule that accepts `igmp` when the ruleset does not allow the
    /// router alert option: IGMPv2 and v3 messages carry it (RFC 2236 §2, RFC 3376 §4), so
    /// without `accept ip-options { router-alert }` only IGMPv1 would pass. `accept any` is
    /// not warned about: it does not name IGMP.
    func igmpWithoutRouterAlert() -> Diagnostic? {
        guard !decodeOptions.allowedIPOptionTypes.contains(Self.routerAlert) else { return nil }
        let igmp = ValueSet(UInt128(IPProtocol.igmp.rawValue))
        guard let rule = rules.first(where: { $0.action == .accept && $0.match[.proto] == igmp }) else { return nil }
        return Diagnostic(.igmpWithoutRouterAlert, at: rule.location)
    }
}
