import Foundation
import Testing
@testable import Log
import Wire

/// The text a buffer holds; the buffer is ASCII/UTF-8 by construction.
private func text(_ buffer: JSONBuffer) -> String {
    String(decoding: buffer.bytes, as: UTF8.self)
}

/// Parses one JSON object line with Foundation, the independent reader.
private func parse(_ buffer: JSONBuffer) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer.bytes))
    return try #require(object as? [String: Any])
}

@Suite struct JSONBufferTests {
    @Test func nestedObjectsArraysAndCommas() {
        var buffer = JSONBuffer(capacity: 256)
        buffer.beginObject()
        buffer.field("a", "x")
        buffer.field("n", 0)
        buffer.field("t", true)
        buffer.field("f", false)
        buffer.beginObject("o")
        buffer.field("k", 1)
        buffer.field("s", "v" as StaticString)
        buffer.endObject()
        buffer.beginArray("empty")
        buffer.endArray()
        buffer.beginArray("l")
        buffer.element("p")
        buffer.element("q")
        buffer.endArray()
        buffer.beginObject("e")
        buffer.endObject()
        buffer.field("z", -3)
        buffer.endObject()
        buffer.endLine()
        #expect(text(buffer) == #"{"a":"x","n":0,"t":true,"f":false,"o":{"k":1,"s":"v"},"empty":[],"l":["p","q"],"e":{},"z":-3}"# + "\n")
    }

    @Test func secondLineStartsWithoutAComma() {
        var buffer = JSONBuffer(capacity: 64)
        for value in 1...2 {
            buffer.beginObject()
            buffer.field("v", value)
            buffer.endObject()
            buffer.endLine()
        }
        #expect(text(buffer) == "{\"v\":1}\n{\"v\":2}\n")
    }

    @Test func removeAllForgetsTheCommaAndTheBytes() {
        var buffer = JSONBuffer(capacity: 64)
        buffer.beginObject()
        buffer.field("a", 1)
        buffer.removeAll()
        #expect(buffer.count == 0)
        buffer.beginObject()
        buffer.field("b", 2)
        buffer.endObject()
        #expect(text(buffer) == #"{"b":2}"#)
    }

    @Test(arguments: [
        (UInt64(0), "0"), (1, "1"), (9, "9"), (10, "10"), (100, "100"), (65535, "65535"),
        (1_000_000_007, "1000000007"), (UInt64(UInt32.max), "4294967295"),
        (UInt64(Int64.max), "9223372036854775807"), (UInt64.max, "18446744073709551615"),
    ])
    func unsignedIntegers(value: UInt64, expected: String) {
        var buffer = JSONBuffer(capacity: 32)
        buffer.integer(value)
        #expect(text(buffer) == expected)
    }

    @Test(arguments: [
        (Int64(0), "0"), (-1, "-1"), (-10, "-10"), (42, "42"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ])
    func signedIntegers(value: Int64, expected: String) {
        var buffer = JSONBuffer(capacity: 32)
        buffer.integer(value)
        #expect(text(buffer) == expected)
    }

    @Test func narrowIntegerTypes() {
        var buffer = JSONBuffer(capacity: 64)
        buffer.beginObject()
        buffer.field("a", UInt8.max)
        buffer.field("b", UInt16.max)
        buffer.field("c", Int32.min)
        buffer.field("d", Int8(-128))
        buffer.endObject()
        #expect(text(buffer) == #"{"a":255,"b":65535,"c":-2147483648,"d":-128}"#)
    }

    /// RFC 8259 §7: quote, backslash and every control byte below 0x20 must be escaped.
    @Test(arguments: [
        ("plain", #""plain""#),
        ("say \"hi\"", #""say \"hi\"""#),
        (#"C:\rules"#, #""C:\\rules""#),
        ("a\nb", #""a\nb""#),
        ("a\rb\tc", #""a\rb\tc""#),
        ("\u{00}", #""\u0000""#),
        ("\u{01}\u{1F}", #""\u0001\u001f""#),
        ("\u{08}\u{0C}\u{1B}", #""\u0008\u000c\u001b""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é✓", "\"é✓\""),
        ("/", #""/""#),
    ])
    func escaping(value: String, expected: String) throws {
        var buffer = JSONBuffer(capacity: 64)
        buffer.beginObject()
        buffer.field("s", value)
        buffer.endObject()
        #expect(text(buffer) == #"{"s":"# + expected + "}")
        #expect(!buffer.bytes.contains(where: { $0 < 0x20 }), "no raw control byte may remain")
        #expect(try parse(buffer)["s"] as? String == value)
    }

    @Test func everyControlByteRoundTrips() throws {
        let value = String(decoding: (0..<0x20).map { UInt8($0) } + Array("\"\\end".utf8), as: UTF8.self)
        var buffer = JSONBuffer(capacity: 512)
        buffer.beginObject()
        buffer.field("s", value)
        buffer.beginArray("l")
        buffer.element(value)
        buffer.endArray()
        buffer.endObject()
        #expect(!buffer.bytes.contains(where: { $0 < 0x20 }))
        let object = try parse(buffer)
        #expect(object["s"] as? String == value)
        #expect(object["l"] as? [String] == [value])
    }

    @Test func staticStringValuesAreEscapedToo() throws {
        var buffer = JSONBuffer(capacity: 64)
        buffer.beginObject()
        buffer.field("s", "q\"\n" as StaticString)
        buffer.endObject()
        #expect(text(buffer) == #"{"s":"q\"\n"}"#)
        #expect(try parse(buffer)["s"] as? String == "q\"\n")
    }

    @Test(arguments: [
        (0, 0, "1970-01-01T00:00:00.000000Z"),
        (1_700_000_000, 123_456, "2023-11-14T22:13:20.123456Z"),
        (951_782_400, 7, "2000-02-29T00:00:00.000007Z"),
        (1_234_567_890, 999_999, "2009-02-13T23:31:30.999999Z"),
        (253_402_300_799, 500_000, "9999-12-31T23:59:59.500000Z"),
    ])
    func timestamps(seconds: Int, microseconds: Int, expected: String) {
        var buffer = JSONBuffer(capacity: 64)
        buffer.timestamp(seconds: seconds, microseconds: microseconds)
        #expect(text(buffer) == "\"" + expected + "\"")
    }

    /// The date is formatted once per second and reused: lines in the same second, a new
    /// second, and a step back (the wall clock can be set back) all print their own time.
    @Test func timestampsReuseTheDateOnlyWithinItsSecond() {
        var buffer = JSONBuffer(capacity: 256)
        for (seconds, microseconds) in [(1_795_774_325, 1), (1_795_774_325, 999_999), (1_795_774_326, 0), (1_795_687_925, 42)] {
            buffer.timestamp(seconds: seconds, microseconds: microseconds)
            buffer.endLine()
        }
        #expect(text(buffer) == """
            "2026-11-27T10:12:05.000001Z"
            "2026-11-27T10:12:05.999999Z"
            "2026-11-27T10:12:06.000000Z"
            "2026-11-26T10:12:05.000042Z"

            """)
    }

    /// A decode error's sentence goes into the buffer piece by piece, equal to `message`.
    @Test func decodeErrorMessageIsWrittenAsItsSentence() throws {
        for reason in DecodeError.Reason.allCases {
            let error = DecodeError(layer: .udp, field: .length, offset: 24, reason: reason)
            var buffer = JSONBuffer(capacity: 256)
            buffer.beginObject()
            buffer.field("message", messageOf: error)
            buffer.endObject()
            #expect(try parse(buffer)["message"] as? String == error.message)
        }
    }

    @Test(arguments: [(7, 4, "0007"), (0, 2, "00"), (59, 2, "59"), (123_456, 6, "123456"), (5, 1, "5")])
    func padded(value: Int, width: Int, expected: String) {
        var buffer = JSONBuffer(capacity: 16)
        buffer.padded(value, width: width)
        #expect(text(buffer) == expected)
    }
}

/// The timestamp writer never traps (issue 13: a pcap's microseconds of 1,000,000 killed
/// replay with SIGILL in `padded`), whatever the integers.
@Test(arguments: [
    (Int.min, Int.min, "0000-01-01T00:00:00.000000Z"),
    (Int.max, Int.max, "9999-12-31T23:59:59.999999Z"),
    (-1, 0, "1969-12-31T23:59:59.000000Z"),
    (0, -1, "1969-12-31T23:59:59.999999Z"),
    (1_700_000_000, 1_000_000, "2023-11-14T22:13:21.000000Z"),
    (1_700_000_000, 4_294_967_295, "2023-11-14T23:24:54.967295Z"),
    (Int.max, -1, "9999-12-31T23:59:59.999999Z"),
    (-62_167_219_200, 0, "0000-01-01T00:00:00.000000Z"),
    (253_402_300_800, 0, "9999-12-31T23:59:59.999999Z"),
])
func timestampNeverTraps(seconds: Int, microseconds: Int, expected: String) {
    var buffer = JSONBuffer(capacity: 64)
    buffer.timestamp(seconds: seconds, microseconds: microseconds)
    #expect(String(decoding: buffer.bytes, as: UTF8.self) == "\"\(expected)\"")
}

@Test(arguments: [(-5, 3, "005"), (Int.min, 6, "775808"), (1_234_567, 3, "567")])
func paddedNeverTraps(value: Int, width: Int, expected: String) {
    var buffer = JSONBuffer(capacity: 64)
    buffer.padded(value, width: width)
    #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
}
