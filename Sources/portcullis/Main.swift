import ArgumentParser
import CLinux
import Serve
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// The `portcullis` command. Exit codes: 0 ok, 1 rule errors, 2 usage, 3 I/O or system.
@main
struct Portcullis: ParsableCommand {
    static let version = "0.1.0"
    /// The commit the build came from (`scripts/package` injects it), or "unknown commit".
    static let commit = String(cString: pcs_build_commit())

    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "A strict userspace packet filter behind iptables NFQUEUE.",
        discussion: """
            Packets reach Portcullis through an iptables rule such as
              iptables -A FORWARD -j NFQUEUE --queue-num 0
            Each is decoded completely, judged by the rules file (first match wins, \
            default deny), and dropped or accepted as rebuilt from its decoded form. \
            Every drop is written to the verdict log as one JSON line.
            """,
        version: "\(version) (\(commit == "unknown commit" ? commit : "commit " + commit))",
        subcommands: [Run.self, Check.self, Explain.self, Replay.self, Report.self, Status.self]
    )

    /// Parses and runs, mapping ArgumentParser's usage failures to exit status 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                StandardError.write(fullMessage(for: error) + "\n")
                Glibc.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses (README: 0 ok, 1 rule errors, 2 usage, 3 I/O or system error).
enum ExitStatus {
    static let ruleErrors: Int32 = 1
    static let usage: Int32 = 2
    static let io: Int32 = 3
    /// `replay --compare` found packets the two rulesets judge differently (diff's 1).
    static let differencesFound = ExitCode(1)
}

/// An error already explained to the operator in one line; carries the exit status.
struct Failure: Error, CustomStringConvertible {
    var message: String
    var status: Int32
    /// One line per problem (for rule errors, each diagnostic's first line), for logs.
    var lines: [String]

    init(message: String, status: Int32, lines: [String]? = nil) {
        self.message = message
        self.status = status
        self.lines = lines ?? [message]
    }

    var description: String { message }

    /// A rules file that did not load: status 1 for rule errors, 3 for anything else.
    init(_ error: RulesetLoadError) {
        self.init(
            message: error.message, status: error.kind == .ruleErrors ? ExitStatus.ruleErrors : ExitStatus.io,
            lines: error.lines)
    }
}

extension Failure {
    /// Prints `portcullis: message` on stderr and exits with the failure's status.
    func exit() -> Never {
        StandardError.write("portcullis: \(message)\n")
        Glibc.exit(status)
    }
}
