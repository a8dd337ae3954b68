import Rules
import Wire

extension Engine {
    /// Under `inspect dns`, a UDP datagram from or to a DNS port carries one DNS message that
    /// must decode completely (docs/decoding.md, DNS): returns the decode error when it does
    /// not; otherwise fills the DNS fields the rules match on. Allocates nothing. Either
    /// family: UDP over IPv4 or IPv6.
    func inspectDNS<D: JudgedDatagram>(
        _ datagram: D, bytes: UnsafeRawBufferPointer, into fields: inout PacketFields
    ) -> DecodeError? {
        guard let inspection = dnsRules.inspection, let range = datagram.udpPayload,
              inspection.applies(sourcePort: datagram.sourcePort, destinationPort: datagram.destinationPort) else { return nil }
        let start = range.lowerBound
        let payload = bytes.bytes.extracting(range)
        do {
            let message = try DNS.Message(parsing: payload, at: start, options: inspection.options)
            dnsRules.describe(message, in: payload, into: &fields)
            pendingDNS = (message, start)
            return nil
        } catch {
            return error
        }
    }

    /// The verdict line's `dns` object for a logged verdict on a DNS message.
    func summarizeDNS(_ bytes: UnsafeRawBufferPointer, into event: inout VerdictEvent) {
        guard let (message, offset) = pendingDNS, offset + message.length <= bytes.count else { return }
        event.dns = DNSSummary(message, in: bytes.bytes.extracting(offset..<offset + message.length))
    }
}
