extension DNS.Reader {
    /// RDATA parsed exactly to RDLENGTH for the types below; other types are kept opaque
    /// (RFC 3597 §4). Empty RDATA with class NONE or ANY is an UPDATE prerequisite or deletion
    /// (RFC 2136 §2.4, §2.5).
    func rdata(type: UInt16, recordClass: UInt16, from start: Int, to end: Int) throws(DecodeError) {
        if start == end, recordClass == 254 || recordClass == 255 { return }
        switch type {
        case DNS.RRType.a:                            // RFC 1035 §3.4.1
            guard end - start == 4 else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
        case DNS.RRType.aaaa:                         // RFC 3596 §2.2
            guard end - start == 16 else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
        case DNS.RRType.ns, DNS.RRType.cname, DNS.RRType.ptr, DNS.RRType.dname:   // RFC 1035 §3.3, RFC 6672 §2.1
            try nameFilling(from: start, to: end)
        case DNS.RRType.mx:                           // RFC 1035 §3.3.9: preference, exchange
            try fixed(2, thenNameFrom: start, to: end)
        case DNS.RRType.srv:                          // RFC 2782: priority, weight, port, target
            try fixed(6, thenNameFrom: start, to: end)
        case DNS.RRType.soa:                          // RFC 1035 §3.3.13: MNAME, RNAME, five 32-bit fields
            let (mnameEnd, _) = try name(at: start, limit: end)
            let (rnameEnd, _) = try name(at: mnameEnd, limit: end)
            guard rnameEnd + 20 == end else { throw error(.rdata, at: rnameEnd, .dnsBadRDATA) }
        case DNS.RRType.txt:                          // RFC 1035 §3.3.14: one or more character-strings
            guard start < end else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
            try characterStrings(from: start, to: end)
        case DNS.RRType.caa:                          // RFC 8659 §4.1: flags, tag length >= 1, alphanumeric tag, value
            try caa(from: start, to: end)
        case DNS.RRType.svcb, DNS.RRType.https:       // RFC 9460 §2.2
            guard end - start >= 3 else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
            let (targetEnd, _) = try name(at: start + 2, limit: end, compression: false)
            try serviceParameters(from: targetEnd, to: end)
        default:
            break
        }
    }

    /// One name that ends exactly at the RDATA's end.
    private func nameFilling(from start: Int, to end: Int) throws(DecodeError) {
        let (nameEnd, _) = try name(at: start, limit: end)
        guard nameEnd == end else { throw error(.rdata, at: nameEnd, .dnsBadRDATA) }
    }

    /// `size` fixed bytes, then one name that ends exactly at the RDATA's end.
    private func fixed(_ size: Int, thenNameFrom start: Int, to end: Int) throws(DecodeError) {
        guard end - start > size else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
        try nameFilling(from: start + size, to: end)
    }

    /// Length-prefixed strings that exactly fill `start..<end` (RFC 1035 §3.3).
    private func characterStrings(from start: Int, to end: Int) throws(DecodeError) {
        var position = start
        while position < end {
            let next = position + 1 + Int(bytes.byte(at: position))
            guard next <= end else { throw error(.rdata, at: position, .dnsBadRDATA) }
            position = next
        }
    }

    private func caa(from start: Int, to end: Int) throws(DecodeError) {
        guard end - start >= 2 else { throw error(.rdlength, at: start - 2, .dnsBadRDATA) }
        let tagLength = Int(bytes.byte(at: start + 1))
        guard tagLength >= 1, start + 2 + tagLength <= end else { throw error(.rdata, at: start + 1, .dnsBadRDATA) }
        var position = start + 2
        while position < start + 2 + tagLength {
            let octet = bytes.byte(at: position) | 0x20
            guard (0x61...0x7A).contains(octet) || (0x30...0x39).contains(bytes.byte(at: position)) else {
                throw error(.rdata, at: position, .dnsBadRDATA)
            }
            position += 1
        }
    }

    /// SvcParams (RFC 9460 §2.2): keys strictly increasing, each value inside the RDATA, and the
    /// values of the keys §7 defines checked for their length and form; key 65535 is reserved
    /// (§14.3.2). Other keys' values are opaque.
    private func serviceParameters(from start: Int, to end: Int) throws(DecodeError) {
        var position = start
        var previousKey = -1
        while position < end {
            guard position + 4 <= end else { throw error(.rdata, at: position, .dnsBadRDATA) }
            let key = Int(bytes.uint16(at: position))
            let length = Int(bytes.uint16(at: position + 2))
            let value = position + 4
            guard key > previousKey, key != 65535, value + length <= end,
                  serviceParameterIsValid(key: key, at: value, length: length) else {
                throw error(.rdata, at: position, .dnsBadRDATA)
            }
            previousKey = key
            position = value + length
        }
    }

    private func serviceParameterIsValid(key: Int, at value: Int, length: Int) -> Bool {
        switch key {
        case 0: return length > 0 && length % 2 == 0                 // mandatory: keys
        case 1:                                                      // alpn: non-empty strings
            guard length > 0 else { return false }
            var position = value
            while position < value + length {
                let size = Int(bytes.byte(at: position))
                guard size > 0, position + 1 + size <= value + length else { return false }
                position += 1 + size
            }
            return true
        case 2: return length == 0                                   // no-default-alpn
        case 3: return length == 2                                   // port
        case 4: return length > 0 && length % 4 == 0                 // ipv4hint
        case 6: return length > 0 && length % 16 == 0                // ipv6hint
        default: return true
        }
    }
}
