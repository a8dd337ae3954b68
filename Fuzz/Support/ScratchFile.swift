// Scratch files for the fuzz targets that go through file paths (libpcap, the log writer).

#if canImport(Glibc)
import Glibc
#endif

/// A scratch file in /dev/shm (memory, not disk) private to this fuzzing process.
func scratchPath(_ name: String) -> String {
    "/dev/shm/portcullis-fuzz-\(getpid())-\(name)"
}

/// Replaces the file at `path` with `bytes`.
func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write the scratch file \(path)")
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        precondition(written > 0, "short write to the scratch file")
        offset += written
    }
    close(fd)
}

/// The whole file at `path`.
func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    precondition(fd >= 0, "cannot read the scratch file \(path)")
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        out += chunk[..<count]
    }
    return out
}
