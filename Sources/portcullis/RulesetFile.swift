import Crypto
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// A rules file read from disk, compiled, and identified by the SHA-256 of its bytes.
struct RulesetFile {
    var path: String
    var program: Program
    var sha256: String
    var diagnostics: [Diagnostic]
    var source: String

    /// Reads and compiles `path`. Throws a `Failure` with status 3 when the file cannot be
    /// read, or status 1, with every diagnostic rendered, when the rules have errors.
    static func load(path: String) throws(Failure) -> RulesetFile {
        let bytes = try readFile(path)
        let source = String(decoding: bytes, as: UTF8.self)
        let (program, diagnostics) = Program.load(source: source, file: path)
        let digest = SHA256.hash(data: bytes).map { byte in
            let hex = Array("0123456789abcdef")
            return String([hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }.joined()
        guard let program else {
            throw Failure(
                message: render(diagnostics, source: source), status: ExitStatus.ruleErrors,
                lines: diagnostics.filter { $0.severity == .error }.map(\.description)
            )
        }
        return RulesetFile(path: path, program: program, sha256: digest, diagnostics: diagnostics, source: source)
    }

    /// Every diagnostic in pf style, with its source line and a caret.
    static func render(_ diagnostics: [Diagnostic], source: String) -> String {
        diagnostics.map { $0.rendered(source: source) }.joined(separator: "\n")
    }

    /// Reads a whole file, with the operator-facing error on failure.
    static func readFile(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(message: "cannot read rules file \(path): \(String(cString: strerror(errno)))", status: ExitStatus.io)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(message: "cannot read rules file \(path): \(String(cString: strerror(errno)))", status: ExitStatus.io)
            }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }
}
