import Log
import Rules

/// Why a rules file was not loaded; `message` is for the operator, `lines` for the log.
public struct RulesetLoadError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The file (or an include) could not be read.
        case unreadable
        /// The rules have errors; `message` renders every diagnostic.
        case ruleErrors
        /// The compiled rules disagree with the reference evaluator.
        case selfCheckFailed
        /// The system refused what the new rules need (conntrack state on the queue).
        case system
    }

    public var kind: Kind
    public var message: String
    /// One line per problem (for rule errors, each diagnostic's first line).
    public var lines: [String]
    /// For rule errors: every diagnostic, and the files read (to render them, or write them
    /// as JSON).
    public var diagnostics: [Diagnostic] = []
    public var files: [SourceFile] = []

    public init(kind: Kind, message: String, lines: [String]? = nil) {
        self.kind = kind
        self.message = message
        self.lines = lines ?? [message]
    }

    public var description: String { message }
}

/// A rules file read from disk with its includes, compiled, and identified by a SHA-256.
public struct RulesetFile: Sendable {
    public var path: String
    public var program: Program
    /// SHA-256 of the file's bytes when it includes nothing (so `sha256sum FILE` agrees);
    /// with includes, of every file read in include order, each framed as
    /// `PATH NUL BYTE-COUNT NUL TEXT`, so that editing any included file changes it.
    public var sha256: String
    public var diagnostics: [Diagnostic]
    public var files: [SourceFile]

    /// Probes the start-up self-check compared between the compiled index and the reference.
    public var ruleProbes = 0

    /// Reads and compiles `path`, then checks the compiled program against the plain
    /// reference evaluator. Throws `unreadable` or `selfCheckFailed`, or `ruleErrors` with every
    /// diagnostic rendered. After it returns, the program is safe to serve.
    /// `warnings: false` (for `run`, its reloads and `replay`) skips the shadowing analysis,
    /// which on 10,000 rules takes seconds that a reload would spend not judging packets.
    public static func load(path: String, warnings: Bool = true, limits: RulesetLimits = .standard) throws(RulesetLoadError) -> RulesetFile {
        let loaded: LoadedProgram
        let sources = FileRuleSources(maximumBytes: limits.maximumFileBytes)
        switch Program.load(path: path, loader: sources, shadowing: warnings, limits: limits) {
        case .success(let result): loaded = result
        case .failure(let error):
            throw RulesetLoadError(kind: .unreadable, message: "cannot read rules file \(path): \(error.reason)")
        }
        return try make(path: path, loaded: loaded)
    }

    /// The ruleset from a loaded program: throws `ruleErrors` or `selfCheckFailed`.
    static func make(path: String, loaded: LoadedProgram) throws(RulesetLoadError) -> RulesetFile {
        guard let program = loaded.program else {
            var error = RulesetLoadError(
                kind: .ruleErrors, message: render(loaded.diagnostics, files: loaded.files),
                lines: loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
            )
            error.diagnostics = loaded.diagnostics
            error.files = loaded.files
            throw error
        }
        // A miscompiled ruleset must not go live: the index must decide as the reference does.
        let check = program.selfCheck()
        if let mismatch = check.mismatch {
            throw RulesetLoadError(
                kind: .selfCheckFailed,
                message: "self-test failed for \(path): the compiled rules disagree with the reference on \(mismatch)")
        }
        return RulesetFile(
            path: path, program: program, sha256: digest(loaded.files), diagnostics: loaded.diagnostics,
            files: loaded.files, ruleProbes: check.probes)
    }

    /// The ruleset's identity in the log (see `sha256`).
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
    public static func render(_ diagnostics: [Diagnostic], files: [SourceFile]) -> String {
        let lines = Dictionary(files.map { ($0.path, SourceLines($0.text)) }, uniquingKeysWith: { first, _ in first })
        return diagnostics.map { diagnostic in
            diagnostic.rendered(lines: lines[diagnostic.location.file] ?? SourceLines(""))
        }.joined(separator: "\n")
    }

    /// The text of line `location.line` of its file, if it was read.
    public func line(at location: SourceLocation) -> String? {
        lines()(location)
    }

    /// A lookup of lines of the files read, each file split into lines once, not once per
    /// line asked for (`explain` of a packet near many of 100,000 rules asks for each).
    public func lines() -> (SourceLocation) -> String? {
        let split = Dictionary(files.map { ($0.path, SourceLines($0.text)) }, uniquingKeysWith: { first, _ in first })
        return { location in split[location.file]?[location.line].map { String(decoding: $0, as: UTF8.self) } }
    }
}
