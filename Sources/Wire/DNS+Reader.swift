extension DNS {
    /// The checked walk over one message: header, names, records. Every position is an offset
    /// in the message; errors add `base`, the message's offset in the IP datagram. Every read is
    /// preceded by a bounds check against the message or the record's RDLENGTH.
    struct Reader: ~Escapable {
        let bytes: RawSpan
        let base: Int

        @_lifetime(copy bytes)
        init(bytes: RawSpan, base: Int) {
            self.bytes = bytes
            self.base = base
        }

        var count: Int { bytes.byteCount }

        func error(_ field: DecodeError.Field, at position: Int, _ reason: DecodeError.Reason) -> DecodeError {
            .make(.dns, field, at: base + position, reason)
        }

        /// RFC 1035 §4.1.1: the header, its opcode (QUERY unless the rules allow another), the
        /// Z bit (must be zero), exactly one question; a QUERY-opcode query carries no answer
        /// or authority records and at most two additional ones (OPT, TSIG; checked per record).
        func checkHeader(options: DNS.Options) throws(DecodeError) {
            guard count >= DNS.headerLength else { throw error(.header, at: 0, .truncated) }
            let flags = bytes.uint16(at: DNS.Offset.flags)
            guard options.allows(opcode: UInt8(truncatingIfNeeded: flags >> 11) & 0xF) else {
                throw error(.opcode, at: DNS.Offset.flags, .dnsOpcode)
            }
            guard flags & 0x0040 == 0 else { throw error(.flags, at: DNS.Offset.flags, .dnsZBit) }
            guard bytes.uint16(at: DNS.Offset.questionCount) == 1 else {
                throw error(.questionCount, at: DNS.Offset.questionCount, .dnsQuestionCount)
            }
            guard flags & 0xF800 == 0 else { return }   // a response, or another opcode
            guard bytes.uint16(at: DNS.Offset.answerCount) == 0 else {
                throw error(.answerCount, at: DNS.Offset.answerCount, .dnsQueryRecords)
            }
            guard bytes.uint16(at: DNS.Offset.authorityCount) == 0 else {
                throw error(.authorityCount, at: DNS.Offset.authorityCount, .dnsQueryRecords)
            }
            guard bytes.uint16(at: DNS.Offset.additionalCount) <= 2 else {
                throw error(.additionalCount, at: DNS.Offset.additionalCount, .dnsQueryRecords)
            }
        }

        /// Walks the name at `start` (RFC 1035 §3.1, §4.1.4, RFC 9267 §2-§5). Labels are at most
        /// 63 octets (types 01 and 10 refused, RFC 6891 §5), the name at most 255 octets. A
        /// pointer must point into the message after the header and before the first byte of the
        /// piece of name that holds it, so every jump goes strictly backwards and no loop is
        /// possible; a name needs at most one pointer per label, so longer chains are refused.
        /// The bytes of the name's first piece must end before `limit` (the RDATA's end for a
        /// name in RDATA). Returns where the name ends in the byte stream, and the name.
        func name(at start: Int, limit: Int, compression: Bool = true) throws(DecodeError) -> (end: Int, name: Name) {
            var position = start
            var pieceStart = start
            var end = -1
            var length = 0
            var labels = 0
            var jumps = 0
            while true {
                let pieceLimit = end < 0 ? limit : count
                guard position < pieceLimit else { throw overrun(at: position, limit: limit) }
                let octet = bytes.byte(at: position)
                switch octet & 0xC0 {
                case 0x00:
                    guard octet != 0 else {
                        if end < 0 { end = position + 1 }
                        let name = Name(offset: UInt16(start), wireLength: UInt8(length + 1), labelCount: UInt8(labels))
                        return (end, name)
                    }
                    guard position + 1 + Int(octet) < pieceLimit else { throw overrun(at: position, limit: limit) }
                    length += 1 + Int(octet)
                    guard length < 255 else { throw error(.name, at: position, .dnsNameTooLong) }
                    labels += 1
                    position += 1 + Int(octet)
                case 0xC0:
                    guard compression else { throw error(.rdata, at: position, .dnsBadRDATA) }
                    guard position + 2 <= pieceLimit else { throw overrun(at: position, limit: limit) }
                    let target = Int(bytes.uint16(at: position) & 0x3FFF)
                    guard target >= DNS.headerLength, target < pieceStart else { throw error(.name, at: position, .dnsBadPointer) }
                    jumps += 1
                    guard jumps <= labels + 1 else { throw error(.name, at: position, .dnsPointerChain) }
                    if end < 0 { end = position + 2 }
                    position = target
                    pieceStart = target
                default:
                    throw error(.name, at: position, .dnsBadLabel)
                }
            }
        }

        /// A name that runs past the message is truncated; one that runs past its RDATA is bad RDATA.
        private func overrun(at position: Int, limit: Int) -> DecodeError {
            limit < count ? error(.rdata, at: position, .dnsBadRDATA) : error(.name, at: position, .truncated)
        }

        /// Walks `count` records of `section` from `position`; returns where the last ends.
        func section(_ section: Section, count: UInt16, from position: Int, state: inout SectionState) throws(DecodeError) -> Int {
            var position = position
            var index: UInt16 = 0
            while index < count {
                position = try record(at: position, section: section, state: &state)
                index += 1
            }
            return position
        }
    }
}
