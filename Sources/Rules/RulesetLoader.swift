/// Why a rules file could not be read, in the operator's words (e.g. "No such file or directory").
public struct LoadError: Error, Equatable, Sendable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

/// Where rule text comes from. The CLI reads files; tests serve an in-memory map. Rules itself
/// does no I/O (docs/architecture.md), so `include` goes through this.
public protocol RuleSourceLoader {
    /// The text of `path`, resolved against the file that includes it (`relativeTo`, nil for
    /// the top-level file). Returns the resolved path, which names the file in diagnostics.
    func load(_ path: String, relativeTo including: String?) -> Result<(path: String, text: String), LoadError>
}

extension RuleSourceLoader {
    /// `path` as written, or beside `including` when relative: `include "admins.rules"` in
    /// `rules/site.rules` is `rules/admins.rules`.
    /// `.` and `dir/..` segments are removed, so one file has one name (for cycle detection).
    public static func resolve(_ path: String, relativeTo including: String?) -> String {
        guard let including, !path.hasPrefix("/"), let slash = including.lastIndex(of: "/") else { return path }
        var parts: [Substring] = []
        for part in (String(including[...slash]) + path).split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}

/// Rule files held in memory, keyed by resolved path (for tests and `explain`'s fixtures).
public struct InMemoryRuleSources: RuleSourceLoader, Sendable {
    public var files: [String: String]

    public init(_ files: [String: String]) {
        self.files = files
    }

    public func load(_ path: String, relativeTo including: String?) -> Result<(path: String, text: String), LoadError> {
        let resolved = Self.resolve(path, relativeTo: including)
        guard let text = files[resolved] else { return .failure(LoadError(reason: "No such file or directory")) }
        return .success((resolved, text))
    }
}

/// One rules file as read.
public struct SourceFile: Equatable, Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// A statement and the file it was written in.
public struct LocatedStatement: Equatable, Sendable {
    public var file: String
    public var statement: StatementSyntax

    public init(file: String, statement: StatementSyntax) {
        self.file = file
        self.statement = statement
    }
}

/// A ruleset with its includes expanded in place: every file read (in include order, the
/// top-level file first), every statement in evaluation order, and the parse diagnostics.
public struct LoadedSyntax: Sendable {
    public var files: [SourceFile]
    public var statements: [LocatedStatement]
    public var diagnostics: [Diagnostic]
}

/// Reads a top-level rules file and, recursively, what it includes.
public enum RulesetLoader {
    /// Fails only when the top-level file cannot be read; an include that cannot be read, or
    /// that would read a file already being read (a cycle), is a diagnostic at its statement.
    public static func load(_ path: String, loader: some RuleSourceLoader) -> Result<LoadedSyntax, LoadError> {
        switch loader.load(path, relativeTo: nil) {
        case .failure(let error):
            return .failure(error)
        case .success(let root):
            var result = LoadedSyntax(files: [], statements: [], diagnostics: [])
            expand(root, loader: loader, reading: [], into: &result)
            return .success(result)
        }
    }

    /// Parses text that is not in any file (`Program.load(source:file:)`); includes resolve
    /// through `loader`.
    static func load(source: String, file: String, loader: some RuleSourceLoader) -> LoadedSyntax {
        var result = LoadedSyntax(files: [], statements: [], diagnostics: [])
        expand((file, source), loader: loader, reading: [], into: &result)
        return result
    }

    private static func expand(
        _ file: (path: String, text: String), loader: some RuleSourceLoader, reading: [String],
        into result: inout LoadedSyntax
    ) {
        result.files.append(SourceFile(path: file.path, text: file.text))
        let (syntax, diagnostics) = Parser.parse(file.text, file: file.path)
        result.diagnostics += diagnostics
        let reading = reading + [file.path]
        for statement in syntax.statements {
            guard case .include(let target, let range) = statement else {
                result.statements.append(LocatedStatement(file: file.path, statement: statement))
                continue
            }
            let location = SourceLocation(file: file.path, position: range.start)
            switch loader.load(target.value, relativeTo: file.path) {
            case .failure(let error):
                result.diagnostics.append(Diagnostic(.includeUnreadable(target.value, reason: error.reason), at: location))
            case .success(let included) where reading.contains(included.path):
                result.diagnostics.append(Diagnostic(.includeCycle(included.path), at: location))
            case .success(let included):
                expand(included, loader: loader, reading: reading, into: &result)
            }
        }
    }
}
