import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer for building JSON lines without Foundation.
///
/// Capacity is reserved up front; appending within it allocates nothing. Keys are
/// `StaticString`s, so the schema is fixed in code; values are escaped per RFC 8259 §7.
package struct JSONBuffer {
    package private(set) var bytes: [UInt8]
    private var needsComma = false
    /// The second whose date and time (`2026-11-27T10:12:05`, 19 bytes) is in `datePrefix`,
    /// so that lines within one second skip `gmtime_r` and re-use the formatted text.
    private var dateSecond = Int.min
    private var datePrefix: (UInt64, UInt64, UInt64) = (0, 0, 0)

    package init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package var count: Int { bytes.count }

    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func beginObject(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Ends the current line (one JSON object per line).
    package mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    package mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        string(value)
    }

    package mutating func field(_ key: StaticString, _ value: StaticString) {
        self.key(key)
        string(value)
    }

    package mutating func field<I: BinaryInteger>(_ key: StaticString, _ value: I) {
        self.key(key)
        integer(value)
    }

    /// A dotted-quad IPv4 address as a JSON string, written digit by digit (no String).
    package mutating func field(_ key: StaticString, _ address: IPv4Address) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        let value = address.rawValue
        integer(value >> 24)
        for shift: UInt32 in stride(from: 16, through: 0, by: -8) {
            bytes.append(UInt8(ascii: "."))
            integer((value >> shift) & 0xFF)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        append(value ? "true" : "false")
    }

    /// A decode error's `message` sentence, written from its static pieces (no String).
    package mutating func field(_ key: StaticString, messageOf error: DecodeError) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        error.forEachMessagePart { part in part.withUTF8Buffer { escape($0) } }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An array element that is a string.
    package mutating func element(_ value: String) {
        separate()
        string(value)
        needsComma = true
    }

    /// Writes `key:` with the comma that precedes it when needed.
    package mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        append(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    /// Raw ASCII for fixed text we build ourselves (numbers, timestamps).
    package mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func appendByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Raw ASCII we built ourselves (no escaping), in one append.
    package mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw.bindMemory(to: UInt8.self))
    }

    /// A chain value as 64 lower-case hex digits, no quotes, in one append.
    package mutating func hex(_ value: ChainValue) {
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let table: StaticString = "0123456789abcdef"
        withUnsafeMutableBytes(of: &digits) { out in
            table.withUTF8Buffer { hex in
                var position = 0
                value.forEachByte { byte in
                    out[position] = hex[Int(byte >> 4)]
                    out[position + 1] = hex[Int(byte & 0xF)]
                    position += 2
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 64))
        }
    }

    package mutating func integer<I: BinaryInteger>(_ value: I) {
        var magnitude = UInt64(value.magnitude)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Up to 20 digits, written right to left into a fixed scratch tuple.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(
                start: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self) + (24 - count), count: count))
        }
    }

    /// Zero-padded decimal of the last `width` digits (1 to 19) of `value`'s magnitude
    /// (timestamps). Never traps: a negative value writes its magnitude, a wider one its
    /// low digits (`timestamp` clamps first, so neither happens there).
    package mutating func padded(_ value: Int, width: Int) {
        var divisor: UInt = 1
        for _ in 1..<max(1, min(width, 19)) { divisor *= 10 }
        let rest = value.magnitude
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            divisor /= 10
        }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func string(_ value: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Buffer { escape($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        if value.utf8.withContiguousStorageIfAvailable({ escape($0) }) == nil {
            // Only a String bridged from elsewhere lacks contiguous UTF-8; never on the hot path.
            Array(value.utf8).withUnsafeBufferPointer { escape($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `utf8` with the characters RFC 8259 §7 requires escaped. Runs of bytes that
    /// need no escape (nearly all of them) are copied in one append, not byte by byte.
    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\r"): append("\\r")
            case UInt8(ascii: "\t"): append("\\t")
            default:
                append("\\u00")
                let hex: StaticString = "0123456789abcdef"
                hex.withUTF8Buffer { table in
                    bytes.append(table[Int(byte >> 4)])
                    bytes.append(table[Int(byte & 0xF)])
                }
            }
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }
}

extension JSONBuffer {
    /// RFC 3339 UTC timestamp with microseconds, e.g. `2026-11-27T10:12:05.123456Z`.
    /// The date and time of day are formatted once per second (a verdict log writes many
    /// lines a second); only the microseconds are written every time.
    ///
    /// Never traps, for any `Int` pair: microseconds outside 0...999999 carry into the
    /// seconds (floor), and a time outside 0000-01-01T00:00:00Z ... 9999-12-31T23:59:59.999999Z
    /// (what four RFC 3339 year digits can say) is clamped to that range. The readers refuse
    /// such times with a located error first (`PcapReader`), so clamping is a last guard.
    package mutating func timestamp(seconds rawSeconds: Int, microseconds rawMicroseconds: Int) {
        let (seconds, microseconds) = Self.clamped(seconds: rawSeconds, microseconds: rawMicroseconds)
        if seconds != dateSecond { formatDate(seconds) }
        bytes.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: datePrefix) { bytes.append(contentsOf: $0[0..<19]) }
        bytes.append(UInt8(ascii: "."))
        padded(microseconds, width: 6)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch.
    package static let earliestSecond = -62_167_219_200, latestSecond = 253_402_300_799

    /// (seconds, 0...999_999) within the four-digit-year range, without overflow.
    package static func clamped(seconds: Int, microseconds: Int) -> (Int, Int) {
        var carry = microseconds / 1_000_000
        var micro = microseconds % 1_000_000
        if micro < 0 {
            micro += 1_000_000
            carry -= 1
        }
        let (sum, overflow) = seconds.addingReportingOverflow(carry)
        let total = overflow ? (carry > 0 ? Int.max : Int.min) : sum
        if total < earliestSecond { return (earliestSecond, 0) }
        if total > latestSecond { return (latestSecond, 999_999) }
        return (total, micro)
    }

    /// Formats `seconds` (within `earliestSecond...latestSecond`) as `YYYY-MM-DDTHH:MM:SS`
    /// into `datePrefix`.
    private mutating func formatDate(_ seconds: Int) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { out in
            var position = 0
            func put(_ value: Int, width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 {
                    out[position] = UInt8(ascii: "0") + UInt8((value.magnitude / divisor.magnitude) % 10)
                    position += 1
                    divisor /= 10
                }
            }
            func put(_ separator: Unicode.Scalar) {
                out[position] = UInt8(ascii: separator)
                position += 1
            }
            put(Int(parts.tm_year) + 1900, width: 4)
            put("-")
            put(Int(parts.tm_mon) + 1, width: 2)
            put("-")
            put(Int(parts.tm_mday), width: 2)
            put("T")
            put(Int(parts.tm_hour), width: 2)
            put(":")
            put(Int(parts.tm_min), width: 2)
            put(":")
            put(Int(parts.tm_sec), width: 2)
        }
        datePrefix = text
        dateSecond = seconds
    }
}
