import CZlib
import Foundation
import Testing
@testable import Log
@testable import Reporting

/// ReportReader's bounds: line length, gzip framing, decompressed size and expansion.
@Suite struct ReportReaderTests {
    private func file(_ data: Data) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    private func gzip(_ data: Data) throws -> Data {
        let path = file(Data()) + ".gz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(gzopen(path, "wb9"))
        data.withUnsafeBytes { _ = gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        gzclose(handle)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Every line (nil for an overlong one), and the error that ended the read, if any.
    private func read(_ data: Data, limits: ReportReader.Limits = .init()) throws -> (lines: [String?], error: ReportReadError?) {
        let path = file(data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try ReportReader(path: path, limits: limits)
        var lines: [String?] = []
        do {
            try reader.forEachLine { line in lines.append(line.map { String(decoding: $0, as: UTF8.self) }) }
        } catch {
            return (lines, error)
        }
        return (lines, nil)
    }

    @Test func plainAndGzipReadTheSame() throws {
        let text = Data("a\nbb\n\nccc".utf8)
        #expect(try read(text).lines == ["a", "bb", "", "ccc"])
        #expect(try read(try gzip(text)).lines == ["a", "bb", "", "ccc"])
        #expect(try read(try gzip(Data("a\n".utf8)) + gzip(Data("b\n".utf8))).lines == ["a", "b"])
    }

    @Test func overlongLinesAreHandedOverAsDamaged() throws {
        var limits = ReportReader.Limits()
        limits.maximumLineLength = 10
        let result = try read(Data(("x\n" + String(repeating: "y", count: 11) + "\nz\n").utf8), limits: limits)
        #expect(result.lines == ["x", nil, "z"] && result.error == nil)
    }

    @Test func trailingGarbageEndsTheReadAsDamageAfterTheLines() throws {
        let result = try read(try gzip(Data("a\nb\n".utf8)) + Data([0, 0, 0, 1]))
        #expect(result.lines == ["a", "b"])
        #expect(result.error?.isDamage == true && result.error?.message.contains("trailing garbage") == true)
    }

    @Test func aCutGzipStreamIsDamage() throws {
        let compressed = try gzip(Data(String(repeating: "line\n", count: 1000).utf8))
        let result = try read(compressed.prefix(compressed.count - 4))
        #expect(result.error?.isDamage == true)
    }

    @Test func aGzipBombStopsAtTheExpansionLimit() throws {
        var limits = ReportReader.Limits()
        limits.expansionGrace = 1 << 20
        let bomb = try gzip(Data(count: 64 << 20))   // 64 MiB of zeros: about 64 KiB compressed
        let result = try read(bomb, limits: limits)
        #expect(result.error?.isDamage == true && result.error?.message.contains("expands") == true)
    }

    @Test func decompressedSizeIsLimited() throws {
        var limits = ReportReader.Limits()
        limits.maximumDecompressedBytes = 1000
        let result = try read(try gzip(Data(String(repeating: "0123456789\n", count: 200).utf8)), limits: limits)
        #expect(result.error?.isDamage == true && result.error?.message.contains("decompressed bytes") == true)
    }
}
