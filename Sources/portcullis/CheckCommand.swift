import ArgumentParser
import Rules
import Serve
import SystemCalls

/// `portcullis check FILE`: validates a rules file the way `run` would load it.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a rules file and report every error and warning.",
        discussion: """
            Prints each problem as FILE:LINE:COL: error: MESSAGE (or warning:) with the \
            offending line and a caret, for every problem in the file and the files it \
            includes. Exits 0 when the file is valid (warnings allowed unless --strict), 1 when \
            it has errors, 3 when it cannot be read.
            """
    )

    @Argument(help: "The rules file to check.")
    var file: String

    @Flag(help: "Fail (exit 1) on warnings too.")
    var strict = false

    func run() throws {
        let ruleset: RulesetFile
        do {
            ruleset = try RulesetFile.load(path: file)
        } catch {
            if error.kind == .ruleErrors {
                StandardError.write(error.message + "\n")
                throw ExitCode(ExitStatus.ruleErrors)
            }
            Failure(error).exit()
        }
        if !ruleset.diagnostics.isEmpty {
            StandardError.write(RulesetFile.render(ruleset.diagnostics, files: ruleset.files) + "\n")
            if strict {
                StandardError.write("\(file): \(ruleset.diagnostics.count) warning(s), failing because of --strict\n")
                throw ExitCode(ExitStatus.ruleErrors)
            }
        }
        let program = ruleset.program
        print("\(file): ok: \(program.rules.count) rules, policy \(program.policy.rawValue), log \(program.logMode.rawValue), sha256 \(ruleset.sha256)")
        let shape = program.indexShape
        if !shape.keyFields.isEmpty {
            let fields = shape.keyFields.map(\.description).joined(separator: ", ")
            let fallback = shape.fallbackRules == 0
                ? "every rule keyed"
                : "\(shape.fallbackRules) rules overlap too much to be keyed and are matched by bitset (their cost grows with their number)"
            print("\(file): index: rules keyed by \(fields); \(fallback)")
        }
    }
}
