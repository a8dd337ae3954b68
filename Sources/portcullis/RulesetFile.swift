import Log
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// A rules file read from disk with its includes, compiled, and identified by a SHA-256.
struct RulesetFile {
    var path: String
    var program: Program
    /// SHA-256 of the file's bytes when it includes nothing (so `sha256sum FILE` agrees);
    /// with includes, of every file read in include order, each framed as
    /// `PATH NUL BYTE-COUNT NUL TEXT`, so that editing any included file changes it.
    var sha256: String
    var diagnostics: [Diagnostic]
    var files: [SourceFile]

    /// Probes the start-up self-check compared between the compiled index and the reference.
    var ruleProbes = 0

    /// Reads and compiles `path`, then checks the compiled program against the plain
    /// reference evaluator. Throws a `Failure` with status 3 when the file cannot be read or
    /// the check fails, or status 1, with every diagnostic rendered, when the rules have errors.
    /// `warnings: false` (for `run`, its reloads and `replay`) skips the shadowing analysis,
    /// which on 10,000 rules takes seconds that a reload would spend not judging packets.
    static func load(path: String, warnings: Bool = true) throws(Failure) -> RulesetFile {
        let loaded: LoadedProgram
        switch Program.load(path: path, loader: FileRuleSources(), shadowing: warnings) {
        case .success(let result): loaded = result
        case .failure(let error):
            throw Failure(message: "cannot read rules file \(path): \(error.reason)", status: ExitStatus.io)
        }
        guard let program = loaded.program else {
            throw Failure(
                message: render(loaded.diagnostics, files: loaded.files), status: ExitStatus.ruleErrors,
                lines: loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
            )
        }
        // A miscompiled ruleset must not go live: the index must decide as the reference does.
        let check = program.selfCheck()
        if let mismatch = check.mismatch {
            throw Failure(
                message: "self-test failed for \(path): the compiled rules disagree with the reference on \(mismatch)",
                status: ExitStatus.io)
        }
        return RulesetFile(
            path: path, program: program, sha256: digest(loaded.files), diagnostics: loaded.diagnostics,
            files: loaded.files, ruleProbes: check.probes)
    }

    static func digest(_ files: [SourceFile]) -> String {
        var hasher = SHA256Hasher()
        if files.count == 1 {
            hasher.update(Array(files[0].text.utf8))
        } else {
            for file in files {
                hasher.update(Array("\(file.path)\0\(file.text.utf8.count)\0".utf8))
                hasher.update(Array(file.text.utf8))
            }
        }
        return hasher.finalizeHex()
    }

    /// Every diagnostic in pf style, with its source line and a caret. Each file is split
    /// into lines once, not once per diagnostic (thousands of warnings on a large file).
    static func render(_ diagnostics: [Diagnostic], files: [SourceFile]) -> String {
        let lines = Dictionary(files.map { ($0.path, SourceLines($0.text)) }, uniquingKeysWith: { first, _ in first })
        return diagnostics.map { diagnostic in
            diagnostic.rendered(lines: lines[diagnostic.location.file] ?? SourceLines(""))
        }.joined(separator: "\n")
    }

    /// The text of line `location.line` of its file, if it was read.
    func line(at location: SourceLocation) -> String? {
        guard let text = files.first(where: { $0.path == location.file })?.text else { return nil }
        var current = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == location.line { return String(line) }
            current += 1
        }
        return nil
    }

    /// Reads a whole file, with the operator-facing error on failure.
    static func readFile(_ path: String) throws(LoadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoadError(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw LoadError(reason: String(cString: strerror(errno)))
            }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }
}

/// Rule sources read from the file system, includes resolved beside the including file.
struct FileRuleSources: RuleSourceLoader {
    func load(_ path: String, relativeTo including: String?) -> Result<(path: String, text: String), LoadError> {
        let resolved = Self.resolve(path, relativeTo: including)
        do {
            let bytes = try RulesetFile.readFile(resolved)
            return .success((resolved, String(decoding: bytes, as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }
}
