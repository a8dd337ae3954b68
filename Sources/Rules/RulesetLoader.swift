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
    /// The text of a name list file (`set NAME = file "PATH"`), which may be larger than a
    /// rules file: at most `maximumBytes`. By default, `load`.
    func loadNameList(_ path: String, relativeTo including: String?, maximumBytes: Int) -> Result<(path: String, text: String), LoadError>

    /// The port names `port NAME` may use (services(5)); none by default.
    var services: ServiceTable { get }
}

extension RuleSourceLoader {
    public func loadNameList(_ path: String, relativeTo including: String?, maximumBytes: Int) -> Result<(path: String, text: String), LoadError> {
        load(path, relativeTo: including)
    }
    public var services: ServiceTable { ServiceTable() }
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
    public var services: ServiceTable

    public init(_ files: [String: String], services: ServiceTable = ServiceTable()) {
        self.files = files
        self.services = services
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
    /// The names read for each `set NAME = file "PATH"`, keyed by `nameListKey(file:set:)`.
    public var nameLists: [String: NameSet] = [:]

    /// The key of the list a `set` statement in `file` read.
    public static func nameListKey(file: String, set: String) -> String { file + "\u{0}" + set }
}

/// Reads a top-level rules file and what it includes, within `RulesetLimits`.
///
/// Includes are expanded in place with an explicit stack of open files, not by recursion, so
/// no include chain can overflow the call stack; the stack is at most
/// `maximumIncludeDepth + 1` files deep. A file is read at most once per ruleset: including it
/// again is an error (a second copy of its sets would be redefinitions, of its rules dead
/// duplicates), which also makes a diamond of includes cost its files, not 2^depth of them.
public enum RulesetLoader {
    /// Fails only when the top-level file cannot be read or is larger than
    /// `limits.maximumFileBytes`; an include that cannot be read, that would read a file
    /// already being read (a cycle) or already read, or that breaks a limit is a diagnostic
    /// at its statement.
    public static func load(
        _ path: String, loader: some RuleSourceLoader, limits: RulesetLimits = .standard
    ) -> Result<LoadedSyntax, LoadError> {
        switch loader.load(path, relativeTo: nil) {
        case .failure(let error):
            return .failure(error)
        case .success(let root):
            guard root.text.utf8.count <= limits.maximumFileBytes else {
                return .failure(LoadError(reason: "larger than \(RulesetLimits.describe(bytes: limits.maximumFileBytes))"))
            }
            var expansion = IncludeExpansion(loader: loader, limits: limits)
            expansion.run(root)
            return .success(expansion.result)
        }
    }

    /// Parses text that is not in any file (`Program.load(source:file:)`); includes resolve
    /// through `loader`.
    static func load(
        source: String, file: String, loader: some RuleSourceLoader, limits: RulesetLimits = .standard
    ) -> LoadedSyntax {
        var expansion = IncludeExpansion(loader: loader, limits: limits)
        expansion.run((file, source))
        return expansion.result
    }
}

/// One expansion of a ruleset's includes; see `RulesetLoader`.
private struct IncludeExpansion<Loader: RuleSourceLoader> {
    /// A file being read: its parser holds its position.
    struct OpenFile {
        var path: String
        var parser: ParserState
    }

    let loader: Loader
    let limits: RulesetLimits
    var result = LoadedSyntax(files: [], statements: [], diagnostics: [])
    /// The include stack: the top-level file first, the file being read last.
    var stack: [OpenFile] = []
    /// Where each file read so far (but the top-level one) was included.
    var includedAt: [String: SourceLocation] = [:]
    var totalBytes = 0
    var ruleCount = 0
    /// Set by a limit that ends the whole load (files, bytes, rules).
    var stopped = false

    init(loader: Loader, limits: RulesetLimits) {
        self.loader = loader
        self.limits = limits
    }

    mutating func run(_ root: (path: String, text: String)) {
        open(root)
        while let top = stack.indices.last, !stopped {
            guard let statement = stack[top].parser.nextStatement(diagnostics: &result.diagnostics) else {
                stack.removeLast()
                continue
            }
            let file = stack[top].path
            switch statement {
            case .include(let target, let range):
                include(target.value, at: SourceLocation(file: file, position: range.start))
            case .set(let set) where set.file != nil:
                readNameList(set, in: file)
                result.statements.append(LocatedStatement(file: file, statement: statement))
            case .rule(let rule):
                ruleCount += 1
                guard ruleCount <= limits.maximumRules else {
                    report(.tooManyRules(limit: limits.maximumRules), at: SourceLocation(file: file, position: rule.range.start))
                    stopped = true
                    continue
                }
                result.statements.append(LocatedStatement(file: file, statement: statement))
            default:
                result.statements.append(LocatedStatement(file: file, statement: statement))
            }
        }
    }

    mutating func open(_ file: (path: String, text: String)) {
        totalBytes += file.text.utf8.count
        result.files.append(SourceFile(path: file.path, text: file.text))
        stack.append(OpenFile(path: file.path, parser: ParserState(source: file.text, file: file.path, limits: limits)))
    }

    mutating func report(_ message: Diagnostic.Message, at location: SourceLocation) {
        result.diagnostics.append(Diagnostic(message, at: location))
    }

    /// Checks every limit that can be checked before opening `target`, then reads it and
    /// pushes it on the stack.
    mutating func include(_ target: String, at location: SourceLocation) {
        let resolved = Loader.resolve(target, relativeTo: location.file)
        if stack.contains(where: { $0.path == resolved }) {
            return report(.includeCycle(resolved), at: location)
        }
        if let first = includedAt[resolved] {
            return report(.includedTwice(resolved, first: first), at: location)
        }
        guard stack.count <= limits.maximumIncludeDepth else {
            return report(.includeTooDeep(limit: limits.maximumIncludeDepth), at: location)
        }
        guard result.files.count < limits.maximumFiles else {
            stopped = true
            return report(.tooManyFiles(limit: limits.maximumFiles), at: location)
        }
        switch loader.load(target, relativeTo: location.file) {
        case .failure(let error):
            report(.includeUnreadable(target, reason: error.reason), at: location)
        case .success(let included) where stack.contains(where: { $0.path == included.path }):
            report(.includeCycle(included.path), at: location)
        case .success(let included):
            let size = included.text.utf8.count
            guard size <= limits.maximumFileBytes else {
                return report(.fileTooLarge(included.path, limit: limits.maximumFileBytes), at: location)
            }
            guard totalBytes + size <= limits.maximumTotalBytes else {
                stopped = true
                return report(.rulesetTooLarge(limit: limits.maximumTotalBytes), at: location)
            }
            includedAt[included.path] = location
            open(included)
        }
    }

    /// Reads the names of `set NAME = file "PATH"` (`NameList`) within the name limits; a
    /// file that cannot be read or holds a bad line is an error, so the ruleset (and a reload
    /// of it) is refused.
    mutating func readNameList(_ set: SetSyntax, in file: String) {
        guard let path = set.file else { return }
        let location = SourceLocation(file: file, position: path.range.start)
        let namesSoFar = result.nameLists.values.reduce(0) { $0 + $1.count }
        switch loader.loadNameList(path.value, relativeTo: file, maximumBytes: limits.maximumNameListBytes) {
        case .failure(let error):
            report(.nameListUnreadable(path.value, reason: error.reason), at: location)
        case .success(let list) where list.text.utf8.count > limits.maximumNameListBytes:
            report(.nameListUnreadable(list.path, reason: "larger than \(RulesetLimits.describe(bytes: limits.maximumNameListBytes))"), at: location)
        case .success(let list):
            var names = NameSet()
            let parsed = NameList.parse(
                list.text, into: &names, maximumNames: limits.maximumNames - namesSoFar, maximumProblems: limits.maximumErrorsPerFile)
            for problem in parsed.problems {
                report(problem.message, at: SourceLocation(file: list.path, line: problem.line, column: problem.column))
            }
            if parsed.tooManyNames { report(.tooManyNames(limit: limits.maximumNames), at: location) }
            // A list read by two sets, or a rules file read as a list, is one file of the ruleset.
            if !result.files.contains(where: { $0.path == list.path }) {
                result.files.append(SourceFile(path: list.path, text: list.text))
            }
            result.nameLists[LoadedSyntax.nameListKey(file: file, set: set.name.value)] = names
        }
    }
}
