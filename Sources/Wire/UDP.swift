/// UDP (RFC 768): offsets, a checked view, the decoded header, and its pretty-printing.
public enum UDP {
    /// Byte offsets of the header fields from the start of the datagram's UDP part (RFC 768).
    public enum Offset {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let length = 4      // header + data, in bytes
        public static let checksum = 6    // RFC 1071 over pseudo-header + UDP; 0 = none sent
    }

    /// The fixed header size, and the smallest legal length field.
    public static let headerLength = 8

    /// Borrowed bytes of one UDP datagram (header and data).
    ///
    /// Once `init(validating:at:firstFragment:)` returns, the header is present and the UDP length
    /// equals the byte count exactly (or, for a first fragment, covers it), so no accessor can
    /// go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the UDP part starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Runs every structural check once: header present, length field equal to the IP payload.
        /// For the first fragment of a datagram (`firstFragment`), the length only has to cover
        /// the bytes present: the rest of the datagram is in later fragments.
        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0, firstFragment: Bool = false) throws(DecodeError) {
            guard bytes.byteCount >= UDP.headerLength else {
                throw .make(.udp, .header, at: datagramOffset, .truncated)
            }
            let length = Int(bytes.uint16(at: Offset.length))
            let lengthOffset = datagramOffset + Offset.length
            guard length >= UDP.headerLength else { throw .make(.udp, .length, at: lengthOffset, .badLength) }
            guard firstFragment || length <= bytes.byteCount else { throw .make(.udp, .length, at: lengthOffset, .truncated) }
            guard length >= bytes.byteCount else { throw .make(.udp, .length, at: lengthOffset, .trailingBytes) }
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var sourcePort: UInt16 { bytes.uint16(at: Offset.sourcePort) }
        public var destinationPort: UInt16 { bytes.uint16(at: Offset.destinationPort) }
        public var length: UInt16 { bytes.uint16(at: Offset.length) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }

        /// The bytes after the header.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(UDP.headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded fields of a UDP header.
    ///
    /// `init(parsing:pseudoHeaderSum:)` guarantees a correct checksum, unless it was 0 (the
    /// sender computed none, which RFC 768 allows over IPv4) or the check was skipped.
    public struct Header: Equatable, Sendable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        /// As received; `Datagram.emit` writes the length it actually encodes.
        public var length: UInt16
        /// As received; 0 means "no checksum" and is kept as 0 by `Datagram.emit`.
        public var checksum: UInt16

        /// Builds a header from fields.
        public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16 = 8, checksum: UInt16 = 0) {
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.length = length
            self.checksum = checksum
        }

        /// Decodes the fields and, when the checksum is not 0, verifies it against
        /// `pseudoHeaderSum`; pass nil to skip verification (kernel CSUMNOTREADY).
        public init(parsing view: borrowing View, pseudoHeaderSum: UInt64?) throws(DecodeError) {
            if let pseudoHeaderSum, view.checksum != 0 {
                guard Checksum.isValid(view.bytes, adding: pseudoHeaderSum) else {
                    throw .make(.udp, .checksum, at: view.datagramOffset + Offset.checksum, .badChecksum)
                }
            }
            self.init(
                sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                length: view.length, checksum: view.checksum)
        }

        /// Always 8.
        public var encodedLength: Int { UDP.headerLength }

        /// Writes the 8-byte header into `out[0..<8]` with the stored length and checksum;
        /// `Datagram.emit` sets both from what it encodes.
        public func emit(into out: inout MutableRawSpan) {
            out.store(sourcePort, at: Offset.sourcePort)
            out.store(destinationPort, at: Offset.destinationPort)
            out.store(length, at: Offset.length)
            out.store(checksum, at: Offset.checksum)
        }
    }
}

extension UDP.Header: CustomStringConvertible {
    /// One line: "UDP 5353 > 53 len 40".
    public var description: String {
        "UDP \(sourcePort) > \(destinationPort) len \(length)" + (checksum == 0 ? " no-checksum" : "")
    }
}
