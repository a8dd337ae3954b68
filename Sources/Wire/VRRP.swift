/// VRRP v2 (RFC 3768) and v3 (RFC 9568) advertisements over IPv4: offsets, a checked view,
/// the decoded header, and its pretty-printing.
public enum VRRP {
    /// Byte offsets (RFC 3768 §5.1, RFC 9568 §5.1).
    public enum Offset {
        public static let versionAndType = 0   // version (4 bits) | type (4 bits)
        public static let vrid = 1
        public static let priority = 2
        public static let addressCount = 3
        public static let authType = 4         // v2; v3: rsvd (4 bits) | max adver int (12 bits)
        public static let advertisementInterval = 5  // v2, in seconds
        public static let checksum = 6
        public static let addresses = 8        // count × 4 bytes; v2: then 8 bytes of auth data
    }

    /// The fixed 8 bytes.
    public static let headerLength = 8
    /// VRRPv2's authentication data after the addresses (RFC 3768 §5.3.10).
    public static let authDataLength = 8
    /// The only message type, advertisement (RFC 3768 §5.3.2, RFC 9568 §5.2.2).
    public static let advertisement: UInt8 = 1
    /// The VRRP multicast group (RFC 3768 §5.2.2, RFC 9568 §5.1.1.2).
    public static let group = IPv4Address(224, 0, 0, 18)
    /// The TTL every advertisement is sent with and must arrive with (RFC 3768 §7.1, RFC 9568 §7.1).
    public static let ttl: UInt8 = 255

    /// Borrowed bytes of one advertisement. Once `init(validating:at:)` returns, the message
    /// is version 2 or 3, type 1, and exactly 8 + 4 × count bytes (v3) or that plus the
    /// 8 bytes of authentication data (v2).
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where VRRP starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= VRRP.headerLength else {
                throw .make(.vrrp, .header, at: datagramOffset, .truncated)
            }
            let first = bytes.byte(at: Offset.versionAndType)
            guard first >> 4 == 2 || first >> 4 == 3 else {
                throw .make(.vrrp, .version, at: datagramOffset + Offset.versionAndType, .badVRRP)
            }
            guard first & 0x0F == VRRP.advertisement else {
                throw .make(.vrrp, .type, at: datagramOffset + Offset.versionAndType, .badVRRP)
            }
            let length = VRRP.headerLength + 4 * Int(bytes.byte(at: Offset.addressCount))
                + (first >> 4 == 2 ? VRRP.authDataLength : 0)
            guard bytes.byteCount >= length else {
                throw .make(.vrrp, .addressCount, at: datagramOffset + Offset.addressCount, .truncated)
            }
            guard bytes.byteCount == length else { throw .make(.vrrp, .length, at: datagramOffset + length, .trailingBytes) }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var version: UInt8 { bytes.byte(at: Offset.versionAndType) >> 4 }
        public var vrid: UInt8 { bytes.byte(at: Offset.vrid) }
        public var priority: UInt8 { bytes.byte(at: Offset.priority) }
        public var addressCount: UInt8 { bytes.byte(at: Offset.addressCount) }
        /// Bytes 4–5: v2's auth type and advertisement interval, v3's rsvd and max adver int.
        public var word: UInt16 { bytes.uint16(at: Offset.authType) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }
    }

    /// The decoded fixed 8 bytes; the addresses (and v2's authentication data) are payload,
    /// checked by the view and copied as received.
    public struct Header: Equatable, Sendable {
        /// 2 or 3.
        public var version: UInt8
        public var vrid: UInt8
        public var priority: UInt8
        public var addressCount: UInt8
        /// Bytes 4–5 as received: v2's auth type (high byte) and advertisement interval in
        /// seconds (low byte); v3's rsvd (4 bits) and max adver int in centiseconds (12 bits).
        public var word: UInt16
        /// As received: nothing it covers (the message, the pseudo-header) is ever rewritten.
        public var checksum: UInt16

        public init(version: UInt8, vrid: UInt8, priority: UInt8 = 100, addressCount: UInt8, word: UInt16, checksum: UInt16 = 0) {
            self.version = version
            self.vrid = vrid
            self.priority = priority
            self.addressCount = addressCount
            self.word = word
            self.checksum = checksum
        }

        /// The advertisement interval: seconds for v2, centiseconds for v3.
        public var interval: UInt16 { version == 2 ? word & 0xFF : word & 0x0FFF }

        /// The checks of RFC 3768 §5.3 and §7.1, RFC 9568 §5.2 and §7.1 that need more than
        /// the message's shape: VRID 1–255; v3 at least one address; v2 auth type 0, or the
        /// 1 or 2 of RFC 2338 that §5.3.6 keeps reserved for it; an interval above 0; the
        /// checksum (v2 over the message, v3 with the IPv4 pseudo-header `pseudoHeaderSum`,
        /// nil to skip); the TTL 255; and, when the destination is multicast, 224.0.0.18.
        /// A unicast destination is accepted (keepalived's `unicast_peer`).
        public init(
            parsing view: borrowing View, ttl: UInt8, destination: IPv4Address, pseudoHeaderSum: UInt64?
        ) throws(DecodeError) {
            let base = view.datagramOffset
            guard view.vrid != 0 else { throw .make(.vrrp, .vrid, at: base + Offset.vrid, .badVRRP) }
            let version = view.version
            if version == 3 {
                guard view.addressCount > 0 else { throw .make(.vrrp, .addressCount, at: base + Offset.addressCount, .badVRRP) }
                guard view.word & 0x0FFF != 0 else { throw .make(.vrrp, .advertisementInterval, at: base + Offset.authType, .badVRRP) }
            } else {
                guard view.word >> 8 <= 2 else { throw .make(.vrrp, .authType, at: base + Offset.authType, .badVRRP) }
                guard view.word & 0xFF != 0 else { throw .make(.vrrp, .advertisementInterval, at: base + Offset.advertisementInterval, .badVRRP) }
            }
            if let pseudoHeaderSum {
                guard Checksum.isValid(view.bytes, adding: version == 3 ? pseudoHeaderSum : 0) else {
                    throw .make(.vrrp, .checksum, at: base + Offset.checksum, .badChecksum)
                }
            }
            guard ttl == VRRP.ttl else { throw .make(.vrrp, .ttl, at: IPv4.Offset.ttl, .badVRRP) }
            guard destination.rawValue >> 28 != 0xE || destination == VRRP.group else {
                throw .make(.vrrp, .destinationAddress, at: IPv4.Offset.destination, .badVRRP)
            }
            self.init(
                version: version, vrid: view.vrid, priority: view.priority, addressCount: view.addressCount,
                word: view.word, checksum: view.checksum)
        }

        /// Always 8: the addresses and authentication data are payload.
        public var encodedLength: Int { VRRP.headerLength }

        /// Writes the 8 bytes with the stored checksum.
        public func emit(into out: inout MutableRawSpan) {
            out.store(version << 4 | VRRP.advertisement, at: Offset.versionAndType)
            out.store(vrid, at: Offset.vrid)
            out.store(priority, at: Offset.priority)
            out.store(addressCount, at: Offset.addressCount)
            out.store(word, at: Offset.authType)
            out.store(checksum, at: Offset.checksum)
        }
    }
}

extension VRRP.Header: CustomStringConvertible {
    /// "VRRPv3 vrid 7 priority 100 addresses 1".
    public var description: String { "VRRPv\(version) vrid \(vrid) priority \(priority) addresses \(addressCount)" }
}
