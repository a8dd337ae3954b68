/// ESP, IP Encapsulating Security Payload (RFC 4303): offsets, a checked view, the decoded
/// header, and its pretty-printing. Only the SPI and the sequence number are in the clear; the
/// rest (IV, payload, padding, pad length, next header, ICV) is ciphertext nobody on the path
/// can judge, so it is passed as received.
public enum ESP {
    /// Byte offsets from the start of the ESP header (RFC 4303 §2).
    public enum Offset {
        public static let spi = 0          // Security Parameters Index (32 bits)
        public static let sequence = 4     // Sequence Number (32 bits)
        public static let payload = 8      // ciphertext to the end of the datagram
    }

    /// SPI and sequence number.
    public static let headerLength = 8

    /// Borrowed bytes of one ESP packet. Once `init(validating:at:)` returns, the 8-byte header
    /// is present, so no accessor can go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where ESP starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Checks that the header and at least one byte of payload are present: an ESP packet
        /// always carries its trailer (pad length, next header; RFC 4303 §2).
        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount > ESP.headerLength else {
                throw .make(.esp, .header, at: datagramOffset, .truncated)
            }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var spi: UInt32 { bytes.uint32(at: Offset.spi) }
        public var sequenceNumber: UInt32 { bytes.uint32(at: Offset.sequence) }
    }

    /// The decoded clear-text header. `init(parsing:)` guarantees an SPI above 255.
    public struct Header: Equatable, Sendable {
        public var spi: UInt32
        /// Deliberately accepted: replay protection needs the SA's state (RFC 4303 §3.4.3).
        public var sequenceNumber: UInt32

        public init(spi: UInt32, sequenceNumber: UInt32) {
            self.spi = spi
            self.sequenceNumber = sequenceNumber
        }

        /// RFC 4303 §2.1: SPI 0 is for local use and must not be sent; 1–255 are reserved by IANA.
        public init(parsing view: borrowing View) throws(DecodeError) {
            guard view.spi > 255 else { throw .make(.esp, .spi, at: view.datagramOffset + Offset.spi, .reservedSPI) }
            self.init(spi: view.spi, sequenceNumber: view.sequenceNumber)
        }

        /// Always 8: the ciphertext is payload.
        public var encodedLength: Int { ESP.headerLength }

        /// Writes SPI and sequence number into `out[0..<8]`.
        public func emit(into out: inout MutableRawSpan) {
            out.store(spi, at: Offset.spi)
            out.store(sequenceNumber, at: Offset.sequence)
        }
    }
}

extension ESP.Header: CustomStringConvertible {
    /// "ESP spi 0x1000 seq 1".
    public var description: String { "ESP spi 0x\(String(spi, radix: 16)) seq \(sequenceNumber)" }
}
