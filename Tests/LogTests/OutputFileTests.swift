import Foundation
import Testing
@testable import Log

#if canImport(Glibc)
import Glibc
#endif

/// OutputFile against the attacks issue 13 reproduced as root: planted symlinks, files and
/// hard links in world-writable directories. Run as root (as CI is), with a real "nobody".
@Suite(.serialized) struct OutputFileTests {
    let nobody: uid_t = 65534

    /// A fresh directory with `mode`, removed by the caller.
    private func directory(mode: mode_t) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outputfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, mode)
        return path
    }

    private func victim(in directory: String) throws -> String {
        let path = directory + "/victim"
        try "precious\n".write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    private func contents(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    private func refusal(_ path: String, mode: OutputFile.Mode = .truncate) -> OutputFileError.Reason? {
        do {
            close(try OutputFile.open(path, mode: mode))
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func aSymlinkIsNeverFollowedAndItsTargetIsUntouched() throws {
        let dir = try directory(mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = try victim(in: try directory(mode: 0o755))
        defer { try? FileManager.default.removeItem(atPath: (target as NSString).deletingLastPathComponent) }
        symlink(target, dir + "/verdicts.jsonl")
        for mode in [OutputFile.Mode.append, .truncate] {
            #expect(refusal(dir + "/verdicts.jsonl", mode: mode) == .symlink)
        }
        #expect(contents(target) == "precious\n")
    }

    @Test func aWorldWritableDirectoryWithoutStickyBitIsRefused() throws {
        let dir = try directory(mode: 0o777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(refusal(dir + "/capture.pcap") == .worldWritableDirectory(dir))
        #expect(!FileManager.default.fileExists(atPath: dir + "/capture.pcap"))
        // Also when it is further up the path.
        let inner = dir + "/inner"
        mkdir(inner, 0o755)
        #expect(refusal(inner + "/capture.pcap") == .worldWritableDirectory(dir))
    }

    @Test func aPlantedFileOrHardLinkInAStickyDirectoryIsRefusedUntruncated() throws {
        let dir = try directory(mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let planted = try victim(in: dir)
        chown(planted, nobody, nobody)
        #expect(refusal(planted) == .notOurs)
        #expect(contents(planted) == "precious\n")
        let private_ = try directory(mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: private_) }
        let target = try victim(in: private_)
        link(target, dir + "/hardlink")
        #expect(refusal(dir + "/hardlink") == .notOurs)
        #expect(contents(target) == "precious\n")
        mkfifo(dir + "/fifo", 0o666)
        // No reader: the non-blocking open fails (ENXIO) instead of waiting for one.
        #expect(refusal(dir + "/fifo") != nil, "refused, and without blocking")
    }

    @Test func aSymlinkedDirectoryPlantedByAnotherUserIsRefused() throws {
        let dir = try directory(mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let elsewhere = try directory(mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        let target = try victim(in: elsewhere)
        symlink(elsewhere, dir + "/logs")
        lchown(dir + "/logs", nobody, nobody)
        #expect(refusal(dir + "/logs/victim") == .plantedSymlink(dir + "/logs"))
        #expect(contents(target) == "precious\n")
    }

    @Test func ourOwnFileIsCreated0640AndTruncatedOrAppended() throws {
        let dir = try directory(mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/capture.pcap"
        let previous = umask(0o022)
        defer { umask(previous) }
        var fd = try OutputFile.open(path, mode: .truncate)
        _ = write(fd, "abc", 3)
        close(fd)
        var status = stat()
        stat(path, &status)
        #expect(status.st_mode & 0o7777 == 0o640)
        fd = try OutputFile.open(path, mode: .append)
        _ = write(fd, "d", 1)
        close(fd)
        #expect(contents(path) == "abcd")
        fd = try OutputFile.open(path, mode: .truncate)
        close(fd)
        #expect(contents(path) == "")
    }
}
