import Rules

extension ConnectionState {
    /// The state of a packet from what the queue message carried. With NFQA_CFG_F_CONNTRACK
    /// in force the kernel attaches NFQA_CT_INFO whenever the packet has a conntrack entry
    /// (`nfqnl_ct_get` returns the `nf_conn`); conntrack attaches none to a packet it found
    /// invalid — nor to one exempted with `-j CT --notrack`, which therefore also reads as
    /// invalid. Without the flag there is no state at all.
    public static func fromKernel(conntrackInfo: UInt32?, conntrackEnabled: Bool) -> ConnectionState? {
        guard conntrackEnabled else { return nil }
        guard let conntrackInfo else { return .invalid }
        return ConnectionState(conntrackInfo: conntrackInfo)
    }
}
