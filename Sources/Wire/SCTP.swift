/// SCTP (RFC 9260): the common header, a checked view that walks every chunk, the decoded
/// header, and its pretty-printing. The chunks are the payload: walked and checked by the
/// view (`SCTP+Chunks.swift`), then copied as received.
public enum SCTP {
    /// Byte offsets of the common header (RFC 9260 §3.1).
    public enum Offset {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let verificationTag = 4
        public static let checksum = 8        // CRC32c, least significant byte first (§6.8, Appendix A)
        public static let chunks = 12
    }

    /// The common header.
    public static let headerLength = 12

    /// Borrowed bytes of one SCTP packet.
    ///
    /// Once `init(validating:at:firstFragment:)` returns, the 12-byte common header is present
    /// and one or more chunks follow, each of a length its type allows, padded with zeros to
    /// 4 bytes, the last one ending exactly at the end of the packet; INIT, INIT ACK and
    /// SHUTDOWN COMPLETE come alone. In a first fragment the walk stops where the bytes do.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where SCTP starts in the IP datagram; error offsets are measured from there.
        public let datagramOffset: Int
        /// The type of the first chunk (the one that decides the verification tag rule).
        public let firstChunkType: ChunkType

        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0, firstFragment: Bool = false) throws(DecodeError) {
            guard bytes.byteCount >= SCTP.Offset.chunks + (firstFragment ? 0 : 4) else {
                throw .make(.sctp, .header, at: datagramOffset, .truncated)
            }
            try SCTP.walkChunks(bytes, at: datagramOffset, firstFragment: firstFragment)
            self.firstChunkType = bytes.byteCount > Offset.chunks ? ChunkType(rawValue: bytes.byte(at: Offset.chunks)) : .data
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        public var sourcePort: UInt16 { bytes.uint16(at: Offset.sourcePort) }
        public var destinationPort: UInt16 { bytes.uint16(at: Offset.destinationPort) }
        public var verificationTag: UInt32 { bytes.uint32(at: Offset.verificationTag) }
        /// The CRC32c as the number it is (the wire holds it least significant byte first).
        public var checksum: UInt32 { bytes.uint32(at: Offset.checksum).byteSwapped }
    }

    /// The decoded common header. `init(parsing:verifyingChecksum:)` guarantees non-zero
    /// ports, a correct CRC32c (unless told to skip), and the verification tag rule.
    public struct Header: Equatable, Sendable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        public var verificationTag: UInt32
        /// As received: the CRC covers the SCTP packet alone, which is never rewritten.
        public var checksum: UInt32

        public init(sourcePort: UInt16, destinationPort: UInt16, verificationTag: UInt32, checksum: UInt32 = 0) {
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.verificationTag = verificationTag
            self.checksum = checksum
        }

        /// RFC 9260 §3.1: neither port is 0. §6.8: the CRC32c matches (skipped when the kernel
        /// left it to the NIC, or in a first fragment). §8.5.1: the verification tag is 0 in a
        /// packet carrying INIT and in no other (§3.3.3: nor the initiate tag of INIT ACK).
        public init(parsing view: borrowing View, verifyingChecksum: Bool) throws(DecodeError) {
            let base = view.datagramOffset
            guard view.sourcePort != 0 else { throw .make(.sctp, .sourcePort, at: base + Offset.sourcePort, .zeroPort) }
            guard view.destinationPort != 0 else { throw .make(.sctp, .destinationPort, at: base + Offset.destinationPort, .zeroPort) }
            if verifyingChecksum {
                guard CRC32C.sctpChecksum(view.bytes) == view.checksum else {
                    throw .make(.sctp, .checksum, at: base + Offset.checksum, .badChecksum)
                }
            }
            guard (view.verificationTag == 0) == (view.firstChunkType == .initiation) else {
                throw .make(.sctp, .verificationTag, at: base + Offset.verificationTag, .badVerificationTag)
            }
            self.init(
                sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                verificationTag: view.verificationTag, checksum: view.checksum)
        }

        /// Always 12: the chunks are payload.
        public var encodedLength: Int { SCTP.headerLength }

        /// Writes the common header with the stored checksum (least significant byte first).
        public func emit(into out: inout MutableRawSpan) {
            out.store(sourcePort, at: Offset.sourcePort)
            out.store(destinationPort, at: Offset.destinationPort)
            out.store(verificationTag, at: Offset.verificationTag)
            out.store(checksum.byteSwapped, at: Offset.checksum)
        }
    }
}

extension SCTP.Header: CustomStringConvertible {
    /// "SCTP 40000 > 2905 vtag 0x1234".
    public var description: String { "SCTP \(sourcePort) > \(destinationPort) vtag 0x\(String(verificationTag, radix: 16))" }
}
