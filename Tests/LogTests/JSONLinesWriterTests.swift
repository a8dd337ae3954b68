import Foundation
import Testing
@testable import Engine
@testable import Log
import Rules
import Wire

/// A path in the temporary directory, unique per test; `remove()` deletes it.
private struct TemporaryLog {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("portcullis-log-\(UUID().uuidString).jsonl").path

    func contents() throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The file's lines, each checked to end in "\n" (the last one included).
    func lines() throws -> [String] {
        let text = try contents()
        #expect(text.isEmpty || text.hasSuffix("\n"), "every line ends with a newline")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func objects() throws -> [[String: Any]] {
        try lines().map(parseLine)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func parseLine(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any])
}

private let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

private func event(
    verdict: Action = .accept, reason: VerdictReason = .rule, rule: Rule? = nil,
    decodeError: DecodeError? = nil, summary: PacketSummary? = nil, normalized: Normalizations = [],
    queue: UInt16 = 3, packetID: UInt32 = 41, length: Int = 60
) -> VerdictEvent {
    VerdictEvent(
        metadata: PacketMetadata(queue: queue, packetID: packetID, packetLength: length),
        verdict: verdict, reason: reason, rule: rule, decodeError: decodeError,
        summary: summary, normalized: normalized, shouldLog: true)
}

private let tcpSummary = PacketSummary(
    proto: .tcp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
    sourcePort: 40000, destinationPort: 443)

private let webRule = Rule(
    action: .accept, proto: .tcp, label: "web",
    location: SourceLocation(file: "rules/site.rules", line: 7, column: 1))

/// Writes with a fresh writer to a fresh file, flushes, and returns the parsed lines.
private func written(_ body: (JSONLinesWriter) -> Void) throws -> [[String: Any]] {
    let log = TemporaryLog()
    defer { log.remove() }
    let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
    body(writer)
    writer.flush()
    #expect(writer.lostLines == 0)
    return try log.objects()
}

/// Checks the fields every line carries.
private func expectFrame(_ object: [String: Any], type: String, queue: Int = 3, ruleset: String = sha) {
    let timestamp = object["timestamp"] as? String ?? ""
    #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z/) != nil, "timestamp \(timestamp)")
    // The writer stamps the wall clock: the line's second must be close to now.
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: String(timestamp.prefix(19)) + "Z") {
        #expect(abs(date.timeIntervalSinceNow) < 120)
    } else {
        Issue.record("timestamp \(timestamp) is not RFC 3339")
    }
    #expect(object["event_type"] as? String == type)
    #expect(object["queue"] as? Int == queue)
    #expect(object["ruleset"] as? String == ruleset)
}

@Suite struct JSONLinesWriterTests {
    // MARK: verdict lines

    @Test func acceptedByRuleLine() throws {
        let objects = try written { writer in
            writer.writeVerdict(event(rule: webRule, summary: tcpSummary, queue: 3, packetID: 41, length: 60))
        }
        let line = try #require(objects.first)
        #expect(objects.count == 1)
        expectFrame(line, type: "verdict")
        #expect(line["packet_id"] as? Int == 41)
        #expect(line["verdict"] as? String == "accept")
        #expect(line["reason"] as? String == "rule")
        let rule = try #require(line["rule"] as? [String: Any])
        #expect(rule["file"] as? String == "rules/site.rules")
        #expect(rule["line"] as? Int == 7)
        #expect(rule["label"] as? String == "web")
        #expect(rule.count == 3)
        #expect(line["src_ip"] as? String == "10.1.0.2")
        #expect(line["src_port"] as? Int == 40000)
        #expect(line["dest_ip"] as? String == "10.2.0.2")
        #expect(line["dest_port"] as? Int == 443)
        #expect(line["proto"] as? String == "TCP")
        #expect(line["length"] as? Int == 60)
        #expect(Set(line.keys) == [
            "timestamp", "event_type", "queue", "ruleset", "packet_id", "verdict", "reason", "rule",
            "src_ip", "src_port", "dest_ip", "dest_port", "proto", "community_id", "length", "chain",
        ])
    }

    // MARK: what rules match on

    @Test func tcpFlagsTTLStateMarkAndCommunityID() throws {
        var summary = tcpSummary
        summary.tcpFlags = 0x12
        summary.ttl = 63
        var verdict = event(rule: webRule, summary: summary)
        verdict.metadata.connectionState = .established
        verdict.metadata.mark = 0x2A
        let line = try #require(try written { $0.writeVerdict(verdict) }.first)
        let tcp = try #require(line["tcp"] as? [String: Any])
        #expect(tcp["tcp_flags"] as? String == "12")
        #expect(tcp["syn"] as? Bool == true && tcp["ack"] as? Bool == true)
        #expect(Set(tcp.keys) == ["tcp_flags", "syn", "ack"], "clear flags are absent, as in EVE")
        #expect(line["ttl"] as? Int == 63)
        #expect(line["ct_state"] as? String == "established")
        #expect(line["mark"] as? Int == 42)
        // The same flow computed from the spec's rules by CommunityID (checked against the
        // spec's baseline in CommunityIDTests), in the reverse direction.
        let reverse = CommunityID.string(
            source: IPv4Address(10, 2, 0, 2), destination: IPv4Address(10, 1, 0, 2), proto: 6,
            ports: CommunityID.Ports(source: 443, destination: 40000))
        #expect(line["community_id"] as? String == reverse)
    }

    static let flagCases: [(UInt8, [String])] = [
        (0x01, ["fin"]), (0x04, ["rst"]), (0x08, ["psh"]), (0x20, ["urg"]), (0x40, ["ecn"]),
        (0x80, ["cwr"]), (0xFF, ["fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"]), (0x00, []),
    ]

    @Test(arguments: flagCases)
    func everyTCPFlagHasItsEVEName(flags: UInt8, names: [String]) throws {
        var summary = tcpSummary
        summary.tcpFlags = flags
        let line = try #require(try written { $0.writeVerdict(event(summary: summary)) }.first)
        let tcp = try #require(line["tcp"] as? [String: Any])
        #expect(Set(tcp.keys.filter { $0 != "tcp_flags" }) == Set(names))
        #expect(tcp["tcp_flags"] as? String == String(flags, radix: 16).leftPadded(to: 2))
    }

    @Test func noMarkNoStateAndNoHashWithoutDecodedPorts() throws {
        let claimed = PacketSummary(proto: .tcp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8), ttl: 9)
        let line = try #require(try written { $0.writeVerdict(event(verdict: .drop, reason: .decode, summary: claimed)) }.first)
        #expect(line["community_id"] == nil && line["mark"] == nil && line["ct_state"] == nil && line["tcp"] == nil)
        #expect(line["ttl"] as? Int == 9)
    }

    @Test func keyOrderIsFixed() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        writer.writeVerdict(event(rule: webRule, summary: tcpSummary))
        writer.flush()
        let line = try #require(try log.lines().first)
        let keys = ["\"timestamp\"", "\"event_type\"", "\"queue\"", "\"ruleset\"", "\"packet_id\"", "\"verdict\"",
                    "\"reason\"", "\"rule\"", "\"src_ip\"", "\"src_port\"", "\"dest_ip\"", "\"dest_port\"",
                    "\"proto\"", "\"length\"", "\"chain\""]
        let positions = keys.map { line.range(of: $0 + ":")?.lowerBound }
        #expect(!positions.contains(nil))
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test func ruleWithoutLabelHasNoLabelKey() throws {
        var rule = webRule
        rule.label = nil
        let line = try #require(try written { $0.writeVerdict(event(verdict: .drop, rule: rule, summary: tcpSummary)) }.first)
        let logged = try #require(line["rule"] as? [String: Any])
        #expect(logged["label"] == nil)
        #expect(logged["line"] as? Int == 7)
        #expect(line["verdict"] as? String == "drop")
    }

    @Test func droppedByPolicyHasNoRule() throws {
        let line = try #require(try written { writer in
            writer.writeVerdict(event(verdict: .drop, reason: .policy, summary: tcpSummary))
        }.first)
        #expect(line["reason"] as? String == "policy")
        #expect(line["verdict"] as? String == "drop")
        #expect(line["rule"] == nil)
        #expect(line["decode_error"] == nil)
        #expect(line["normalized"] == nil)
    }

    @Test func decodeErrorLine() throws {
        let error = DecodeError(layer: .ipv4, field: .protocol, offset: 9, reason: .unknownProtocol)
        let summary = PacketSummary(
            proto: IPProtocol(rawValue: 47), source: IPv4Address(192, 168, 7, 10), destination: IPv4Address(172, 16, 0, 1))
        let line = try #require(try written { writer in
            writer.writeVerdict(event(verdict: .drop, reason: .decode, decodeError: error, summary: summary, length: 44))
        }.first)
        #expect(line["reason"] as? String == "decode")
        #expect(line["src_ip"] as? String == "192.168.7.10")
        #expect(line["dest_ip"] as? String == "172.16.0.1")
        #expect(line["src_port"] == nil && line["dest_port"] == nil)
        #expect(line["proto"] as? Int == 47, "an unknown protocol is logged by number")
        #expect(line["length"] as? Int == 44)
        let logged = try #require(line["decode_error"] as? [String: Any])
        #expect(logged["layer"] as? String == "ipv4")
        #expect(logged["field"] as? String == "protocol")
        #expect(logged["offset"] as? Int == 9)
        #expect(logged["reason"] as? String == "unknown-protocol")
        #expect(logged["message"] as? String == "the IP protocol is not ICMP, IGMP, TCP, UDP, ESP, AH, VRRP or SCTP")
        #expect(logged.count == 5)
    }

    @Test func igmpIsLoggedByItsEVEName() throws {
        let summary = PacketSummary(proto: .igmp, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(224, 0, 0, 22))
        let line = try #require(try written { writer in
            writer.writeVerdict(event(verdict: .drop, reason: .policy, decodeError: nil, summary: summary, length: 32))
        }.first)
        #expect(line["proto"] as? String == "IGMP")
        #expect(line["src_port"] == nil && line["dest_port"] == nil)
    }

    /// AH, VRRP and SCTP by their IANA keywords, as EVE writes them; SCTP with its ports.
    @Test func ahVRRPAndSCTPAreLoggedByTheirEVENames() throws {
        for (proto, name) in [(IPProtocol.ah, "AH"), (.vrrp, "VRRP"), (.sctp, "SCTP")] {
            let ports: UInt16? = proto == .sctp ? 2905 : nil
            let summary = PacketSummary(
                proto: proto, source: IPv4Address(10, 1, 0, 2), destination: IPv4Address(10, 2, 0, 2),
                sourcePort: ports, destinationPort: ports)
            let line = try #require(try written { writer in
                writer.writeVerdict(event(verdict: .drop, reason: .policy, decodeError: nil, summary: summary, length: 48))
            }.first)
            #expect(line["proto"] as? String == name)
            #expect(line["dest_port"] as? Int == ports.map(Int.init))
        }
    }

    @Test func decodeErrorWithoutSummary() throws {
        let error = DecodeError(layer: .ipv4, field: .header, offset: 0, reason: .truncated)
        let line = try #require(try written { writer in
            writer.writeVerdict(event(verdict: .drop, reason: .decode, decodeError: error, length: 12))
        }.first)
        #expect(line["src_ip"] == nil && line["dest_ip"] == nil && line["proto"] == nil)
        #expect((line["decode_error"] as? [String: Any])?["field"] as? String == "header")
        #expect((line["decode_error"] as? [String: Any])?["message"] as? String == error.message)
    }

    @Test(arguments: [
        (IPProtocol.tcp, "TCP"), (.udp, "UDP"), (.icmp, "ICMP"),
    ])
    func protocolNames(proto: IPProtocol, name: String) throws {
        let summary = PacketSummary(proto: proto, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8))
        let line = try #require(try written { $0.writeVerdict(event(summary: summary)) }.first)
        #expect(line["proto"] as? String == name)
    }

    @Test func icmpTypeAndCode() throws {
        let summary = PacketSummary(
            proto: .icmp, source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8),
            icmpType: 3, icmpCode: 0)
        let line = try #require(try written { $0.writeVerdict(event(summary: summary)) }.first)
        #expect(line["icmp_type"] as? Int == 3)
        #expect(line["icmp_code"] as? Int == 0)
        #expect(line["src_port"] == nil)
    }

    static let normalizedCases: [(Normalizations, [String])] = [
        (.ipv4ReservedFlag, ["ipv4_reserved_flag"]),
        (.tcpUnknownOptions, ["tcp_unknown_options"]),
        ([.transportChecksum, .ipv4Checksum], ["ipv4_checksum", "transport_checksum"]),
        ([.tcpAfterEOL, .tcpReservedBits, .tcpUrgentPointer, .ipOptionPadding],
         ["ip_option_padding", "tcp_reserved_bits", "tcp_urgent_pointer", "tcp_after_eol"]),
    ]

    @Test(arguments: normalizedCases)
    func normalizedList(normalized: Normalizations, names: [String]) throws {
        let line = try #require(try written { $0.writeVerdict(event(summary: tcpSummary, normalized: normalized)) }.first)
        #expect(line["normalized"] as? [String] == names)
    }

    @Test func interfaceNames() throws {
        let objects = try written { writer in
            writer.writeVerdict(event(summary: tcpSummary), inInterface: "veth-client", outInterface: "veth-server")
            writer.writeVerdict(event(summary: tcpSummary))
        }
        #expect(objects[0]["in_iface"] as? String == "veth-client")
        #expect(objects[0]["out_iface"] as? String == "veth-server")
        #expect(objects[1]["in_iface"] == nil && objects[1]["out_iface"] == nil)
    }

    // MARK: escaping and integers

    @Test func hostileLabelAndFileNameStayOnOneLine() throws {
        let label = "say \"hi\" \\ back\nslash\r\t\u{01}\u{1F}\u{7F} é end"
        let file = "rules/we\"ird\\\nname.rules"
        let rule = Rule(action: .drop, label: label, location: SourceLocation(file: file, line: 2, column: 1))
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        writer.writeVerdict(event(verdict: .drop, rule: rule, summary: tcpSummary))
        writer.writeVerdict(event(summary: tcpSummary))
        writer.flush()
        let lines = try log.lines()
        #expect(lines.count == 2, "an embedded newline must not split the line")
        #expect(!lines[0].unicodeScalars.contains { $0.value < 0x20 })
        let logged = try #require(try parseLine(lines[0])["rule"] as? [String: Any])
        #expect(logged["label"] as? String == label)
        #expect(logged["file"] as? String == file)
    }

    @Test func rulesetWithQuotesIsEscaped() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: "a\"b")
        writer.writeVerdict(event())
        writer.flush()
        #expect(try log.objects().first?["ruleset"] as? String == "a\"b")
    }

    @Test func integerExtremes() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        writer.writeVerdict(event(queue: 0, packetID: 0, length: 0))
        writer.writeVerdict(event(queue: .max, packetID: .max, length: 65535))
        writer.writeStop(queue: 0, signal: nil, counters: [("zero", 0), ("max", .max)])
        writer.flush()
        let lines = try log.lines()
        let objects = try lines.map(parseLine)
        #expect(objects[0]["queue"] as? Int == 0)
        #expect(objects[0]["packet_id"] as? Int == 0)
        #expect(objects[0]["length"] as? Int == 0)
        #expect(objects[1]["queue"] as? Int == 65535)
        #expect(objects[1]["packet_id"] as? Int == 4_294_967_295)
        #expect(objects[1]["length"] as? Int == 65535)
        #expect(lines[2].contains(#""counters":{"zero":0,"max":18446744073709551615}"#))
        let counters = try #require(objects[2]["counters"] as? [String: Any])
        #expect((counters["max"] as? NSNumber)?.uint64Value == UInt64.max)
        #expect(counters["zero"] as? Int == 0)
    }

    // MARK: files, flushing, failures

    @Test func fileHoldsExactlyTheLinesWritten() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        for id in 0..<25 {
            writer.writeVerdict(event(summary: tcpSummary, packetID: UInt32(id)))
        }
        #expect(try log.contents().isEmpty, "lines wait in the buffer until flush")
        writer.flush()
        writer.flush()
        #expect(writer.linesWritten == 25)
        let objects = try log.objects()
        #expect(objects.map { $0["packet_id"] as? Int } == (0..<25).map { $0 })
    }

    @Test func bufferFlushesItselfWhenLarge() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        let count = 2_000 // ~250 bytes each: several automatic flushes
        for id in 0..<count {
            writer.writeVerdict(event(rule: webRule, summary: tcpSummary, packetID: UInt32(id)))
        }
        #expect(writer.linesWritten > 0, "more than 64 KiB buffered is written without waiting")
        writer.flush()
        #expect(writer.linesWritten == UInt64(count))
        let objects = try log.objects()
        #expect(objects.count == count)
        #expect(objects.map { $0["packet_id"] as? Int } == (0..<count).map { $0 })
    }

    @Test func deinitFlushes() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        do {
            let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
            writer.writeVerdict(event())
        }
        #expect(try log.lines().count == 1)
    }

    @Test func appendsToAnExistingFile() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        try "{\"earlier\":true}\n".write(toFile: log.path, atomically: false, encoding: .utf8)
        let writer = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        writer.writeVerdict(event())
        writer.flush()
        let objects = try log.objects()
        #expect(objects.count == 2)
        #expect(objects[0]["earlier"] as? Bool == true)
        #expect(objects[1]["event_type"] as? String == "verdict")
    }

    @Test func newFileIsNotWorldReadable() throws {
        let log = TemporaryLog()
        defer { log.remove() }
        _ = try JSONLinesWriter(destination: .file(log.path), ruleset: sha)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: log.path)[.posixPermissions] as? Int)
        #expect(mode & 0o007 == 0)
    }

    @Test func failedWritesAreCountedNotFatal() throws {
        let writer = try JSONLinesWriter(destination: .file("/dev/full"), ruleset: sha)
        writer.writeVerdict(event())
        writer.writeVerdict(event())
        writer.writeReload(queue: 3, rulesFile: "r", errors: [])
        writer.flush()
        #expect(writer.lostLines == 3)
        #expect(writer.linesWritten == 0)
        writer.writeVerdict(event())
        writer.flush()
        #expect(writer.lostLines == 4)
    }

    @Test func unopenableFileThrows() {
        let path = "/nonexistent-\(UUID().uuidString)/verdicts.jsonl"
        #expect {
            _ = try JSONLinesWriter(destination: .file(path), ruleset: sha)
        } throws: { error in
            guard let error = error as? LogOpenError else { return false }
            return error.path == path && error.errno == ENOENT && error.description.contains(path)
        }
    }

    @Test func rulesetChangeAppliesToLaterLines() throws {
        let objects = try written { writer in
            writer.writeVerdict(event())
            writer.ruleset = "next"
            writer.writeVerdict(event())
        }
        #expect(objects.map { $0["ruleset"] as? String } == [sha, "next"])
    }

    // MARK: start, stop, reload

    @Test func startEvent() throws {
        let rules = [webRule, Rule(action: .drop, location: SourceLocation(file: "rules/site.rules", line: 8, column: 1))]
        let info = StartInfo(
            version: "0.1.0", queue: 5, rulesFile: "rules/site.rules", pid: 4242,
            program: Program(policy: .drop, logMode: .all, rules: rules))
        let line = try #require(try written { $0.writeStart(info) }.first)
        expectFrame(line, type: "start", queue: 5)
        #expect(line["version"] as? String == "0.1.0")
        #expect(line["rules_file"] as? String == "rules/site.rules")
        #expect(line["pid"] as? Int == 4242)
        #expect(line["policy"] as? String == "drop")
        #expect(line["log"] as? String == "all")
        #expect(line["rule_count"] as? Int == 2)
        #expect(line["log_limit"] as? String == "1000/s burst 5000")
        #expect(line.count == 12)  // with the chain value
    }

    @Test func stopEvent() throws {
        let objects = try written { writer in
            writer.writeStop(queue: 1, signal: "SIGTERM", counters: [("packets", 12), ("accepted", 9), ("dropped", 3)])
            writer.writeStop(queue: 1, signal: nil, counters: [])
        }
        expectFrame(objects[0], type: "stop", queue: 1)
        #expect(objects[0]["signal"] as? String == "SIGTERM")
        let counters = try #require(objects[0]["counters"] as? [String: Int])
        #expect(counters == ["packets": 12, "accepted": 9, "dropped": 3])
        #expect(objects[1]["signal"] == nil)
        #expect((objects[1]["counters"] as? [String: Any])?.isEmpty == true)
    }

    @Test func reloadEvents() throws {
        let objects = try written { writer in
            writer.writeReload(queue: 2, rulesFile: "rules/new.rules", errors: [])
            writer.writeReload(queue: 2, rulesFile: "rules/bad.rules", errors: [
                "rules/bad.rules:3:8: error: port needs tcp or udp", "quote \" and\nnewline",
            ])
        }
        #expect(objects.count == 2)
        expectFrame(objects[0], type: "reload", queue: 2)
        #expect(objects[0]["rules_file"] as? String == "rules/new.rules")
        #expect(objects[0]["success"] as? Bool == true)
        #expect(objects[0]["errors"] == nil)
        expectFrame(objects[1], type: "reload", queue: 2)
        #expect(objects[1]["success"] as? Bool == false)
        #expect(objects[1]["errors"] as? [String] == [
            "rules/bad.rules:3:8: error: port needs tcp or udp", "quote \" and\nnewline",
        ])
    }
}
