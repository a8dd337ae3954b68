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

    /// The kept option bytes of a decoded header (no end-of-list, no padding); see `OptionBytes`.
    public typealias Options = OptionBytes

    /// Size of a header without options: IHL 5.
    public static let minimumHeaderLength = 20
    /// The largest datagram the 16-bit total length can state (RFC 791 §3.1).
    public static let maximumLength = 65_535

    /// The three flag bits of byte 6 (RFC 791 §3.1), numbered as they sit in that 3-bit field.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Bit 0: reserved, must be zero (RFC 791).
        public static let reserved = Flags(rawValue: 0b100)
        public static let dontFragment = Flags(rawValue: 0b010)
        public static let moreFragments = Flags(rawValue: 0b001)
    }

    /// IPv4 option types: the whole type byte (copied flag, class, number; RFC 791 §3.1).
    public enum OptionType {
        /// End of option list; the rest of the header is padding. One byte.
        public static let endOfList: UInt8 = 0
        /// No operation. One byte.
        public static let noOperation: UInt8 = 1
        /// Record route (RFC 791): length, pointer, then 4-byte address slots.
        public static let recordRoute: UInt8 = 7
        /// Internet timestamp (RFC 791): length, pointer, overflow|flag, then 4- or 8-byte slots.
        public static let timestamp: UInt8 = 68
        /// Security (RFC 1108): length >= 3, classification level, protection authority flags.
        public static let security: UInt8 = 130
        /// Loose source and record route (RFC 791): same layout as record route.
        public static let looseSourceRoute: UInt8 = 131
        /// Strict source and record route (RFC 791): same layout as record route.
        public static let strictSourceRoute: UInt8 = 137
        /// Router alert (RFC 2113): length 4, a 2-byte value.
        public static let routerAlert: UInt8 = 148
    }

    /// Borrowed bytes of one whole datagram.
    ///
    /// Once `init(validating:)` returns, the buffer holds exactly one datagram: a version-4
    /// header of `headerLength` (>= 20) bytes, all present, `totalLength` equal to the byte
    /// count, and an options area in which every option up to end-of-list has a length of at
    /// least 2 that stays inside the header, so no accessor can go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan

        /// Runs every structural check (sizes and lengths) once. `isGSO` is the kernel's GSO
        /// mark: only then may the total length be 0 for a datagram above 65535 bytes (BIG TCP).
        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan, isGSO: Bool = false) throws(DecodeError) {
            try Self.checkMinimumSize(bytes)
            // The version is checked here, not in the header, because IHL and total
            // length mean nothing until we know the bytes are IPv4.
            try Self.checkVersion(bytes)
            try Self.checkHeaderLength(bytes)
            try Self.checkTotalLength(bytes, isGSO: isGSO)
            try Self.walkOptions(bytes)
            self.bytes = bytes
        }

        /// Walks the options far enough to know each one fits (RFC 791 §3.1): end-of-list stops
        /// the walk, no-operation is one byte, every other type has a length >= 2 inside the header.
        @inline(__always)
        private static func walkOptions(_ bytes: RawSpan) throws(DecodeError) {
            let headerLength = Int(bytes.byte(at: Offset.versionAndIHL) & 0x0F) * 4
            var index = Offset.options
            while index < headerLength {
                let type = bytes.byte(at: index)
                if type == OptionType.endOfList { return }
                if type == OptionType.noOperation {
                    index += 1
                    continue
                }
                guard index + 1 < headerLength else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                let length = Int(bytes.byte(at: index + 1))
                guard length >= 2, index + length <= headerLength else {
                    throw .make(.ipv4, .options, at: index, .badIPOption)
                }
                index += length
            }
        }

        @inline(__always)
        private static func checkMinimumSize(_ bytes: RawSpan) throws(DecodeError) {
            guard bytes.byteCount >= IPv4.minimumHeaderLength else {
                throw .make(.ipv4, .header, at: 0, .truncated)
            }
        }

        @inline(__always)
        private static func checkVersion(_ bytes: RawSpan) throws(DecodeError) {
            guard bytes.byte(at: Offset.versionAndIHL) >> 4 == 4 else {
                throw .make(.ipv4, .version, at: Offset.versionAndIHL, .badVersion)
            }
        }

        @inline(__always)
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
        // total length up to 65535, which passes here. Above 64 KiB (Linux BIG TCP for IPv4,
        // since 6.3) the kernel writes total length 0 and the real length is the buffer's:
        // accepted only with the GSO mark and only when the buffer really is that long, so a
        // crafted 0 on an ordinary packet is still bad-total-length (RFC 791 §3.1).
        @inline(__always)
        private static func checkTotalLength(_ bytes: RawSpan, isGSO: Bool) throws(DecodeError) {
            let total = Int(bytes.uint16(at: Offset.totalLength))
            if total == 0, isGSO, bytes.byteCount > IPv4.maximumLength { return }
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

    /// The decoded fields of an IPv4 header, options included.
    ///
    /// `init(parsing:options:normalizations:)` guarantees a correct header checksum, a TTL above
    /// 0, fragment lengths consistent, every option well formed and allowed, and no fragment unless the
    /// ruleset accepts fragments. It holds the normalized header: reserved flag clear, nothing
    /// after end-of-list. The protocol is not judged here: `Datagram` decides which are allowed.
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
        /// The accepted options, up to (not including) end-of-list; `emit` zero-fills the rest.
        public var options: Options
        /// The header length in bytes (IHL × 4), kept as received so that a rebuilt header
        /// is as long as the original one (fragment offsets and payload positions stay valid).
        public var headerLength: Int

        /// Builds a header from fields; the checksum is computed by `emit`. `headerLength`
        /// defaults to the options rounded up to whole words.
        public init(
            typeOfService: UInt8 = 0, totalLength: UInt16, identification: UInt16 = 0,
            flags: Flags = [], fragmentOffset: UInt16 = 0, ttl: UInt8 = 64, proto: IPProtocol,
            headerChecksum: UInt16 = 0, source: IPv4Address, destination: IPv4Address,
            options: Options = Options(), headerLength: Int? = nil
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
            self.options = options
            self.headerLength = headerLength ?? IPv4.minimumHeaderLength + options.paddedCount
        }

        /// Runs the semantic checks with the ruleset's default allowances (no fragments, no
        /// options but end-of-list and no-operation), discarding what the rebuild would change.
        public init(parsing view: borrowing View, options allowances: DecodeOptions = DecodeOptions()) throws(DecodeError) {
            var ignored = Normalizations()
            try self.init(parsing: view, options: allowances, normalizations: &ignored)
        }

        /// Runs the semantic checks, in this order: checksum (a corrupt header makes every other
        /// field untrustworthy), TTL, options, fragmentation. Adds to `normalizations`
        /// what the decoded header changed from the received one.
        @inline(__always)
        public init(
            parsing view: borrowing View, options allowances: DecodeOptions,
            normalizations: inout Normalizations
        ) throws(DecodeError) {
            try Self.checkChecksum(view)
            try Self.checkTTL(view)
            var options = Options()
            if view.headerLength > IPv4.minimumHeaderLength {
                try Self.parseOptions(view, allowed: allowances.allowedIPOptionTypes, into: &options, normalizations: &normalizations)
            }
            try Self.checkFragment(view, allowed: allowances.allowFragments)
            var flags = view.flags
            if flags.contains(.reserved) {
                flags.remove(.reserved)
                normalizations.insert(.ipv4ReservedFlag)
            }
            // RFC 1071: 0xFFFF and 0x0000 both verify; emit computes 0x0000 for any real header.
            if view.headerChecksum == 0xFFFF { normalizations.insert(.ipv4Checksum) }
            self.init(
                typeOfService: view.typeOfService, totalLength: view.totalLength,
                identification: view.identification, flags: flags,
                fragmentOffset: view.fragmentOffset, ttl: view.ttl, proto: view.proto,
                headerChecksum: view.headerChecksum, source: view.source, destination: view.destination,
                options: options, headerLength: view.headerLength)
        }

        @inline(__always)
        private static func checkChecksum(_ view: borrowing View) throws(DecodeError) {
            guard Checksum.isValid(view.header) else {
                throw .make(.ipv4, .headerChecksum, at: Offset.headerChecksum, .badChecksum)
            }
        }

        /// A TTL of 0 must never be on the wire (RFC 1122 §3.2.1.7).
        @inline(__always)
        private static func checkTTL(_ view: borrowing View) throws(DecodeError) {
            guard view.ttl != 0 else { throw .make(.ipv4, .ttl, at: Offset.ttl, .ttlZero) }
        }

        /// Judges each option by type and length (the view already knows each fits), keeps the
        /// allowed ones, and notes non-zero bytes after end-of-list. Source routes are refused
        /// whatever the ruleset says: they let the sender pick the path back through us. Called
        /// only for a header with an options area.
        private static func parseOptions(
            _ view: borrowing View, allowed: IPOptionTypes, into options: inout Options,
            normalizations: inout Normalizations
        ) throws(DecodeError) {
            let bytes = view.bytes
            let headerLength = view.headerLength
            var index = Offset.options
            while index < headerLength {
                let type = bytes.byte(at: index)
                if type == OptionType.endOfList {
                    if !TCP.Header.isZero(bytes, from: index + 1, to: headerLength) { normalizations.insert(.ipOptionPadding) }
                    break
                }
                if type == OptionType.noOperation {
                    index += 1
                    continue
                }
                let length = Int(bytes.byte(at: index + 1))
                let refusal = try checkOption(bytes, at: index, type: type, length: length)
                if type == OptionType.looseSourceRoute || type == OptionType.strictSourceRoute {
                    throw .make(.ipv4, .options, at: index, .ipOptionSourceRoute)
                }
                guard allowed.contains(type) else { throw .make(.ipv4, .options, at: index, refusal) }
                index += length
            }
            // Nothing is removed from IPv4 options (a refused one drops the datagram): keep the
            // area up to end-of-list as received.
            options = Options(copying: bytes.extracting(Offset.options..<Swift.min(index, headerLength)))
        }

        /// Checks one option's layout by type (RFC 791 §3.1, RFC 1108, RFC 2113) and returns the
        /// reason to give if the ruleset does not allow it.
        private static func checkOption(_ bytes: RawSpan, at index: Int, type: UInt8, length: Int) throws(DecodeError) -> DecodeError.Reason {
            switch type {
            case OptionType.recordRoute, OptionType.looseSourceRoute, OptionType.strictSourceRoute:
                // length 3 + 4n; the pointer (1-based) names the next free slot, or length + 1 when full.
                guard length >= 3, (length - 3) % 4 == 0 else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                let pointer = Int(bytes.byte(at: index + 2))
                guard pointer >= 4, pointer <= length + 1, (pointer - 4) % 4 == 0 else {
                    throw .make(.ipv4, .options, at: index + 2, .badIPOption)
                }
                return .ipOptionRecordRoute
            case OptionType.timestamp:
                // length 4 + slots; flag 0: 4-byte timestamps, 1 and 3: 8-byte address + timestamp.
                guard length >= 4 else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                let flag = bytes.byte(at: index + 3) & 0x0F
                guard flag == 0 || flag == 1 || flag == 3 else {
                    throw .make(.ipv4, .options, at: index + 3, .badIPOption)
                }
                let slot = flag == 0 ? 4 : 8
                guard (length - 4) % slot == 0 else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                let pointer = Int(bytes.byte(at: index + 2))
                guard pointer >= 5, pointer <= length + 1, (pointer - 5) % slot == 0 else {
                    throw .make(.ipv4, .options, at: index + 2, .badIPOption)
                }
                return .ipOptionTimestamp
            case OptionType.routerAlert:
                guard length == 4 else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                return .ipOptionRouterAlert
            case OptionType.security:
                guard length >= 3 else { throw .make(.ipv4, .options, at: index, .badIPOption) }
                return .ipOptionSecurity
            default:
                return .ipOptionUnknown
            }
        }

        /// Fragments are refused unless the ruleset accepts them: a non-first fragment has no
        /// transport header to judge, and reassembly is the kernel's job (conntrack's defrag
        /// runs before the NFQUEUE hook when loaded). Don't-fragment on a fragment is not a
        /// contradiction: RFC 791 §3.2 only forbids a gateway to fragment a DF datagram, RFC 6864
        /// §4 counts DF with MF or an offset as an ordinary non-atomic datagram, and Linux
        /// reassembles such fragments. What is contradictory is refused first, accepted or not.
        @inline(__always)
        private static func checkFragment(_ view: borrowing View, allowed: Bool) throws(DecodeError) {
            let moreFragments = view.flags.contains(.moreFragments)
            guard moreFragments || view.fragmentOffset != 0 else { return }
            let payload = view.bytes.byteCount - view.headerLength
            // RFC 791 §3.2 (fragmentation): every fragment but the last carries a multiple of 8 bytes.
            guard !moreFragments || payload % 8 == 0 else {
                throw .make(.ipv4, .totalLength, at: Offset.totalLength, .badFragmentLength)
            }
            // RFC 791 §3.1: a datagram is at most 65535 bytes; a fragment ending past that
            // cannot be reassembled (the "ping of death").
            guard Int(view.fragmentOffset) * 8 + view.headerLength + payload <= 65_535 else {
                throw .make(.ipv4, .fragmentOffset, at: Offset.flagsAndFragmentOffset, .badFragmentLength)
            }
            guard allowed else {
                throw .make(.ipv4, .fragmentOffset, at: Offset.flagsAndFragmentOffset, .fragment)
            }
        }

        /// True for any fragment: more-fragments set or a non-zero offset.
        public var isFragment: Bool { flags.contains(.moreFragments) || fragmentOffset != 0 }

        /// The header length as received, or more if options were added past it.
        public var encodedLength: Int {
            Swift.max(headerLength, IPv4.minimumHeaderLength + options.paddedCount)
        }

        /// Writes the header into `out[0..<encodedLength]`: fields, options, zero padding, and a
        /// freshly computed header checksum (the stored `headerChecksum` is ignored).
        /// `out.byteCount` must be at least `encodedLength`.
        public func emit(into out: inout MutableRawSpan) {
            let length = encodedLength
            // Our own contract, checked once, so the fixed-offset stores need no checks of their own.
            precondition(out.byteCount >= length, "output shorter than the IPv4 header")
            let versionAndTypeOfService = UInt16(UInt8(0x40 | length / 4)) << 8 | UInt16(typeOfService)
            let flagsAndFragmentOffset = UInt16(flags.rawValue & 0b111) << 13 | fragmentOffset & 0x1FFF
            let ttlAndProtocol = UInt16(ttl) << 8 | UInt16(proto.rawValue)
            out.store(versionAndTypeOfService, at: Offset.versionAndIHL)
            out.store(totalLength, at: Offset.totalLength)
            out.store(identification, at: Offset.identification)
            out.store(flagsAndFragmentOffset, at: Offset.flagsAndFragmentOffset)
            out.store(ttlAndProtocol, at: Offset.ttl)
            out.store(source.rawValue, at: Offset.source)
            out.store(destination.rawValue, at: Offset.destination)
            // RFC 1071 over the words just written (the checksum field counts as 0) and the options
            // area as emitted, without reading the bytes back.
            var sum = UInt64(versionAndTypeOfService) + UInt64(totalLength) + UInt64(identification)
                + UInt64(flagsAndFragmentOffset) + UInt64(ttlAndProtocol)
                + UInt64(source.rawValue >> 16) + UInt64(source.rawValue & 0xFFFF)
                + UInt64(destination.rawValue >> 16) + UInt64(destination.rawValue & 0xFFFF)
            if length > IPv4.minimumHeaderLength {
                options.emit(into: &out, at: Offset.options, length: length - IPv4.minimumHeaderLength)
                sum += options.wordSum
            }
            out.store(Checksum.complement(sum), at: Offset.headerChecksum)
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
