extension DecodeError {
    /// The sentences of the DNS reason codes (RFC 1035 §4, RFC 2181, RFC 6891, RFC 9267), one
    /// per reason and field, static text only: part of `forEachMessagePart`.
    func forEachDNSMessagePart(_ part: (StaticString) -> Void) {
        switch reason {
        case .dnsOpcode: part("the DNS opcode is not QUERY nor one the rules accept")
        case .dnsZBit: part("the DNS header's Z bit is not zero")
        case .dnsQuestionCount: part("the DNS message does not carry exactly one question")
        case .dnsQueryRecords:
            part("the DNS query carries answer or authority records, or an additional record other than one OPT and one TSIG")
        case .dnsBadLabel: part("a DNS label is longer than 63 octets or uses an extended label type (01 or 10)")
        case .dnsNameTooLong: part("a DNS name is longer than 255 octets")
        case .dnsBadPointer:
            part("a DNS compression pointer does not point backwards to an earlier name in the message")
        case .dnsPointerChain: part("DNS compression pointers chain further than the name needs")
        case .dnsBadType: part("a DNS record or question has a reserved or query-only type where it is not allowed")
        case .dnsBadTTL: part("a DNS record's TTL has its top bit set")
        case .dnsBadOPT:
            part("the OPT record is repeated, outside the additional section, not owned by the root, not version 0, or its options overrun it")
        case .dnsBadEDNSOption: part("an EDNS option (cookie, client subnet) has a length or value its RFC forbids")
        case .dnsBadRDATA: part("a DNS record's RDATA does not parse exactly to its RDLENGTH")
        default: part("the DNS message is malformed")
        }
    }
}
