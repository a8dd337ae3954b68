import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer for building JSON lines without Foundation.
///
/// Capacity is reserved up front; appending within it allocates nothing. Keys are
/// `StaticString`s, so the schema is fixed in code; values are escaped per RFC 8259 §7.
struct JSONBuffer {
    private(set) var bytes: [UInt8]
    private var needsComma = false

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func beginObject(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray(_ key: StaticString) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Ends the current line (one JSON object per line).
    mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        string(value)
    }

    mutating func field(_ key: StaticString, _ value: StaticString) {
        self.key(key)
        string(value)
    }

    mutating func field<I: BinaryInteger>(_ key: StaticString, _ value: I) {
        self.key(key)
        integer(value)
    }

    /// A dotted-quad IPv4 address as a JSON string, written digit by digit (no String).
    mutating func field(_ key: StaticString, _ address: IPv4Address) {
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

    mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        append(value ? "true" : "false")
    }

    /// An array element that is a string.
    mutating func element(_ value: String) {
        separate()
        string(value)
        needsComma = true
    }

    /// Writes `key:` with the comma that precedes it when needed.
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        append(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    /// Raw ASCII for fixed text we build ourselves (numbers, timestamps).
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func appendByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Two lower-case hex digits, no quotes.
    mutating func hexByte(_ byte: UInt8) {
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { table in
            bytes.append(table[Int(byte >> 4)])
            bytes.append(table[Int(byte & 0xF)])
        }
    }

    mutating func integer<I: BinaryInteger>(_ value: I) {
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
            bytes.append(contentsOf: scratch[(24 - count)...])
        }
    }

    /// Zero-padded decimal of exactly `width` digits (timestamps).
    mutating func padded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
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
        escape(value.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape<Bytes: Sequence<UInt8>>(_ utf8: Bytes) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\r"): append("\\r")
            case UInt8(ascii: "\t"): append("\\t")
            case 0..<0x20:
                append("\\u00")
                let hex: StaticString = "0123456789abcdef"
                hex.withUTF8Buffer { table in
                    bytes.append(table[Int(byte >> 4)])
                    bytes.append(table[Int(byte & 0xF)])
                }
            default: bytes.append(byte)
            }
        }
    }
}

extension JSONBuffer {
    /// RFC 3339 UTC timestamp with microseconds, e.g. `2026-11-27T10:12:05.123456Z`.
    mutating func timestamp(seconds: Int, microseconds: Int) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        bytes.append(UInt8(ascii: "\""))
        padded(Int(parts.tm_year) + 1900, width: 4)
        bytes.append(UInt8(ascii: "-"))
        padded(Int(parts.tm_mon) + 1, width: 2)
        bytes.append(UInt8(ascii: "-"))
        padded(Int(parts.tm_mday), width: 2)
        bytes.append(UInt8(ascii: "T"))
        padded(Int(parts.tm_hour), width: 2)
        bytes.append(UInt8(ascii: ":"))
        padded(Int(parts.tm_min), width: 2)
        bytes.append(UInt8(ascii: ":"))
        padded(Int(parts.tm_sec), width: 2)
        bytes.append(UInt8(ascii: "."))
        padded(microseconds, width: 6)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }
}
