/// IPv4 (RFC 791): offsets, a checked view, the decoded header, and its pretty-printing.
public enum IPv4 {
    /// Byte offsets of the header fields (RFC 791 §3.1).
    public enum Offset {
        public static let versionAndIHL = 0           // version (4 bits) | IHL, in 32-bit words (4 bits)
        public static let typeOfService = 1           // DSCP (6 bits, RFC 2474) | ECN (2 bits, RFC 3168)
        public static let totalLength = 2             // header + payload, in bytes
        public static let identification = 4
        public static let flagsAndFragmentOffset = 6  // reserved | DF | MF (3 bits) | offset in 8-byte units (13 bits)
        public static let ttl = 8
        public static let proto = 9
        public static let headerChecksum = 10         // RFC 1071 over the header only
        public static let source = 12
        public static let destination = 16
        public static let options = 20                // present when IHL > 5
    }

    /// Size of a header without options: IHL 5.
    public static let minimumHeaderLength = 20

    /// The three flag bits of byte 6 (RFC 791 §3.1), numbered as they sit in that 3-bit field.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Bit 0: reserved, must be zero (RFC 791).
        public static let reserved = Flags(rawValue: 0b100)
        public static let dontFragment = Flags(rawValue: 0b010)
        public static let moreFragments = Flags(rawValue: 0b001)
    }

    /// Borrowed bytes of one whole datagram.
    ///
    /// Once `init(validating:)` returns, the buffer holds exactly one datagram: a version-4
    /// header of `headerLength` (>= 20) bytes, all present, and `totalLength` equal to the byte
    /// count, so no accessor can go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan

        /// Runs every structural check (sizes and lengths) once.
        @_lifetime(copy bytes)
        public init(validating bytes: RawSpan) throws(DecodeError) {
            try Self.checkMinimumSize(bytes)
            // The version is checked here, not in the header, because IHL and total
            // length mean nothing until we know the bytes are IPv4.
            try Self.checkVersion(bytes)
            try Self.checkHeaderLength(bytes)
            try Self.checkTotalLength(bytes)
            self.bytes = bytes
        }

        private static func checkMinimumSize(_ bytes: RawSpan) throws(DecodeError) {
            guard bytes.byteCount >= IPv4.minimumHeaderLength else {
                throw .make(.ipv4, .header, at: 0, .truncated)
            }
        }

        private static func checkVersion(_ bytes: RawSpan) throws(DecodeError) {
            guard bytes.byte(at: Offset.versionAndIHL) >> 4 == 4 else {
                throw .make(.ipv4, .version, at: Offset.versionAndIHL, .badVersion)
            }
        }

        private static func checkHeaderLength(_ bytes: RawSpan) throws(DecodeError) {
            let length = Int(bytes.byte(at: Offset.versionAndIHL) & 0x0F) * 4
            guard length >= IPv4.minimumHeaderLength else {
                throw .make(.ipv4, .ihl, at: Offset.versionAndIHL, .badHeaderLength)
            }
            guard length <= bytes.byteCount else {
                throw .make(.ipv4, .ihl, at: Offset.versionAndIHL, .truncated)
            }
        }

        /// Strict: the total length must equal the bytes received.
        // GSO (NFQA_CFG_F_GSO): the kernel hands over the unsegmented packet with a correct
        // total length up to 65535, which passes here. For GSO packets above 64 KiB the kernel
        // may write total length 0; that is refused as bad-total-length for now, on purpose.
        private static func checkTotalLength(_ bytes: RawSpan) throws(DecodeError) {
            let total = Int(bytes.uint16(at: Offset.totalLength))
            let header = Int(bytes.byte(at: Offset.versionAndIHL) & 0x0F) * 4
            guard total >= header else {
                throw .make(.ipv4, .totalLength, at: Offset.totalLength, .badTotalLength)
            }
            guard total <= bytes.byteCount else {
                throw .make(.ipv4, .totalLength, at: Offset.totalLength, .truncated)
            }
            guard total == bytes.byteCount else {
                throw .make(.ipv4, .totalLength, at: Offset.totalLength, .trailingBytes)
            }
        }

        public var version: UInt8 { bytes.byte(at: Offset.versionAndIHL) >> 4 }
        /// IHL in bytes (IHL × 4).
        public var headerLength: Int { Int(bytes.byte(at: Offset.versionAndIHL) & 0x0F) * 4 }
        public var typeOfService: UInt8 { bytes.byte(at: Offset.typeOfService) }
        public var totalLength: UInt16 { bytes.uint16(at: Offset.totalLength) }
        public var identification: UInt16 { bytes.uint16(at: Offset.identification) }
        public var flags: Flags { Flags(rawValue: bytes.byte(at: Offset.flagsAndFragmentOffset) >> 5) }
        /// In 8-byte units.
        public var fragmentOffset: UInt16 { bytes.uint16(at: Offset.flagsAndFragmentOffset) & 0x1FFF }
        public var ttl: UInt8 { bytes.byte(at: Offset.ttl) }
        public var proto: IPProtocol { IPProtocol(rawValue: bytes.byte(at: Offset.proto)) }
        public var headerChecksum: UInt16 { bytes.uint16(at: Offset.headerChecksum) }
        public var source: IPv4Address { IPv4Address(rawValue: bytes.uint32(at: Offset.source)) }
        public var destination: IPv4Address { IPv4Address(rawValue: bytes.uint32(at: Offset.destination)) }

        /// The header bytes, options included.
        public var header: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(0..<headerLength) }
        }

        /// The bytes after the header: the transport segment.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(headerLength..<bytes.byteCount) }
        }
    }

    /// The decoded fields of an IPv4 header without options.
    ///
    /// `init(parsing:)` guarantees a correct header checksum, no options, a clear reserved flag
    /// and no fragmentation. The protocol is not judged here: `Datagram` decides which are allowed.
    public struct Header: Equatable, Sendable {
        /// DSCP and ECN together, as received.
        public var typeOfService: UInt8
        /// As received; `Datagram.emit` writes the length it actually encodes.
        public var totalLength: UInt16
        public var identification: UInt16
        public var flags: Flags
        /// In 8-byte units.
        public var fragmentOffset: UInt16
        public var ttl: UInt8
        public var proto: IPProtocol
        /// As received. `emit` always recomputes it.
        public var headerChecksum: UInt16
        public var source: IPv4Address
        public var destination: IPv4Address

        /// Builds a header from fields; the checksum is computed by `emit`.
        public init(
            typeOfService: UInt8 = 0, totalLength: UInt16, identification: UInt16 = 0,
            flags: Flags = [], fragmentOffset: UInt16 = 0, ttl: UInt8 = 64, proto: IPProtocol,
            headerChecksum: UInt16 = 0, source: IPv4Address, destination: IPv4Address
        ) {
            self.typeOfService = typeOfService
            self.totalLength = totalLength
            self.identification = identification
            self.flags = flags
            self.fragmentOffset = fragmentOffset
            self.ttl = ttl
            self.proto = proto
            self.headerChecksum = headerChecksum
            self.source = source
            self.destination = destination
        }

        /// Runs the semantic checks, in this order: checksum (a corrupt header makes every other
        /// field untrustworthy), options, reserved flag, fragmentation.
        public init(parsing view: borrowing View) throws(DecodeError) {
            try Self.checkChecksum(view)
            try Self.checkNoOptions(view)
            try Self.checkFlags(view)
            try Self.checkNotFragment(view)
            self.init(
                typeOfService: view.typeOfService, totalLength: view.totalLength,
                identification: view.identification, flags: view.flags,
                fragmentOffset: view.fragmentOffset, ttl: view.ttl, proto: view.proto,
                headerChecksum: view.headerChecksum, source: view.source, destination: view.destination)
        }

        private static func checkChecksum(_ view: borrowing View) throws(DecodeError) {
            guard Checksum.isValid(view.header) else {
                throw .make(.ipv4, .headerChecksum, at: Offset.headerChecksum, .badChecksum)
            }
        }

        /// Options are refused outright in this version: none is needed for our traffic and
        /// each one (source routing, record route, …) is attack surface.
        private static func checkNoOptions(_ view: borrowing View) throws(DecodeError) {
            guard view.headerLength == IPv4.minimumHeaderLength else {
                throw .make(.ipv4, .options, at: Offset.options, .ipOptions)
            }
        }

        private static func checkFlags(_ view: borrowing View) throws(DecodeError) {
            guard !view.flags.contains(.reserved) else {
                throw .make(.ipv4, .flags, at: Offset.flagsAndFragmentOffset, .badFlags)
            }
        }

        /// Fragments are refused: a fragment cannot be judged on its own, and reassembly is
        /// the kernel's job (conntrack defragments before the NFQUEUE hook when loaded).
        private static func checkNotFragment(_ view: borrowing View) throws(DecodeError) {
            guard !view.flags.contains(.moreFragments), view.fragmentOffset == 0 else {
                throw .make(.ipv4, .fragmentOffset, at: Offset.flagsAndFragmentOffset, .fragment)
            }
        }

        /// Always 20: options are never emitted.
        public var encodedLength: Int { IPv4.minimumHeaderLength }

        /// Writes the 20-byte header into `out[0..<20]` with a freshly computed header checksum.
        /// The stored `headerChecksum` is ignored. `out.byteCount` must be at least `encodedLength`.
        public func emit(into out: inout MutableRawSpan) {
            out.store(UInt8(0x45), at: Offset.versionAndIHL)
            out.store(typeOfService, at: Offset.typeOfService)
            out.store(totalLength, at: Offset.totalLength)
            out.store(identification, at: Offset.identification)
            out.store(UInt16(flags.rawValue & 0b111) << 13 | fragmentOffset & 0x1FFF, at: Offset.flagsAndFragmentOffset)
            out.store(ttl, at: Offset.ttl)
            out.store(proto.rawValue, at: Offset.proto)
            out.store(UInt16(0), at: Offset.headerChecksum)
            out.store(source.rawValue, at: Offset.source)
            out.store(destination.rawValue, at: Offset.destination)
            let checksum = Checksum.internetChecksum(out.bytes.extracting(0..<IPv4.minimumHeaderLength))
            out.store(checksum, at: Offset.headerChecksum)
        }
    }
}

extension IPv4.Flags: CustomStringConvertible {
    /// "DF", "MF", "DF|MF", "none"; the reserved bit shows as "R".
    public var description: String {
        var parts: [String] = []
        if contains(.reserved) { parts.append("R") }
        if contains(.dontFragment) { parts.append("DF") }
        if contains(.moreFragments) { parts.append("MF") }
        return parts.isEmpty ? "none" : parts.joined(separator: "|")
    }
}

extension IPv4.Header: CustomStringConvertible {
    /// One line in the style of tcpdump: "IPv4 10.0.0.1 > 10.0.0.2 tcp ttl 64 id 1 len 40 flags DF".
    public var description: String {
        var text = "IPv4 \(source) > \(destination) \(proto) ttl \(ttl) id \(identification) len \(totalLength)"
        if !flags.isEmpty { text += " flags \(flags)" }
        if fragmentOffset != 0 { text += " frag \(fragmentOffset)" }
        if typeOfService != 0 { text += " tos \(typeOfService)" }
        return text
    }
}
