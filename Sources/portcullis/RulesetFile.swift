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
    static func load(path: String, warnings: Bool = true, limits: RulesetLimits = .standard) throws(Failure) -> RulesetFile {
        let loaded: LoadedProgram
        let sources = FileRuleSources(maximumBytes: limits.maximumFileBytes)
        switch Program.load(path: path, loader: sources, shadowing: warnings, limits: limits) {
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
        lines()(location)
    }

    /// A lookup of lines of the files read, each file split into lines once, not once per
    /// line asked for (`explain` of a packet near many of 100,000 rules asks for each).
    func lines() -> (SourceLocation) -> String? {
        let split = Dictionary(files.map { ($0.path, SourceLines($0.text)) }, uniquingKeysWith: { first, _ in first })
        return { location in split[location.file]?[location.line].map { String(decoding: $0, as: UTF8.self) } }
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
///
/// Only regular files are read, and at most `maximumBytes` of each: a FIFO (or a symlink to
/// one, `/dev/stdin`, `/proc/self/fd/N` on a pipe), a directory or a device such as
/// `/dev/zero` is refused with a reason, without blocking and without reading it.
struct FileRuleSources: RuleSourceLoader {
    var maximumBytes = RulesetLimits.standard.maximumFileBytes

    func load(_ path: String, relativeTo including: String?) -> Result<(path: String, text: String), LoadError> {
        let resolved = Self.resolve(path, relativeTo: including)
        do {
            let bytes = try Self.readRegularFile(resolved, maximumBytes: maximumBytes)
            return .success((resolved, String(decoding: bytes, as: UTF8.self)))
        } catch {
            return .failure(error)
        }
    }

    /// Reads the whole of `path` if it is a regular file of at most `maximumBytes`.
    /// Never blocks: the file is opened with `O_NONBLOCK` (a FIFO with no writer would
    /// otherwise block `open` forever), and its type is checked on the open descriptor with
    /// `fstat` before anything is read, so nothing can be swapped in between.
    static func readRegularFile(_ path: String, maximumBytes: Int) throws(LoadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw LoadError(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LoadError(reason: String(cString: strerror(errno))) }
        if let kind = nonRegularKind(status.st_mode) { throw LoadError(reason: "not a regular file (\(kind))") }
        // st_size is only a hint (files in /proc say 0): the cap is enforced on what is read.
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return result }
            if count < 0 {
                if errno == EINTR { continue }
                throw LoadError(reason: String(cString: strerror(errno)))
            }
            guard result.count + count <= maximumBytes else {
                throw LoadError(reason: "larger than \(RulesetLimits.describe(bytes: maximumBytes))")
            }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    /// "a FIFO", "a directory", ... for a file type that is not regular; nil for a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFIFO: "a FIFO"
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "of an unknown type"
        }
    }
}
