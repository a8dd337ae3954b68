/// AH, the IP Authentication Header (RFC 4302): offsets, a checked view, the decoded header,
/// and its pretty-printing.
///
/// The ICV (integrity check value) covers the IP header's immutable fields, the whole AH and
/// everything after it, so nothing of an AH datagram may change on the path but the fields
/// RFC 4302 §3.3.3.1.1.1 calls mutable (TOS, flags, fragment offset, TTL, header checksum).
/// The ICV and the protocol after AH are the payload: `Datagram` walks that protocol's header
/// with its own checks (transport mode) and passes it as received, never rewritten.
public enum AH {
    /// Byte offsets from the start of the AH header (RFC 4302 §2).
    public enum Offset {
        public static let nextHeader = 0      // the protocol after AH (IANA protocol number)
        public static let payloadLength = 1   // AH length in 32-bit words, minus 2
        public static let reserved = 2        // 16 bits, zero
        public static let spi = 4             // Security Parameters Index (32 bits)
        public static let sequence = 8        // Sequence Number (32 bits)
        public static let icv = 12            // Integrity Check Value, a multiple of 4 bytes
    }

    /// Next header, payload length, reserved, SPI and sequence number.
    public static let headerLength = 12

    /// The shortest ICV of the integrity algorithms AH is used with: 96 bits for
    /// HMAC-SHA1-96 (RFC 2404), and 128 for AES-XCBC-MAC-96's peers (RFC 8221 §3); so the
    /// payload length is at least 4 (RFC 4302 §2.2's example). AH without an ICV protects nothing.
    public static let minimumICVLength = 12

    /// Borrowed bytes of one AH header and what follows it. Once `init(validating:at:)`
    /// returns, the header and its whole ICV are present.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where AH starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Checks the fixed 12 bytes, an ICV of at least 12 bytes (payload length ≥ 4,
        /// RFC 4302 §2.2), and that AH with its ICV ends within the bytes received.
        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= AH.headerLength else {
                throw .make(.ah, .header, at: datagramOffset, .truncated)
            }
            let length = (Int(bytes.byte(at: Offset.payloadLength)) + 2) * 4
            guard length >= AH.headerLength + AH.minimumICVLength else {
                throw .make(.ah, .payloadLength, at: datagramOffset + Offset.payloadLength, .badLength)
            }
            guard length <= bytes.byteCount else {
                throw .make(.ah, .payloadLength, at: datagramOffset + Offset.payloadLength, .truncated)
            }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var nextHeader: IPProtocol { IPProtocol(rawValue: bytes.byte(at: Offset.nextHeader)) }
        public var payloadLength: UInt8 { bytes.byte(at: Offset.payloadLength) }
        public var reserved: UInt16 { bytes.uint16(at: Offset.reserved) }
        public var spi: UInt32 { bytes.uint32(at: Offset.spi) }
        public var sequenceNumber: UInt32 { bytes.uint32(at: Offset.sequence) }
        /// AH's whole length with the ICV: (payload length + 2) × 4.
        public var length: Int { (Int(payloadLength) + 2) * 4 }
        /// The bytes after the ICV: the protocol AH protects.
        public var inner: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(length..<bytes.byteCount) }
        }
    }

    /// The decoded fixed header; the ICV and what follows are payload, copied as received.
    /// `init(parsing:)` guarantees a zero reserved field and an SPI above 255.
    public struct Header: Equatable, Sendable {
        public var nextHeader: IPProtocol
        /// As received: it says where the ICV ends, and the ICV is payload.
        public var payloadLength: UInt8
        public var spi: UInt32
        /// Deliberately accepted: replay protection needs the SA's state (RFC 4302 §3.4.3).
        public var sequenceNumber: UInt32

        public init(nextHeader: IPProtocol, payloadLength: UInt8 = 4, spi: UInt32, sequenceNumber: UInt32) {
            self.nextHeader = nextHeader
            self.payloadLength = payloadLength
            self.spi = spi
            self.sequenceNumber = sequenceNumber
        }

        /// RFC 4302 §2.3: the reserved field MUST be zero, and it is inside the ICV, so it
        /// cannot be cleared: a non-zero one is refused. §2.4: SPI 0 is for local use and
        /// must not be sent; 1–255 are reserved by IANA.
        public init(parsing view: borrowing View) throws(DecodeError) {
            guard view.reserved == 0 else {
                throw .make(.ah, .reserved, at: view.datagramOffset + Offset.reserved, .badReserved)
            }
            guard view.spi > 255 else { throw .make(.ah, .spi, at: view.datagramOffset + Offset.spi, .reservedSPI) }
            self.init(nextHeader: view.nextHeader, payloadLength: view.payloadLength, spi: view.spi, sequenceNumber: view.sequenceNumber)
        }

        /// Always 12: the ICV is payload.
        public var encodedLength: Int { AH.headerLength }

        /// Writes the 12 fixed bytes into `out[0..<12]`, the reserved field zero.
        public func emit(into out: inout MutableRawSpan) {
            out.store(nextHeader.rawValue, at: Offset.nextHeader)
            out.store(payloadLength, at: Offset.payloadLength)
            out.store(UInt16(0), at: Offset.reserved)
            out.store(spi, at: Offset.spi)
            out.store(sequenceNumber, at: Offset.sequence)
        }
    }
}

extension AH.Header: CustomStringConvertible {
    /// "AH spi 0x1000 seq 1 next tcp".
    public var description: String { "AH spi 0x\(String(spi, radix: 16)) seq \(sequenceNumber) next \(nextHeader)" }
}
