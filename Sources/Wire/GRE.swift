/// GRE, Generic Routing Encapsulation (RFC 2784, with the key and sequence number of RFC 2890):
/// offsets, a checked view, the decoded header, and its pretty-printing. The packet GRE carries
/// (IPv4 or IPv6) is decoded by `Datagram` with the same strict decoders, one level deeper.
public enum GRE {
    /// Byte offsets from the start of the GRE header (RFC 2784 §2, RFC 2890 §2). The optional
    /// fields follow in this order when their bit is set; their offsets depend on the bits.
    public enum Offset {
        public static let flags = 0          // C R K S s Recur(3) Flags(5) Ver(3) (16 bits)
        public static let protocolType = 2   // an EtherType (16 bits)
        public static let optional = 4       // [checksum, reserved1] [key] [sequence number]
    }

    /// The 16-bit word at offset 0, bit 0 first (RFC 2784 §2, RFC 2890 §2, RFC 1701 §2).
    public enum Bits {
        /// C: checksum and reserved1 present (RFC 2784 §2.1).
        public static let checksum: UInt16 = 0x8000
        /// R: RFC 1701 routing present. RFC 2784 §2.3 has a receiver discard it.
        public static let routing: UInt16 = 0x4000
        /// K: key present (RFC 2890 §2.1).
        public static let key: UInt16 = 0x2000
        /// S: sequence number present (RFC 2890 §2.2).
        public static let sequence: UInt16 = 0x1000
        /// s (strict source route) and the high bit of Recur, RFC 1701 §2: with R, bits 1–5,
        /// which RFC 2784 §2.3 has a receiver discard when set (K and S excepted by RFC 2890).
        public static let discarded: UInt16 = 0x4C00
        /// Bits 6–12: "MUST be sent as zero and MUST be ignored on receipt" (RFC 2784 §2.3).
        public static let reserved: UInt16 = 0x03F8
        /// Ver, bits 13–15: 0 (RFC 2784 §2.3.1); 1 is PPTP's enhanced GRE (RFC 2637 §4.1).
        public static let version: UInt16 = 0x0007
    }

    /// The EtherTypes GRE may carry that Portcullis decodes (RFC 2784 §2.4, IANA "ETHER TYPES").
    public enum ProtocolType {
        public static let ipv4: UInt16 = 0x0800
        public static let ipv6: UInt16 = 0x86DD
        /// Transparent Ethernet bridging (gretap): refused, there is no Ethernet decoder.
        public static let transparentEthernet: UInt16 = 0x6558
    }

    /// Flags word and protocol type.
    public static let minimumHeaderLength = 4

    /// Borrowed bytes of one GRE packet (header and the packet it carries). Once
    /// `init(validating:at:)` returns, every optional field its bits announce is present, so no
    /// accessor can go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where GRE starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int
        /// 4, plus 4 for each of checksum, key and sequence number present.
        public let headerLength: Int

        /// Checks that the fixed 4 bytes and every optional field announced are present.
        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= GRE.minimumHeaderLength else {
                throw .make(.gre, .header, at: datagramOffset, .truncated)
            }
            let flags = bytes.uint16(at: Offset.flags)
            let length = GRE.minimumHeaderLength + (flags & Bits.checksum != 0 ? 4 : 0)
                + (flags & Bits.key != 0 ? 4 : 0) + (flags & Bits.sequence != 0 ? 4 : 0)
            guard bytes.byteCount >= length else { throw .make(.gre, .header, at: datagramOffset, .truncated) }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
            self.headerLength = length
        }

        public var flags: UInt16 { bytes.uint16(at: Offset.flags) }
        public var protocolType: UInt16 { bytes.uint16(at: Offset.protocolType) }
        public var hasChecksum: Bool { flags & Bits.checksum != 0 }
        public var hasKey: Bool { flags & Bits.key != 0 }
        public var hasSequence: Bool { flags & Bits.sequence != 0 }
        /// The checksum, or 0 when absent.
        public var checksum: UInt16 { hasChecksum ? bytes.uint16(at: Offset.optional) : 0 }
        /// Reserved1, after the checksum (RFC 2784 §2.6), or 0 when absent.
        public var reserved1: UInt16 { hasChecksum ? bytes.uint16(at: Offset.optional + 2) : 0 }
        /// Where the key is, when present.
        public var keyOffset: Int { Offset.optional + (hasChecksum ? 4 : 0) }
        /// Where the sequence number is, when present.
        public var sequenceOffset: Int { keyOffset + (hasKey ? 4 : 0) }
        public var key: UInt32? { hasKey ? bytes.uint32(at: keyOffset) : nil }
        public var sequenceNumber: UInt32? { hasSequence ? bytes.uint32(at: sequenceOffset) : nil }

        /// The packet GRE carries.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded GRE header: which optional fields are present and their values.
    ///
    /// `init(parsing:verifyingChecksum:normalizations:)` guarantees version 0, no RFC 1701
    /// routing, strict route or recursion bits, a correct checksum when present (unless told to
    /// skip), and an IPv4 or IPv6 protocol type. The reserved bits 6–12 and reserved1 are kept
    /// as zero: RFC 2784 §2.3 and §2.6 have them ignored on receipt, so they are cleared rather
    /// than refused (`gre_reserved`).
    public struct Header: Equatable, Sendable {
        public var protocolType: UInt16
        public var hasChecksum: Bool
        /// As received; `Datagram.emit` recomputes it when present.
        public var checksum: UInt16
        public var key: UInt32?
        public var sequenceNumber: UInt32?

        public init(
            protocolType: UInt16, hasChecksum: Bool = false, checksum: UInt16 = 0, key: UInt32? = nil,
            sequenceNumber: UInt32? = nil
        ) {
            self.protocolType = protocolType
            self.hasChecksum = hasChecksum
            self.checksum = checksum
            self.key = key
            self.sequenceNumber = sequenceNumber
        }

        /// Checks, in order: bits 1–5 (RFC 2784 §2.3), the version (§2.3.1), the checksum over
        /// the GRE header and payload (§2.5; skipped when `verifyingChecksum` is false), and the
        /// protocol type (§2.4).
        public init(parsing view: borrowing View, verifyingChecksum: Bool, normalizations: inout Normalizations) throws(DecodeError) {
            let base = view.datagramOffset
            let flags = view.flags
            guard flags & Bits.discarded == 0 else { throw .make(.gre, .flags, at: base + Offset.flags, .badGREFlags) }
            guard flags & Bits.version == 0 else { throw .make(.gre, .version, at: base + Offset.flags + 1, .badVersion) }
            if view.hasChecksum && verifyingChecksum {
                guard Checksum.isValid(view.bytes) else { throw .make(.gre, .checksum, at: base + Offset.optional, .badChecksum) }
            }
            let type = view.protocolType
            guard type == ProtocolType.ipv4 || type == ProtocolType.ipv6 else {
                throw .make(.gre, .protocol, at: base + Offset.protocolType, .unknownProtocol)
            }
            if flags & Bits.reserved != 0 || view.reserved1 != 0 { normalizations.insert(.greReserved) }
            // 0xFFFF verifies too, but emit computes 0x0000 (the payload is never all zeros).
            if view.hasChecksum && verifyingChecksum && view.checksum == 0xFFFF { normalizations.insert(.transportChecksum) }
            self.init(
                protocolType: type, hasChecksum: view.hasChecksum, checksum: view.checksum, key: view.key,
                sequenceNumber: view.sequenceNumber)
        }

        /// 4, plus 4 for each optional field present.
        public var encodedLength: Int {
            GRE.minimumHeaderLength + (hasChecksum ? 4 : 0) + (key == nil ? 0 : 4) + (sequenceNumber == nil ? 0 : 4)
        }

        /// Writes the header into `out[0..<encodedLength]`: the bits of the fields present,
        /// version 0, reserved bits and reserved1 zero, the stored checksum (which
        /// `Datagram.emit` recomputes after copying the payload).
        public func emit(into out: inout MutableRawSpan) {
            var flags: UInt16 = 0
            if hasChecksum { flags |= Bits.checksum }
            if key != nil { flags |= Bits.key }
            if sequenceNumber != nil { flags |= Bits.sequence }
            out.store(flags, at: Offset.flags)
            out.store(protocolType, at: Offset.protocolType)
            var offset = Offset.optional
            if hasChecksum {
                out.store(checksum, at: offset)
                out.store(UInt16(0), at: offset + 2)
                offset += 4
            }
            if let key {
                out.store(key, at: offset)
                offset += 4
            }
            if let sequenceNumber { out.store(sequenceNumber, at: offset) }
        }
    }
}

extension GRE.Header: CustomStringConvertible {
    /// "GRE ipv4 key 0x2a seq 7 csum".
    public var description: String {
        var text = "GRE " + (protocolType == GRE.ProtocolType.ipv6 ? "ipv6" : "ipv4")
        if let key { text += " key 0x" + String(key, radix: 16) }
        if let sequenceNumber { text += " seq \(sequenceNumber)" }
        if hasChecksum { text += " csum" }
        return text
    }
}
