import ArgumentParser
import Rules

/// `portcullis check FILE`: validates a rules file the way `run` would load it.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a rules file and report every error and warning.",
        discussion: """
            Prints each problem as FILE:LINE:COL: error: MESSAGE with the offending line \
            and a caret. Exits 0 when the file is valid (warnings allowed), 1 when it has \
            errors, 3 when it cannot be read.
            """
    )

    @Argument(help: "The rules file to check.")
    var file: String

    func run() throws {
        let ruleset: RulesetFile
        do {
            ruleset = try RulesetFile.load(path: file)
        } catch {
            if error.status == ExitStatus.ruleErrors {
                FileHandleStream.standardError.write(error.message + "\n")
                throw ExitCode(ExitStatus.ruleErrors)
            }
            error.exit()
        }
        if !ruleset.diagnostics.isEmpty {
            FileHandleStream.standardError.write(RulesetFile.render(ruleset.diagnostics, source: ruleset.source) + "\n")
        }
        let program = ruleset.program
        print("\(file): ok: \(program.rules.count) rules, policy \(program.policy.rawValue), log \(program.logMode.rawValue), sha256 \(ruleset.sha256)")
    }
}
