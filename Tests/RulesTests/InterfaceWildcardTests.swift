import Testing
import Wire
@testable import Rules

/// iptables' interface wildcard `eth+` (issue 14, item 2): the compiled index, the reference
/// evaluator and the shadowing analysis agree on it.
@Suite struct InterfaceWildcardTests {
    static func name(_ text: String) -> InterfaceName? { InterfaceName(text) }

    @Test func aWildcardMatchesEveryNameWithItsPrefix() throws {
        let wildcard = try #require(Self.name("eth+"))
        let plain = try #require(Self.name("eth0"))
        #expect(wildcard.isWildcard && !plain.isWildcard)
        for text in ["eth", "eth0", "eth1.100", "eth123456789012"] {
            #expect(wildcard.matches(try #require(Self.name(text))), "\(text)")
        }
        for text in ["et", "veth0", "wlan0", "Eth0"] {
            #expect(!wildcard.matches(try #require(Self.name(text))), "\(text)")
        }
        let long = try #require(Self.name("abcdefghijklmn+"))  // prefix of 14 bytes: both words
        #expect(long.matches(try #require(Self.name("abcdefghijklmno"))))
        #expect(!long.matches(try #require(Self.name("abcdefghijklmxo"))))
    }

    static let rules = """
        drop any in eth1.5 label "one vlan"
        accept tcp in eth1+ label "eth1 and its vlans"
        accept udp in eth+ out !{ wlan+ lo } label "wired"
        accept icmp in { wlan0 eth1 } label "listed"
        accept any out wlan+ label "to wireless"
        drop any in !eth+ label "not wired"
        """

    @Test func theIndexAgreesWithTheReferenceOnEveryNameClass() throws {
        let program = try #require(Program.load(source: Self.rules, file: "w.rules").program)
        let names: [InterfaceName?] = [nil] + ["eth", "eth0", "eth1", "eth1.5", "eth10", "eth2.7", "wlan0", "wlan1", "lo", "veth0", "eth+"].map(Self.name)
        var decided: [String: Set<Int>] = [:]
        for proto in [IPProtocol.tcp, .udp, .icmp] {
            for input in names {
                for output in names {
                    var packet = PacketFields(
                        proto: proto, source: IPv4Address(rawValue: 0x0A00_0001), destination: IPv4Address(rawValue: 0x0A00_0002),
                        sourcePort: proto == .icmp ? nil : 1000, destinationPort: proto == .icmp ? nil : 2000,
                        inInterface: input, outInterface: output)
                    packet.icmpType = proto == .icmp ? 8 : nil
                    let decision = program.evaluate(packet)
                    #expect(decision == program.evaluateLinearly(packet), "\(proto) in \(String(describing: input)) out \(String(describing: output))")
                    decided["\(proto)", default: []].insert(decision.ruleIndex ?? -1)
                }
            }
        }
        #expect(decided["\(IPProtocol.tcp)"] == [0, 1, 4, 5, -1])
        #expect(program.selfCheck().mismatch == nil)
    }

    @Test func shadowingSeesThroughWildcards() {
        let diagnostics = Program.load(source: """
            accept any in eth+
            accept tcp in eth0
            accept udp in { eth0 wlan0 }
            accept any in eth1+
            """, file: "w.rules").diagnostics.map(\.description)
        #expect(diagnostics == [
            "w.rules:2:1: warning: rule can never match: the rule on line 1 matches all of its packets first",
            "w.rules:4:1: warning: rule can never match: the rule on line 1 matches all of its packets first",
        ])
    }

    @Test func aNameWrittenWithPlusLexesAsOneWord() {
        #expect(Lexer.tokenize("in eth+ wlan0+").map(\.text) == ["in", "eth+", "wlan0+", ""])
    }
}
