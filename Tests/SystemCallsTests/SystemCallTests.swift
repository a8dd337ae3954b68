import SystemPackage
import Testing

@testable import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SystemCallTests {
    @Test func retryingInterruptsRetriesEINTRAndThrowsTheRest() {
        var calls = 0
        let result = try? SystemCall.retryingInterrupts { () -> Int32 in
            calls += 1
            if calls < 3 { errno = EINTR; return -1 }
            return 7
        }
        #expect(result == 7 && calls == 3)
        #expect(throws: Errno.badFileDescriptor) {
            try SystemCall.retryingInterrupts { close(-1) }
        }
    }

    @Test func checkedCallsOnceAndCapturesErrno() {
        var calls = 0
        #expect(throws: Errno.interrupted) {
            try SystemCall.checked { () -> Int32 in
                calls += 1
                errno = EINTR
                return -1
            }
        }
        #expect(calls == 1)
    }
}

@Suite struct WriteAllTests {
    @Test func writesEverythingThroughAPipe() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let bytes: [UInt8] = Array("hello, world\n".utf8)
        let result = bytes.withUnsafeBytes { SystemCall.writeAll(ends[1], $0) }
        close(ends[1])
        #expect(result.written == bytes.count && result.failure == nil)
        var back = [UInt8](repeating: 0, count: 64)
        let count = back.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
        #expect(Array(back[0..<count]) == bytes)
    }

    @Test func reportsTheErrnoAndWhatWasWritten() {
        let bytes: [UInt8] = [1, 2, 3]
        let result = bytes.withUnsafeBytes { SystemCall.writeAll(-1, $0) }
        #expect(result.written == 0 && result.failure == .badFileDescriptor)
    }
}

@Suite struct WholeFileTests {
    @Test func readsSmallKernelFilesAndCapsTheRest() throws {
        let text = try WholeFile.read("/proc/self/status")
        #expect(String(decoding: text, as: UTF8.self).contains("CapEff:"))
        #expect(throws: WholeFile.Failure.tooLarge(limit: 4)) { try WholeFile.read("/proc/self/status", maximumBytes: 4) }
        #expect(try WholeFile.readPrefix("/proc/self/status", count: 4) == Array("Name".utf8))
        #expect(throws: WholeFile.Failure.system(.noSuchFileOrDirectory)) { try WholeFile.read("/nonexistent/portcullis") }
    }

    @Test func readRegularRefusesWhatIsNotAFileWithoutBlocking() throws {
        #expect(throws: WholeFile.Failure.notRegular(kind: "a directory")) { try WholeFile.readRegular("/tmp", maximumBytes: 10) }
        #expect(throws: WholeFile.Failure.notRegular(kind: "a character device")) {
            try WholeFile.readRegular("/dev/zero", maximumBytes: 10)
        }
        var template = Array("/tmp/portcullis-fifo-XXXXXX".utf8CString)
        let directory = String(cString: mkdtemp(&template)!)
        defer { rmdir(directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        // No writer: a blocking open would hang here.
        #expect(throws: WholeFile.Failure.notRegular(kind: "a FIFO")) { try WholeFile.readRegular(fifo, maximumBytes: 10) }
    }
}
