/// Extended echo, "PROBE" (RFC 8335), with its ICMP extension structure (RFC 4884 §7).
extension ICMP {
    /// Byte offsets in an extended echo request, from the start of the message (RFC 8335 §2).
    public enum ExtendedEchoOffset {
        public static let identifier = 4        // 16 bits
        public static let sequence = 6          // 8 bits
        public static let localBit = 7          // 7 reserved bits | L
        public static let extensionVersion = 8  // version (4 bits, = 2) | reserved (12 bits)
        public static let extensionChecksum = 10  // RFC 1071 over the structure; 0: none sent
        public static let objectLength = 12     // 16 bits, header included
        public static let objectClass = 14      // class-num: 3, interface identification
        public static let objectType = 15       // C-type: 1 name, 2 index, 3 address
        public static let objectPayload = 16
    }

    /// The interface identification object's C-types (RFC 8335 §2.1).
    public enum InterfaceIdentification {
        public static let classNumber: UInt8 = 3
        public static let byName: UInt8 = 1
        public static let byIndex: UInt8 = 2
        public static let byAddress: UInt8 = 3
    }
}

extension ICMP.Header {
    /// RFC 8335 §2: after the 8-byte header, an ICMP extension structure (RFC 4884 §7, version
    /// 2, checksum 0 or correct) holding exactly one interface identification object whose
    /// length is a multiple of 4 and ends the message. Identifier, sequence, the L bit and the
    /// reserved bits are deliberately accepted and kept.
    static func checkExtendedEchoRequest(_ view: borrowing ICMP.View) throws(DecodeError) {
        typealias Offset = ICMP.ExtendedEchoOffset
        let bytes = view.bytes
        let base = view.datagramOffset
        guard bytes.byteCount >= Offset.objectPayload else {
            throw .make(.icmp, .extension, at: base + ICMP.headerLength, .truncated)
        }
        guard bytes.byte(at: Offset.extensionVersion) >> 4 == 2 else {
            throw .make(.icmp, .extension, at: base + Offset.extensionVersion, .badICMPExtension)
        }
        let structure = bytes.extracting(ICMP.headerLength..<bytes.byteCount)
        guard bytes.uint16(at: Offset.extensionChecksum) == 0 || Checksum.isValid(structure) else {
            throw .make(.icmp, .extension, at: base + Offset.extensionChecksum, .badChecksum)
        }
        let length = Int(bytes.uint16(at: Offset.objectLength))
        // Exactly one object, the rest of the message (RFC 8335 §2); padded to 4 bytes (§2.1).
        guard length == bytes.byteCount - Offset.objectLength, length % 4 == 0 else {
            throw .make(.icmp, .extension, at: base + Offset.objectLength, .badICMPExtension)
        }
        guard bytes.byte(at: Offset.objectClass) == ICMP.InterfaceIdentification.classNumber else {
            throw .make(.icmp, .extension, at: base + Offset.objectClass, .badICMPExtension)
        }
        try checkInterfaceIdentification(bytes, objectLength: length, at: base)
    }

    /// RFC 8335 §2.1: by name, at least one byte of name; by index, a 32-bit index; by address,
    /// AFI (2), address length (1), reserved (1), then the address padded to 4 bytes, with the
    /// length 4 for AFI 1 (IPv4) and 16 for AFI 2 (IPv6).
    private static func checkInterfaceIdentification(_ bytes: RawSpan, objectLength: Int, at base: Int) throws(DecodeError) {
        typealias Offset = ICMP.ExtendedEchoOffset
        let payload = objectLength - 4
        let valid: Bool
        switch bytes.byte(at: Offset.objectType) {
        case ICMP.InterfaceIdentification.byName: valid = payload > 0
        case ICMP.InterfaceIdentification.byIndex: valid = payload == 4
        case ICMP.InterfaceIdentification.byAddress:
            guard payload >= 8 else { throw .make(.icmp, .extension, at: base + Offset.objectLength, .badICMPExtension) }
            let family = bytes.uint16(at: Offset.objectPayload)
            let addressLength = Int(bytes.byte(at: Offset.objectPayload + 2))
            let familyFits = family == 1 ? addressLength == 4 : family == 2 ? addressLength == 16 : addressLength > 0
            valid = familyFits && 4 + (addressLength + 3) / 4 * 4 == payload
        default:
            throw .make(.icmp, .extension, at: base + Offset.objectType, .badICMPExtension)
        }
        guard valid else { throw .make(.icmp, .extension, at: base + Offset.objectLength, .badICMPExtension) }
    }

    /// RFC 8335 §3: the reply is the 8-byte header alone (identifier, sequence, state and the
    /// A, 4, 6 bits, deliberately accepted); a code above 4 was refused with the type.
    static func checkExtendedEchoReply(_ view: borrowing ICMP.View) throws(DecodeError) {
        guard view.bytes.byteCount == ICMP.headerLength else {
            throw .make(.icmp, .length, at: view.datagramOffset + ICMP.headerLength, .badICMPExtension)
        }
    }
}
