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
    /// Data offset 15 allows 40 bytes of options.
    public static let maximumOptionsLength = 40

    /// Option kinds the structural walk treats specially (RFC 9293 §3.2).
    public enum OptionKind {
        /// End of option list: the rest of the options area is padding.
        public static let endOfList: UInt8 = 0
        /// One-byte filler.
        public static let noOperation: UInt8 = 1
    }

    /// Control bits, plus the 4 reserved bits of byte 12 above them (bits 8–11), so a received
    /// reserved bit is carried (and can be logged or cleared) rather than lost.
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
        /// The low nibble of byte 12: reserved, should be zero (RFC 9293 §3.1).
        public static let reserved = Flags(rawValue: 0xF00)
    }

    /// The option bytes of a header, stored inline (no heap allocation): up to 40 bytes packed
    /// big-endian into five `UInt64` words. Bytes past `count` are always zero, which makes
    /// equality a plain comparison.
    public struct Options: RandomAccessCollection, Equatable, Sendable {
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        public private(set) var endIndex: Int = 0
        public var startIndex: Int { 0 }

        /// No options.
        public init() {}

        /// Options copied from `bytes`; nil when there are more than 40.
        public init?(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                guard append(byte) else { return nil }
            }
        }

        /// Copies `bytes`, which the caller has bounded to at most 40 bytes.
        init(copying bytes: RawSpan) {
            for index in 0..<Swift.min(bytes.byteCount, TCP.maximumOptionsLength) {
                append(bytes.byte(at: index))
            }
        }

        public subscript(position: Int) -> UInt8 {
            precondition(position >= 0 && position < endIndex, "TCP option index out of range")
            return UInt8(truncatingIfNeeded: word(position / 8) >> (UInt64(7 - position % 8) * 8))
        }

        /// Adds one byte at the end; returns false (and changes nothing) when 40 are held.
        @discardableResult
        public mutating func append(_ byte: UInt8) -> Bool {
            guard endIndex < TCP.maximumOptionsLength else { return false }
            let shift = UInt64(7 - endIndex % 8) * 8
            setWord(endIndex / 8, word(endIndex / 8) | UInt64(byte) << shift)
            endIndex += 1
            return true
        }

        /// Removes every byte.
        public mutating func removeAll() {
            self = Options()
        }

        /// The options area length on the wire: `count` rounded up to whole 32-bit words.
        public var paddedCount: Int { (count + 3) & ~3 }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.endIndex == rhs.endIndex && lhs.words == rhs.words
        }

        private func word(_ index: Int) -> UInt64 {
            switch index {
            case 0: words.0
            case 1: words.1
            case 2: words.2
            case 3: words.3
            default: words.4
            }
        }

        private mutating func setWord(_ index: Int, _ value: UInt64) {
            switch index {
            case 0: words.0 = value
            case 1: words.1 = value
            case 2: words.2 = value
            case 3: words.3 = value
            default: words.4 = value
            }
        }
    }

    /// Borrowed bytes of one TCP segment (header and payload).
    ///
    /// Once `init(validating:at:)` returns, the fixed header and the whole options area are
    /// present, and every option in it has a length that stays inside the header, so no
    /// accessor can go out of bounds.
    public struct View: ~Escapable {
        public let bytes: RawSpan
        /// Where the segment starts in the datagram; error offsets are measured from there.
        public let datagramOffset: Int

        /// Runs every structural check once: fixed header present, data offset sane, options
        /// walkable. `datagramOffset` is the IPv4 header length, so errors point into the datagram.
        @_lifetime(copy bytes)
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
            try Self.walkOptions(bytes, headerLength: headerLength, datagramOffset: datagramOffset)
            self.bytes = bytes
            self.datagramOffset = datagramOffset
        }

        /// Walks the options just far enough to know each one fits (RFC 9293 §3.2): EOL ends the
        /// list, NOP is one byte, every other kind carries a length >= 2 that stays in the header.
        /// The contents of known options are not judged yet.
        private static func walkOptions(
            _ bytes: RawSpan, headerLength: Int, datagramOffset: Int
        ) throws(DecodeError) {
            var index = Offset.options
            while index < headerLength {
                let kind = bytes.byte(at: index)
                if kind == OptionKind.endOfList { return }
                if kind == OptionKind.noOperation {
                    index += 1
                    continue
                }
                guard index + 1 < headerLength else {
                    throw .make(.tcp, .options, at: datagramOffset + index, .badTCPOption)
                }
                let length = Int(bytes.byte(at: index + 1))
                guard length >= 2, index + length <= headerLength else {
                    throw .make(.tcp, .options, at: datagramOffset + index, .badTCPOption)
                }
                index += length
            }
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

    /// The decoded fields of a TCP header.
    ///
    /// The options are kept as received, padding included (normalizing them is the
    /// engine's job). `init(parsing:pseudoHeaderSum:)` guarantees a correct checksum unless it
    /// was told to skip the check.
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
        public var options: Options

        /// Builds a header from fields.
        public init(
            sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32 = 0,
            acknowledgmentNumber: UInt32 = 0, flags: Flags, windowSize: UInt16 = 65535,
            checksum: UInt16 = 0, urgentPointer: UInt16 = 0, options: Options = Options()
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
        }

        /// Decodes the fields and verifies the checksum against `pseudoHeaderSum`
        /// (`Checksum.pseudoHeaderSum`); pass nil to skip verification, as for a packet the
        /// kernel marked CSUMNOTREADY whose checksum is still partial.
        public init(parsing view: borrowing View, pseudoHeaderSum: UInt64?) throws(DecodeError) {
            if let pseudoHeaderSum {
                guard Checksum.isValid(view.bytes, adding: pseudoHeaderSum) else {
                    throw .make(.tcp, .checksum, at: view.datagramOffset + Offset.checksum, .badChecksum)
                }
            }
            self.init(
                sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                sequenceNumber: view.sequenceNumber, acknowledgmentNumber: view.acknowledgmentNumber,
                flags: view.flags, windowSize: view.windowSize, checksum: view.checksum,
                urgentPointer: view.urgentPointer, options: Options(copying: view.options))
        }

        /// 20 bytes plus the options rounded up to whole words.
        public var encodedLength: Int { TCP.minimumHeaderLength + options.paddedCount }

        /// Writes the header into `out[0..<encodedLength]`, options followed by zero padding.
        /// The stored `checksum` is written as is: the checksum covers the payload and the IP
        /// pseudo-header, which only `Datagram.emit` has, and which recomputes it there.
        public func emit(into out: inout MutableRawSpan) {
            out.store(sourcePort, at: Offset.sourcePort)
            out.store(destinationPort, at: Offset.destinationPort)
            out.store(sequenceNumber, at: Offset.sequenceNumber)
            out.store(acknowledgmentNumber, at: Offset.acknowledgmentNumber)
            let dataOffset = UInt8(truncatingIfNeeded: encodedLength / 4)
            out.store(dataOffset << 4 | UInt8(truncatingIfNeeded: flags.rawValue >> 8) & 0x0F, at: Offset.dataOffset)
            out.store(UInt8(truncatingIfNeeded: flags.rawValue), at: Offset.flags)
            out.store(windowSize, at: Offset.windowSize)
            out.store(checksum, at: Offset.checksum)
            out.store(urgentPointer, at: Offset.urgentPointer)
            for index in 0..<options.paddedCount {
                out.store(index < options.count ? options[index] : 0, at: Offset.options + index)
            }
        }
    }
}

extension TCP.Flags: CustomStringConvertible {
    /// tcpdump/pf letters in wire order from CWR down to FIN ("S", "SA", "FPA"), or "none";
    /// reserved bits show as "R" followed by their hex value.
    public var description: String {
        var text = ""
        let letters: [(TCP.Flags, Character)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "A"), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
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
