import Testing
@testable import Rules

/// The "stateless reply rule" warning (issue 14, item 1): exact messages, with the witness.
@Suite struct StatelessRepliesTests {
    static func diagnostics(_ source: String) -> [String] {
        Program.load(source: source, file: "r.rules").diagnostics.map(\.description)
    }

    /// The old rules/web-server.rules (before issue 14), word for word: its reply rules let
    /// anyone who sends from port 53 (or 80, 443, 22) in.
    static let oldWebServer = """
        policy drop
        log control

        set admins = { 10.1.0.0/24, 192.168.7.10 }
        set web           = { 80, 443 }
        set balancers     = { 203.0.113.2, 203.0.113.3 }
        set blocked       = { 198.51.100.0/24, 192.0.2.66 }    # abusive networks, kept by hand
        set bogons        = { 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3 }
        set ephemeral     = { 1024-65535 }

        drop log any from $bogons in eth0                                   label "bogon source"
        drop log any from $blocked                                          label "blocked network"

        accept tcp from any port $ephemeral to 203.0.113.10 port $web flags S/SAFR    label "web, new"
        accept tcp from any port $ephemeral to 203.0.113.10 port $web flags A/A       label "web"
        accept tcp from 203.0.113.10 port $web to any port $ephemeral                 label "web replies"
        accept tcp from $balancers to 203.0.113.10 port 8081 length 40-1500           label "health check"
        accept tcp from 203.0.113.10 port 8081 to $balancers                          label "health check replies"

        accept tcp from $admins to 203.0.113.10 port 22                               label "admin ssh"
        accept tcp from 203.0.113.10 port 22 to $admins                               label "admin ssh replies"

        # Outbound: package updates and DNS, marked by the host's iptables mangle rules (mark 0x10).
        accept tcp from 203.0.113.10 to any port $web mark 0x10                       label "updates"
        accept tcp from any port $web to 203.0.113.10 port $ephemeral flags A/A       label "updates replies"
        accept udp from 203.0.113.10 port $ephemeral to any port 53                   label "dns"
        accept udp from any port 53 to 203.0.113.10 port $ephemeral                   label "dns replies"

        accept icmp type { echo-request, echo-reply }                                 label "ping"
        accept icmp type { destination-unreachable, time-exceeded }                   label "errors"
        """

    /// An IPv6 reply rule gets an IPv6 witness on both sides (never a mixed-family packet,
    /// which `explain` would refuse), from the documentation prefix (RFC 3849).
    @Test func anIPv6ReplyRuleHasAnIPv6Witness() {
        #expect(Self.diagnostics("accept udp from fd99:2::2 port 5353\n") == [
            "r.rules:1:1: warning: stateless reply rule: it accepts every packet from port 5353 to any port, "
                + "not only replies, as 'udp [fd99:2::2]:5353 -> [2001:db8::66]:11211'; match replies with 'state established'",
        ])
    }

    @Test func theOldWebServerRulesWarnOnEachStatelessReplyRule() {
        #expect(Self.diagnostics(Self.oldWebServer) == [
            "r.rules:16:1: warning: stateless reply rule: it accepts every packet from ports { 80, 443 } to ports 1024-65535, "
                + "not only replies, as 'tcp 203.0.113.10:80 -> 198.18.0.66:11211 flags S'; "
                + "match replies with 'state established' (or at least 'flags A/A')",
            "r.rules:18:1: warning: stateless reply rule: it accepts every packet from port 8081 to any port, "
                + "not only replies, as 'tcp 203.0.113.10:8081 -> 203.0.113.2:11211 flags S'; "
                + "match replies with 'state established' (or at least 'flags A/A')",
            "r.rules:21:1: warning: stateless reply rule: it accepts every packet from port 22 to any port, "
                + "not only replies, as 'tcp 203.0.113.10:22 -> 10.1.0.1:11211 flags S'; "
                + "match replies with 'state established' (or at least 'flags A/A')",
            "r.rules:27:1: warning: stateless reply rule: it accepts every packet from port 53 to ports 1024-65535, "
                + "not only replies, as 'udp 198.18.0.66:53 -> 203.0.113.10:11211'; match replies with 'state established'",
        ])
    }

    @Test func theWitnessIsAcceptedByItsRuleAsExplainReadsIt() throws {
        let program = try #require(Program.load(source: Self.oldWebServer, file: "r.rules").program)
        let witness = "udp 198.18.0.66:53 -> 203.0.113.10:11211"
        guard case .success(let packet) = PacketDescription.parse(witness) else {
            Issue.record("the witness does not parse")
            return
        }
        let decision = program.evaluate(packet)
        #expect(decision.action == .accept)
        #expect(program.rule(for: decision)?.label == "dns replies")
    }

    @Test(arguments: [
        "accept udp from any port 53 to 10.0.0.1 port 1024-65535 state established",
        "accept tcp from any port 22 to 10.0.0.1 flags A/A",
        "accept tcp from any port 22 to 10.0.0.1 flags A/SA",
        "accept udp from any port 53 to 10.0.0.1 port 53",            // a service's port to a service's port (NTP, IKE)
        "accept udp from any port 1024-65535 to 10.0.0.1",            // not a service's port
        "drop udp from any port 53 to 10.0.0.1",
        "accept udp from any port 53 to 10.0.0.1 port 1-1024",        // narrow: 1,024 ports
        "accept udp to 10.0.0.1 port 53",
    ])
    func rulesThatAreNotStatelessReplies(rule: String) {
        #expect(Self.diagnostics(rule) == [])
    }

    @Test func aSynFromTheServicePortIsNotAReplyEvenWithFlags() {
        #expect(Self.diagnostics("accept tcp from 10.2.0.2 port 22 to 10.1.0.0/24 flags S/SA in eth1 ttl 1-10 length 100-200 mark 7") == [
            "r.rules:1:1: warning: stateless reply rule: it accepts every packet from port 22 to any port, not only replies, "
                + "as 'tcp 10.2.0.2:22 -> 10.1.0.1:11211 flags S in eth1 ttl 1 length 100 mark 0x7'; "
                + "match replies with 'state established' (or at least 'flags A/A')",
        ])
    }

    @Test func aWitnessAvoidsTheSourcePortAndStaysInTheDestinationPorts() {
        #expect(Self.diagnostics("accept udp from any port 11211 to any port 2000-9000") == [
            "r.rules:1:1: warning: stateless reply rule: it accepts every packet from port 11211 to ports 2000-9000, not only replies, "
                + "as 'udp 198.18.0.66:11211 -> 198.18.0.66:3389'; match replies with 'state established'",
        ])
    }
}
