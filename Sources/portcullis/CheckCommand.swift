import ArgumentParser
import Log
import Rules
import Serve
import SystemCalls

/// `portcullis check FILE...`: validates rules files the way `run` would load them.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check rules files and report every error and warning.",
        discussion: """
            Prints each problem as FILE:LINE:COL: error: MESSAGE (or warning:) with the \
            offending line and a caret, for every problem in each file and the files it \
            includes. A file named - is standard input (called <stdin>; its includes are \
            relative to the current directory). Exits 0 when every file is valid (warnings \
            allowed unless --strict), 1 when one has errors, 3 when one cannot be read.
            """
    )

    /// How the result is written.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The rules files to check; - reads standard input.")
    var files: [String]

    @Flag(help: "Fail (exit 1) on warnings too.")
    var strict = false

    @Flag(help: "Also say how the compiled index holds the rules.")
    var verbose = false

    @Option(help: "text, or json: one JSON document on standard output (for CI), nothing on standard error.")
    var format: Format = .text

    func run() throws {
        var results: [CheckResult] = []
        for file in files {
            let result = CheckResult.check(file, strict: strict)
            if format == .text { result.printText(verbose: verbose) }
            results.append(result)
        }
        if format == .json { print(CheckResult.json(results, strict: strict)) }
        let status = results.map(\.status).max() ?? 0
        if status != 0 { throw ExitCode(status) }
    }
}

/// One file's outcome.
struct CheckResult {
    var name: String
    var strict: Bool
    /// The message when the file could not be read (exit 3).
    var unreadable: String?
    var diagnostics: [Diagnostic] = []
    var sourceFiles: [SourceFile] = []
    /// The loaded ruleset, when it has no errors.
    var ruleset: RulesetFile?

    static let standardInputName = "<stdin>"

    static func check(_ file: String, strict: Bool) -> CheckResult {
        let name = file == "-" ? standardInputName : file
        var result = CheckResult(name: name, strict: strict)
        do {
            let ruleset: RulesetFile
            if file == "-" {
                guard let text = readStandardInput(limit: RulesetLimits.standard.maximumFileBytes) else {
                    result.unreadable = "cannot read rules file \(name): larger than \(RulesetLimits.describe(bytes: RulesetLimits.standard.maximumFileBytes))"
                    return result
                }
                ruleset = try RulesetFile.load(text: text, name: name)
            } else {
                ruleset = try RulesetFile.load(path: file)
            }
            result.ruleset = ruleset
            result.diagnostics = ruleset.diagnostics
            result.sourceFiles = ruleset.files
        } catch {
            if error.kind == .ruleErrors {
                result.diagnostics = error.diagnostics
                result.sourceFiles = error.files
            } else {
                result.unreadable = error.message
            }
        }
        return result
    }

    /// Standard input, or nil when it holds more than `limit` bytes.
    static func readStandardInput(limit: Int) -> String? {
        var text = ""
        var count = 0
        while let line = readLine(strippingNewline: false) {
            count += line.utf8.count
            if count > limit { return nil }
            text += line
        }
        return text
    }

    var errorCount: Int { diagnostics.count { $0.severity == .error } }
    var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// 3 unreadable, 1 errors (or warnings under --strict), else 0.
    var status: Int32 {
        if unreadable != nil { return ExitStatus.io }
        if errorCount > 0 || (strict && warningCount > 0) { return ExitStatus.ruleErrors }
        return 0
    }

    func printText(verbose: Bool) {
        if let unreadable {
            StandardError.write("portcullis: \(unreadable)\n")
            return
        }
        if !diagnostics.isEmpty {
            StandardError.write(RulesetFile.render(diagnostics, files: sourceFiles) + "\n")
        }
        guard let ruleset else { return }
        if strict && warningCount > 0 {
            StandardError.write("\(name): \(counted(warningCount, "warning")), failing because of --strict\n")
            return
        }
        let program = ruleset.program
        print("\(name): ok: \(counted(program.rules.count, "rule")), policy \(program.policy.rawValue), log \(program.logMode.rawValue), sha256 \(ruleset.sha256)")
        let shape = program.indexShape
        if verbose, !shape.keyFields.isEmpty {
            let fields = shape.keyFields.map(\.description).joined(separator: ", ")
            let fallback = shape.fallbackRules == 0
                ? "every rule keyed"
                : "\(counted(shape.fallbackRules, "rule")) overlap too much to be keyed and are matched by bitset (their cost grows with their number)"
            print("\(name): index: rules keyed by \(fields); \(fallback)")
        }
    }

    /// `{"ok":BOOL,"files":[{"file":...,"status":...,...,"diagnostics":[...]}]}`.
    static func json(_ results: [CheckResult], strict: Bool) -> String {
        var json = JSONBuffer(capacity: 4096)
        json.beginObject()
        json.field("ok", results.allSatisfy { $0.status == 0 })
        json.field("strict", strict)
        json.beginArray("files")
        for result in results { result.writeJSON(into: &json) }
        json.endArray()
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    func writeJSON(into json: inout JSONBuffer) {
        json.beginObject()
        json.field("file", name)
        if let unreadable {
            json.field("status", "unreadable")
            json.field("message", unreadable)
            json.endObject()
            return
        }
        json.field("status", status == 0 ? "ok" : errorCount > 0 ? "errors" : "warnings")
        json.field("errors", errorCount)
        json.field("warnings", warningCount)
        if let ruleset {
            json.field("rules", ruleset.program.rules.count)
            json.field("policy", ruleset.program.policy.rawValue)
            json.field("log", ruleset.program.logMode.rawValue)
            json.field("sha256", ruleset.sha256)
        }
        json.beginArray("diagnostics")
        for diagnostic in diagnostics {
            json.beginObject()
            json.field("file", diagnostic.location.file)
            json.field("line", diagnostic.location.line)
            json.field("column", diagnostic.location.column)
            json.field("severity", diagnostic.severity.rawValue)
            json.field("message", diagnostic.message.description)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

/// "1 rule", "2 rules".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
