import Engine
import Log

/// RFC 3339 timestamps as the verdict log writes them, to and from microseconds since the
/// Unix epoch (UTC), without Foundation.
public enum ReportTime {
    /// `2026-11-27T10:12:05.123456Z`.
    public static func format(_ time: PacketTimestamp) -> String {
        format(microseconds: Int64(time.seconds) * 1_000_000 + Int64(time.microseconds))
    }

    /// The same form from microseconds since the epoch.
    public static func format(microseconds: Int64) -> String {
        let (days, dayMicros) = floorDivide(microseconds, 86_400_000_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = dayMicros / 1_000_000
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(seconds / 3600, 2) + ":"
            + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2) + "." + pad(dayMicros % 1_000_000, 6) + "Z"
    }

    /// Parses `YYYY-MM-DD`, optionally followed by `THH:MM`, `:SS`, a fraction of 1 to 9
    /// digits, and `Z` or `±HH:MM` (no zone means UTC); a space may stand for the `T`.
    /// `nil` for anything else.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// `parse` over bytes (the log's timestamp field, unescaped).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros = days(year: year, month: month, day: day) * 86_400_000_000
        if index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") {
            index += 1
            guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), hour < 24, minute < 60 else { return nil }
            micros += (hour * 3600 + minute * 60) * 1_000_000
            if expect(UInt8(ascii: ":")) {
                guard let second = digits(2), second < 61 else { return nil }
                micros += second * 1_000_000
                if expect(UInt8(ascii: ".")) {
                    var scale: Int64 = 100_000
                    var count = 0
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        micros += Int64(bytes[index] - 0x30) * scale
                        scale /= 10
                        index += 1
                        count += 1
                    }
                    guard (1...9).contains(count) else { return nil }
                }
            }
            if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                index += 1
                guard let hours = digits(2), expect(UInt8(ascii: ":")), let minutes = digits(2) else { return nil }
                micros -= sign * (hours * 3600 + minutes * 60) * 1_000_000
            }
        }
        return index == bytes.count ? micros : nil
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days(year:month:day:)` (civil_from_days).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        String(value).leftPadded(to: width)
    }
}
