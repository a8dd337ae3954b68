/// TCP (RFC 9293, which obsoletes RFC 793): offsets, a checked view, the decoded header, and
/// its pretty-printing.
public enum TCP {
    /// Byte offsets of the header fields from the start of the segment (RFC 9293 §3.1).
    public enum Offset {
        public static let sourcePort = 0
        public static let destinationPort = 2
        public static let sequenceNumber = 4
        public static let acknowledgmentNumber = 8
        public static let dataOffset = 12     // data offset, in 32-bit words (4 bits) | reserved (4 bits)
        public static let flags = 13          // CWR ECE URG ACK PSH RST SYN FIN
        public static let windowSize = 14
        public static let checksum = 16       // RFC 1071 over pseudo-header + segment
        public static let urgentPointer = 18
        public static let options = 20        // up to 40 bytes, until data offset × 4
    }

    /// Size of a header without options: data offset 5.
    public static let minimumHeaderLength = 20

    /// Option kinds the structural walk treats specially (RFC 9293 §3.2).
    public enum OptionKind {
        /// End of option list: the rest of the options area is padding.
        public static let endOfList: UInt8 = 0
        /// One-byte filler.
        public static let noOperation: UInt8 = 1
        /// Maximum segment size, length 4, SYN only (RFC 9293 §3.2).
        public static let maximumSegmentSize: UInt8 = 2
        /// Window scale, length 3, shift <= 14, SYN only (RFC 7323 §2).
        public static let windowScale: UInt8 = 3
        /// SACK permitted, length 2, SYN only (RFC 2018 §2).
        public static let sackPermitted: UInt8 = 4
        /// SACK blocks, length 2 + 8n with 1 <= n <= 4 (RFC 2018 §3).
        public static let sack: UInt8 = 5
        /// Timestamps, length 10 (RFC 7323 §3).
        public static let timestamps: UInt8 = 8
    }

    /// Control bits, plus the low nibble of byte 12 above them (bits 8–11): AE and the three
    /// reserved bits, so a received reserved bit is carried (and can be logged or cleared)
    /// rather than lost.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let fin = Flags(rawValue: 0x001)
        public static let syn = Flags(rawValue: 0x002)
        public static let rst = Flags(rawValue: 0x004)
        public static let psh = Flags(rawValue: 0x008)
        public static let ack = Flags(rawValue: 0x010)
        public static let urg = Flags(rawValue: 0x020)
        /// ECN-Echo (RFC 3168).
        public static let ece = Flags(rawValue: 0x040)
        /// Congestion Window Reduced (RFC 3168).
        public static let cwr = Flags(rawValue: 0x080)
        /// Byte 12 bit 0: Accurate ECN's AE flag (draft-ietf-tcpm-accurate-ecn §3.1, formerly
        /// RFC 3540's NS). Part of AccECN's ACE counter with CWR and ECE, so it is kept as received.
        public static let ae = Flags(rawValue: 0x100)
        /// Byte 12 bits 1–3: still reserved, should be zero (RFC 9293 §3.1); the rebuild clears them.
        public static let reserved = Flags(rawValue: 0xE00)
    }

    /// The option bytes kept by a decoded header (no EOL, no padding); see `OptionBytes`.
    public typealias Options = OptionBytes

    /// Borrowed bytes of one TCP segment (header and payload).
    ///
    /// Once `init(validating:at:)` returns, the fixed header and the whole options area are
    /// present, and every option in it has a length that stays inside the header, so no
    /// accessor can go out of bounds. The same walk has judged each option's contents, for
    /// `Header(parsing:)` to act on.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the segment starts in the datagram; error offsets are measured from there.
        public let datagramOffset: Int
        /// What the walk over the options found besides their layout, for `Header(parsing:)`.
        let optionWalk: OptionWalk

        /// Runs every structural check once: fixed header present, data offset sane, options
        /// walkable. `datagramOffset` is the IPv4 header length, so errors point into the datagram.
        @_lifetime(copy bytes)
        @inline(__always)
        public init(validating bytes: RawSpan, at datagramOffset: Int = 0) throws(DecodeError) {
            guard bytes.byteCount >= TCP.minimumHeaderLength else {
                throw .make(.tcp, .header, at: datagramOffset, .truncated)
            }
            let headerLength = Int(bytes.byte(at: Offset.dataOffset) >> 4) * 4
            guard headerLength >= TCP.minimumHeaderLength else {
                throw .make(.tcp, .dataOffset, at: datagramOffset + Offset.dataOffset, .badHeaderLength)
            }
            guard headerLength <= bytes.byteCount else {
                throw .make(.tcp, .dataOffset, at: datagramOffset + Offset.dataOffset, .truncated)
            }
            optionWalk = try Self.walkOptions(bytes, headerLength: headerLength, datagramOffset: datagramOffset)
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        /// Walks the options once (RFC 9293 §3.2). EOL ends the list, NOP is one byte, every
        /// other kind must carry a length >= 2 that stays in the header: a layout error is thrown
        /// here, before the checksum. Each option's contents are judged in the same pass, but a
        /// bad one is only recorded: `Header(parsing:)` refuses it after the checksum and the
        /// flags, the order docs/decoding.md gives. A layout error later in the area therefore
        /// still wins over a bad option earlier in it, as it did when these were two walks.
        @inline(__always)
        private static func walkOptions(
            _ bytes: RawSpan, headerLength: Int, datagramOffset: Int
        ) throws(DecodeError) -> OptionWalk {
            var walk = OptionWalk(end: headerLength)
            // MSS, window scale and SACK-permitted belong on a SYN only.
            let syn = bytes.byte(at: Offset.flags) & UInt8(truncatingIfNeeded: Flags.syn.rawValue) != 0
            var index = Offset.options
            while index < headerLength {
                let kind = bytes.byte(at: index)
                if kind == OptionKind.endOfList {
                    walk.end = index
                    walk.hasBytesAfterEndOfList = !TCP.Header.isZero(bytes, from: index + 1, to: headerLength)
                    return walk
                }
                if kind == OptionKind.noOperation {
                    index += 1
                    continue
                }
                guard index + 1 < headerLength else { throw badOption(at: datagramOffset + index) }
                let length = Int(bytes.byte(at: index + 1))
                guard length >= 2, index + length <= headerLength else { throw badOption(at: datagramOffset + index) }
                let valid: Bool
                switch kind {
                case OptionKind.maximumSegmentSize: valid = length == 4 && syn
                case OptionKind.windowScale: valid = length == 3 && syn && bytes.byte(at: index + 2) <= 14
                case OptionKind.sackPermitted: valid = length == 2 && syn
                case OptionKind.sack: valid = length >= 10 && length <= 34 && (length - 2) % 8 == 0
                case OptionKind.timestamps: valid = length == 10
                default:
                    walk.hasUnknownKinds = true
                    valid = true
                }
                if !valid && walk.firstBadOption == nil { walk.firstBadOption = index }
                index += length
            }
            return walk
        }

        /// The `bad-tcp-option` error at `offset` (from the start of the datagram), built off the
        /// hot path.
        @inline(never)
        static func badOption(at offset: Int) -> DecodeError {
            .make(.tcp, .options, at: offset, .badTCPOption)
        }

        public var sourcePort: UInt16 { bytes.uint16(at: Offset.sourcePort) }
        public var destinationPort: UInt16 { bytes.uint16(at: Offset.destinationPort) }
        public var sequenceNumber: UInt32 { bytes.uint32(at: Offset.sequenceNumber) }
        public var acknowledgmentNumber: UInt32 { bytes.uint32(at: Offset.acknowledgmentNumber) }
        /// Data offset in bytes (× 4), i.e. the header length.
        public var headerLength: Int { Int(bytes.byte(at: Offset.dataOffset) >> 4) * 4 }
        public var flags: Flags {
            Flags(rawValue: UInt16(bytes.byte(at: Offset.dataOffset) & 0x0F) << 8 | UInt16(bytes.byte(at: Offset.flags)))
        }
        public var windowSize: UInt16 { bytes.uint16(at: Offset.windowSize) }
        public var checksum: UInt16 { bytes.uint16(at: Offset.checksum) }
        public var urgentPointer: UInt16 { bytes.uint16(at: Offset.urgentPointer) }

        /// The options area as received, padding included.
        public var options: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(Offset.options..<headerLength) }
        }

        /// The bytes after the header.
        public var payload: RawSpan {
            @_lifetime(copy self) get { bytes.extracting(headerLength..<bytes.byteCount) }
        }
    }

    /// What `View`'s walk over the options found, besides that each one fits.
    struct OptionWalk {
        /// Where the kept options end: at end-of-list, or at the header length.
        var end: Int
        /// The segment offset of the first option whose length or contents are wrong for its
        /// kind (or that is only allowed on a SYN); nil when there is none.
        var firstBadOption: Int?
        /// An option of a kind Portcullis does not know: the rebuild removes it.
        var hasUnknownKinds = false
        /// A non-zero byte after end-of-list: the rebuild zeroes it.
        var hasBytesAfterEndOfList = false
    }

    /// The decoded fields of a TCP header.
    ///
    /// `init(parsing:pseudoHeaderSum:normalizations:)` guarantees a correct checksum (unless told
    /// to skip it), a legal flag combination, and every kept option well formed for its kind.
    /// It holds the normalized header: reserved bits clear, urgent pointer 0 without URG,
    /// unknown options removed, nothing after end-of-list.
    public struct Header: Equatable, Sendable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        public var sequenceNumber: UInt32
        public var acknowledgmentNumber: UInt32
        public var flags: Flags
        public var windowSize: UInt16
        /// As received. `emit(into:)` writes it unchanged; `Datagram.emit` recomputes it.
        public var checksum: UInt16
        public var urgentPointer: UInt16
        /// The kept options, up to (not including) end-of-list; `emit` zero-fills the rest.
        public var options: Options
        /// The header length in bytes (data offset × 4), kept as received so that removing an
        /// option never moves the payload (a first fragment must keep its length).
        public var headerLength: Int

        /// Builds a header from fields. `headerLength` defaults to the options rounded up to
        /// whole words.
        public init(
            sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32 = 0,
            acknowledgmentNumber: UInt32 = 0, flags: Flags, windowSize: UInt16 = 65535,
            checksum: UInt16 = 0, urgentPointer: UInt16 = 0, options: Options = Options(),
            headerLength: Int? = nil
        ) {
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.sequenceNumber = sequenceNumber
            self.acknowledgmentNumber = acknowledgmentNumber
            self.flags = flags
            self.windowSize = windowSize
            self.checksum = checksum
            self.urgentPointer = urgentPointer
            self.options = options
            self.headerLength = headerLength ?? TCP.minimumHeaderLength + options.paddedCount
        }

        /// As `init(parsing:pseudoHeaderSum:normalizations:)`, discarding what the rebuild would change.
        public init(parsing view: borrowing View, pseudoHeaderSum: UInt64?) throws(DecodeError) {
            var ignored = Normalizations()
            try self.init(parsing: view, pseudoHeaderSum: pseudoHeaderSum, normalizations: &ignored)
        }

        /// Decodes the fields and checks, in order: the checksum against `pseudoHeaderSum`
        /// (`Checksum.pseudoHeaderSum`; nil skips it, as for a packet the kernel marked
        /// CSUMNOTREADY or a first fragment), the flags, then each option. Adds to
        /// `normalizations` what the decoded header changed from the received one.
        @inline(__always)
        public init(
            parsing view: borrowing View, pseudoHeaderSum: UInt64?, normalizations: inout Normalizations
        ) throws(DecodeError) {
            if let pseudoHeaderSum {
                guard Checksum.isValid(view.bytes, adding: pseudoHeaderSum) else {
                    throw .make(.tcp, .checksum, at: view.datagramOffset + Offset.checksum, .badChecksum)
                }
                // 0xFFFF verifies too, but the sum of a real segment always computes as 0x0000.
                if view.checksum == 0xFFFF { normalizations.insert(.transportChecksum) }
            }
            var flags = view.flags
            try Self.checkFlags(flags, at: view.datagramOffset)
            var options = Options()
            try Self.parseOptions(view, into: &options, normalizations: &normalizations)
            if flags.rawValue & Flags.reserved.rawValue != 0 {
                flags.remove(.reserved)
                normalizations.insert(.tcpReservedBits)
            }
            var urgentPointer = view.urgentPointer
            if urgentPointer != 0 && !flags.contains(.urg) {
                urgentPointer = 0
                normalizations.insert(.tcpUrgentPointer)
            }
            self.init(
                sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                sequenceNumber: view.sequenceNumber, acknowledgmentNumber: view.acknowledgmentNumber,
                flags: flags, windowSize: view.windowSize, checksum: view.checksum,
                urgentPointer: urgentPointer, options: options, headerLength: view.headerLength)
        }

        /// Refuses the combinations no TCP sends (pf_norm.c's list): no flag at all, all six,
        /// SYN with FIN or RST, and FIN, PSH or URG without ACK.
        @inline(__always)
        private static func checkFlags(_ flags: Flags, at datagramOffset: Int) throws(DecodeError) {
            let control = flags.intersection([.fin, .syn, .rst, .psh, .ack, .urg])
            let illegal = control.isEmpty
                || control == [.fin, .syn, .rst, .psh, .ack, .urg]
                || control.isSuperset(of: [.syn, .fin])
                || control.isSuperset(of: [.syn, .rst])
                || (!control.contains(.ack) && !control.isDisjoint(with: [.fin, .psh, .urg]))
            guard !illegal else { throw .make(.tcp, .flags, at: datagramOffset + Offset.flags, .illegalFlags) }
        }

        /// Refuses the first option the view's walk found bad for its kind, keeps the known ones,
        /// drops unknown kinds, and notes non-zero bytes after end-of-list. When nothing is
        /// dropped, the kept options are the area up to end-of-list, copied at once.
        @inline(__always)
        private static func parseOptions(
            _ view: borrowing View, into options: inout Options, normalizations: inout Normalizations
        ) throws(DecodeError) {
            let walk = view.optionWalk
            if let bad = walk.firstBadOption { throw View.badOption(at: view.datagramOffset + bad) }
            if walk.hasBytesAfterEndOfList { normalizations.insert(.tcpAfterEOL) }
            if !walk.hasUnknownKinds {
                options = Options(copying: view.bytes.extracting(Offset.options..<walk.end))
            } else {
                normalizations.insert(.tcpUnknownOptions)
                Self.copyKnownOptions(view.bytes, upTo: walk.end, into: &options)
            }
        }

        /// The slow path, when unknown options were dropped: walks again, keeping known kinds.
        private static func copyKnownOptions(_ bytes: RawSpan, upTo end: Int, into options: inout Options) {
            var index = Offset.options
            while index < end {
                let kind = bytes.byte(at: index)
                if kind == OptionKind.noOperation {
                    options.append(kind)
                    index += 1
                    continue
                }
                let length = Int(bytes.byte(at: index + 1))
                switch kind {
                case OptionKind.maximumSegmentSize, OptionKind.windowScale, OptionKind.sackPermitted,
                     OptionKind.sack, OptionKind.timestamps:
                    options.append(bytes, index..<index + length)
                default:
                    break
                }
                index += length
            }
        }

        @inline(__always)
        static func isZero(_ bytes: RawSpan, from start: Int, to end: Int) -> Bool {
            var index = start
            while index < end {
                if bytes.byte(at: index) != 0 { return false }
                index += 1
            }
            return true
        }

        /// The header length as received, or more if options were added past it.
        public var encodedLength: Int { Swift.max(headerLength, TCP.minimumHeaderLength + options.paddedCount) }

        /// Writes the header into `out[0..<encodedLength]`, options followed by zero padding.
        /// The stored `checksum` is written as is: the checksum covers the payload and the IP
        /// pseudo-header, which only `Datagram.emit` has, and which recomputes it there.
        public func emit(into out: inout MutableRawSpan) {
            let length = encodedLength
            // Our own contract, checked once, so the fixed-offset stores need no checks of their own.
            precondition(out.byteCount >= length, "output shorter than the TCP header")
            out.store(sourcePort, at: Offset.sourcePort)
            out.store(destinationPort, at: Offset.destinationPort)
            out.store(sequenceNumber, at: Offset.sequenceNumber)
            out.store(acknowledgmentNumber, at: Offset.acknowledgmentNumber)
            let dataOffset = UInt8(truncatingIfNeeded: length / 4)
            out.store(dataOffset << 4 | UInt8(truncatingIfNeeded: flags.rawValue >> 8) & 0x0F, at: Offset.dataOffset)
            out.store(UInt8(truncatingIfNeeded: flags.rawValue), at: Offset.flags)
            out.store(windowSize, at: Offset.windowSize)
            out.store(checksum, at: Offset.checksum)
            out.store(urgentPointer, at: Offset.urgentPointer)
            if length > TCP.minimumHeaderLength {
                options.emit(into: &out, at: Offset.options, length: length - TCP.minimumHeaderLength)
            }
        }
    }
}

extension TCP.Flags: CustomStringConvertible {
    /// tcpdump/pf letters from FIN up to CWR ("S", "SA", "FPA"), then "e" for AE, or "none";
    /// reserved bits show as "R" followed by their hex value.
    public var description: String {
        var text = ""
        let letters: [(TCP.Flags, Character)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "A"), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
            (.ae, "e"),
        ]
        for (flag, letter) in letters where contains(flag) {
            text.append(letter)
        }
        let reservedBits = rawValue & TCP.Flags.reserved.rawValue
        if reservedBits != 0 { text += " reserved 0x" + String(reservedBits >> 8, radix: 16) }
        return text.isEmpty ? "none" : text
    }
}

extension TCP.Header: CustomStringConvertible {
    /// One line: "TCP 40000 > 443 flags S seq 1 ack 0 win 65535 options 4".
    public var description: String {
        var text = "TCP \(sourcePort) > \(destinationPort) flags \(flags) seq \(sequenceNumber) ack \(acknowledgmentNumber) win \(windowSize)"
        if urgentPointer != 0 { text += " urg \(urgentPointer)" }
        if !options.isEmpty { text += " options \(options.count)" }
        return text
    }
}
