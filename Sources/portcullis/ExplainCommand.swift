import ArgumentParser
import Rules
import Serve
import SystemCalls

/// `portcullis explain --rules FILE 'PACKET'`: which rule decides a packet, and why.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which rule decides a packet, and the rules that nearly did.",
        discussion: """
            PACKET is PROTO SRC[:PORT] -> DST[:PORT] (PROTO tcp, udp, icmp, icmp6, igmp, esp, ah, vrrp or sctp; \
            ports with tcp, udp and sctp only) followed by any of: flags LETTERS, \
            type NAME|N, code NAME|N, in IFACE, out IFACE, state STATE, ttl N, length N, mark N. \
            An IPv6 address with a port is written in brackets. \
            For example: 'tcp 10.1.0.2:40000 -> 10.2.0.2:443 flags S', \
            'tcp [fd00::1]:40000 -> [fd00::2]:22 flags S', 'icmp6 fd00::1 -> fd00::2 type echo-request'. \
            A port may be left out when no rule that could decide looks at it; the last line says \
            what was assumed for what the packet leaves out and some rule looks at (ttl 64, no \
            connection state, ...). Exits 0, 1 when the rules have errors, 2 when the packet cannot \
            be read (or the verdict depends on a port it leaves out), 3 on I/O errors.
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
        var omitted: [Field] = []
        if fields.proto == .tcp || fields.proto == .udp {
            if fields.sourcePort == nil { omitted.append(.sourcePort) }
            if fields.destinationPort == nil { omitted.append(.destinationPort) }
        }
        if let (rule, field) = program.dependence(of: fields, omitted: omitted) {
            let location = program.rules[rule].location
            StandardError.write(
                "portcullis: the verdict depends on the \(field): the rule on \(location.file):\(location.line) "
                    + "matches only some; give it, as in 'tcp 10.1.0.2:40000 -> 10.2.0.2:443'\n")
            throw ExitCode(ExitStatus.usage)
        }
        print(program.render(program.explain(fields), packet: fields, sourceLine: ruleset.lines()))
        let assumed = omitted.map { "any \($0)" }
            + program.assumptions(for: fields, given: PacketDescription.givenFields(packet))
        if !assumed.isEmpty { print("assumed: " + assumed.joined(separator: ", ")) }
    }
}
