import ArgumentParser
import Rules
import Serve
import SystemCalls

/// `portcullis explain --rules FILE 'PACKET'`: which rule decides a packet, and why.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which rule decides a packet, and the rules that nearly did.",
        discussion: """
            PACKET is PROTO SRC[:PORT] -> DST[:PORT] followed by any of: flags LETTERS, \
            type NAME|N, code NAME|N, in IFACE, out IFACE, state STATE, ttl N, length N, mark N. \
            For example: 'tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S'. \
            Exits 0, 1 when the rules have errors, 2 when the packet cannot be read, 3 on I/O errors.
            """
    )

    @Option(help: ArgumentHelp("The rules file.", valueName: "file"))
    var rules: String

    @Argument(help: "The packet, as in 'tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S'.")
    var packet: String

    func run() throws {
        // Read once without the rules, so a bad packet is reported before the rules are loaded.
        if case .failure(let diagnostic) = PacketDescription.parse(packet) {
            let caret = String(repeating: " ", count: max(diagnostic.location.column - 1, 0)) + "^"
            StandardError.write("portcullis: cannot read the packet: \(diagnostic.message)\n  \(packet)\n  \(caret)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let ruleset: RulesetFile
        do {
            ruleset = try RulesetFile.load(path: rules, warnings: false)
        } catch {
            if error.kind == .ruleErrors {
                StandardError.write(error.message + "\n")
                throw ExitCode(ExitStatus.ruleErrors)
            }
            Failure(error).exit()
        }
        let program = ruleset.program
        // A `dns QNAME TYPE` query is judged against the program's name lists.
        guard case .success(let fields) = PacketDescription.parse(packet, program: program) else { return }
        print(program.render(program.explain(fields), packet: fields, sourceLine: ruleset.lines()))
    }
}
