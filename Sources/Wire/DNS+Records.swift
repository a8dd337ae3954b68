extension DNS.Reader {
    /// One resource record (RFC 1035 §4.1.3): owner, TYPE, CLASS, TTL, RDLENGTH within the
    /// message, RDATA parsed exactly to RDLENGTH. Returns where the record ends.
    func record(at position: Int, section: DNS.Section, state: inout DNS.SectionState) throws(DecodeError) -> Int {
        let (nameEnd, owner) = try name(at: position, limit: count)
        guard nameEnd + 10 <= count else { throw error(.type, at: nameEnd, .truncated) }
        let type = bytes.uint16(at: nameEnd)
        let rdataStart = nameEnd + 10
        let end = rdataStart + Int(bytes.uint16(at: nameEnd + 8))
        guard end <= count else { throw error(.rdlength, at: nameEnd + 8, .truncated) }
        // RFC 8945 §5.2: a TSIG record is the last record of the message.
        guard !state.sawTSIG else { throw error(.type, at: nameEnd, .dnsBadType) }
        if type == DNS.RRType.opt {
            try opt(at: position, owner: owner, nameEnd: nameEnd, end: end, section: section, state: &state)
            return end
        }
        // RFC 6895 §3.1: type 0 is reserved, 251-255 (IXFR, AXFR, MAILB, MAILA, ANY) exist only as
        // questions; TSIG (RFC 8945 §5.1) only as the last additional record.
        guard type != 0, !(251...255).contains(type), type != DNS.RRType.tsig || section == .additional else {
            throw error(.type, at: nameEnd, .dnsBadType)
        }
        if state.isQuery && type != DNS.RRType.tsig { throw error(.type, at: nameEnd, .dnsQueryRecords) }
        state.sawTSIG = type == DNS.RRType.tsig
        // RFC 2181 §8: a TTL is 31 bits; the top bit set is malformed.
        guard bytes.byte(at: nameEnd + 4) & 0x80 == 0 else { throw error(.ttl, at: nameEnd + 4, .dnsBadTTL) }
        let recordClass = bytes.uint16(at: nameEnd + 2)
        try rdata(type: type, recordClass: recordClass, from: rdataStart, to: end)
        if section == .answer, recordClass == DNS.classIN, type == DNS.RRType.a || type == DNS.RRType.aaaa {
            state.addressAnswers &+= 1
        }
        return end
    }

    /// The OPT pseudo-record (RFC 6891 §6.1): once, in the additional section, owned by the root
    /// (uncompressed), version 0; its options walked with exact lengths.
    private func opt(
        at position: Int, owner: DNS.Name, nameEnd: Int, end: Int, section: DNS.Section, state: inout DNS.SectionState
    ) throws(DecodeError) {
        guard section == .additional, !state.sawOPT else { throw error(.type, at: nameEnd, .dnsBadOPT) }
        guard nameEnd == position + 1 else { throw error(.name, at: position, .dnsBadOPT) }
        guard bytes.byte(at: nameEnd + 5) == 0 else { throw error(.ttl, at: nameEnd + 5, .dnsBadOPT) }
        try ednsOptions(from: nameEnd + 10, to: end, isQuery: state.isQuery)
        state.sawOPT = true
        state.extendedRCode = bytes.byte(at: nameEnd + 4)
    }

    /// EDNS options (RFC 6891 §6.1.2): each code and length inside the RDATA, exactly filling
    /// it. COOKIE (RFC 7873 §4, §5.2.2): once, 8 bytes or 16 to 40. CLIENT-SUBNET (RFC 7871 §6):
    /// prefix lengths within the family, the address exactly as long as the source prefix
    /// needs with the bits past it zero, the scope 0 in a query. PADDING (RFC 7830 §4) may hold
    /// any bytes; other options are opaque.
    private func ednsOptions(from start: Int, to end: Int, isQuery: Bool) throws(DecodeError) {
        var position = start
        var sawCookie = false
        while position < end {
            guard position + 4 <= end else { throw error(.ednsOption, at: position, .dnsBadOPT) }
            let code = bytes.uint16(at: position)
            let length = Int(bytes.uint16(at: position + 2))
            let value = position + 4
            guard value + length <= end else { throw error(.ednsOption, at: position + 2, .dnsBadOPT) }
            switch code {
            case 10:
                guard !sawCookie, length == 8 || (16...40).contains(length) else {
                    throw error(.ednsOption, at: position, .dnsBadEDNSOption)
                }
                sawCookie = true
            case 8:
                guard clientSubnetIsValid(at: value, length: length, isQuery: isQuery) else {
                    throw error(.ednsOption, at: position, .dnsBadEDNSOption)
                }
            default:
                break
            }
            position = value + length
        }
    }

    /// RFC 7871 §6: FAMILY (1 IPv4, 2 IPv6), SOURCE and SCOPE PREFIX-LENGTH, ADDRESS.
    private func clientSubnetIsValid(at value: Int, length: Int, isQuery: Bool) -> Bool {
        guard length >= 4 else { return false }
        let family = bytes.uint16(at: value)
        let source = Int(bytes.byte(at: value + 2))
        let scope = Int(bytes.byte(at: value + 3))
        let bits = family == 1 ? 32 : family == 2 ? 128 : 0
        guard bits > 0, source <= bits, scope <= bits, !isQuery || scope == 0 else { return false }
        let addressLength = (source + 7) / 8
        guard length == 4 + addressLength else { return false }
        guard source % 8 != 0, addressLength > 0 else { return true }
        let last = bytes.byte(at: value + 4 + addressLength - 1)
        return last & (0xFF >> UInt8(source % 8)) == 0
    }
}
