import ArgumentParser
import Wire

/// `portcullis replay`: judges the IPv4 and IPv6 packets of a capture file with the engine `run` uses.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge the packets of a pcap or pcapng capture with a rules file, offline.",
        discussion: """
            Reads Ethernet (with 802.1Q tags), raw IP (IPv4, IPv6 or both) and Linux cooked \
            (tcpdump -i any) captures through libpcap. Every IPv4 and IPv6 packet goes through \
            exactly the engine `run` uses; frames that are not IP are counted in the summary, \
            not judged, as is a frame whose IP version contradicts its EtherType. Link-layer \
            padding past the datagram's length is removed first, as the kernel does before \
            NFQUEUE sees a packet. The summary counts each family's packets and verdicts.
            With --log, writes the verdict lines `run` would (as the ruleset's `log` mode \
            says), stamped with the capture's time, with "queue":0, "packet_id" and "frame" \
            both the 1-based frame number as Wireshark shows it. An existing non-empty log is \
            refused unless --append. A frame with an impossible timestamp (microseconds of \
            1,000,000 or more) stops the replay with an error naming the frame. Ends with a summary on \
            standard output (on standard error when the log goes to standard output).
            With --compare, judges every packet with both rulesets and prints one line per \
            packet whose verdict differs, naming what decided on each side.
            Exits 0 when the capture was read to the end, 1 on rule errors, 3 on I/O errors.
            """
    )

    @Option(help: ArgumentHelp("The rules file to judge with.", valueName: "file"))
    var rules: String

    @Argument(help: ArgumentHelp("The capture file (pcap or pcapng).", valueName: "capture"))
    var capture: String

    @Option(help: ArgumentHelp("Write the verdict log here; - for standard output.", valueName: "file"))
    var log: String?

    @Flag(help: "With --log: add to an existing non-empty log (its hash chain continues) instead of refusing it.")
    var append = false

    @Option(help: ArgumentHelp("Write the accepted packets, as rebuilt, to this pcap (raw IP link type).", valueName: "file"))
    var writeAccepted: String?

    @Option(help: ArgumentHelp("A second rules file: report every packet whose verdict differs.", valueName: "file"))
    var compare: String?

    @Flag(help: """
        The capture was taken where transport checksums are offloaded (on the sending host, \
        or a veth): do not verify TCP/UDP checksums, as NFQUEUE's CSUMNOTREADY would say.
        """)
    var checksumOffload = false

    func validate() throws {
        if rules.isEmpty { throw ValidationError("--rules needs a file name") }
        if log?.isEmpty == true { throw ValidationError("--log needs a file name, or - for standard output") }
        if append, log == nil || log == "-" { throw ValidationError("--append needs --log FILE") }
        if writeAccepted?.isEmpty == true { throw ValidationError("--write-accepted needs a file name") }
        if compare?.isEmpty == true { throw ValidationError("--compare needs a rules file") }
    }

    func run() throws {
        do {
            let replayer = try Replayer(
                capture: capture, rules: rules, compare: compare, log: log, writeAccepted: writeAccepted,
                context: PacketContext(checksumNotReady: checksumOffload), append: append
            )
            try replayer.run()
        } catch {
            error.exit()
        }
    }
}
