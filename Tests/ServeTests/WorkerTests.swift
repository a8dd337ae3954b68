import CNetfilterQueue
import Engine
import Log
import QueueIO
import Rules
import Testing

@testable import Serve

#if canImport(Glibc)
import Glibc
#endif

/// The run loop's per-packet handler, driven with in-memory messages.
@Suite struct WorkerJudgeTests {
    @Test func acceptsWhatTheRulesAcceptAndDropsTheRest() throws {
        let harness = try Harness(rules: "policy drop\nlog drops\naccept udp to any port 53\n")
        guard case .accept = harness.judge(TestPackets.udp(to: 53), id: 1) else { Issue.record("not accepted"); return }
        guard case .drop = harness.judge(TestPackets.udp(to: 54), id: 2) else { Issue.record("not dropped"); return }
        let counters = harness.worker.engine.counters
        #expect(counters.accepted == 1 && counters.droppedByPolicy == 1)
        // `log drops`: only the drop has a line, with the interface names the directory gave.
        let lines = harness.verdictLines()
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\"in_iface\":\"veth-in\"") == true)
        #expect(lines.first?.contains("\"out_iface\":\"veth-out\"") == true)
        #expect(lines.first?.contains("\"dest_port\":54") == true)
    }

    @Test func logAllWritesEveryVerdictAndLogNoneNone() throws {
        let all = try Harness(rules: "policy drop\nlog all\naccept udp to any port 53\n")
        _ = all.judge(TestPackets.udp(to: 53), id: 1)
        _ = all.judge(TestPackets.udp(to: 54), id: 2)
        #expect(all.verdictLines().count == 2)
        let none = try Harness(rules: "policy drop\nlog none\naccept udp to any port 53\n")
        _ = none.judge(TestPackets.udp(to: 54), id: 1)
        #expect(none.verdictLines().isEmpty)
    }

    @Test func interfacesAreLookedUpOncePerIndex() throws {
        let harness = try Harness(rules: "policy drop\naccept udp to any port 53 in veth-in out veth-out\n")
        for id in 1...5 {
            guard case .accept = harness.judge(TestPackets.udp(to: 53), id: UInt32(id)) else {
                Issue.record("interface rule did not match"); return
            }
        }
        #expect(harness.interfaces.lookups.sorted() == [4, 5])
    }

    @Test func stateMarkShiftTakesTheStateFromTheMarkAndHidesTheBits() throws {
        let rules = "policy drop\naccept udp state new mark 7\n"
        let harness = try Harness(rules: rules, options: WorkerOptions(stateMarkShift: 16))
        // Bits 16-18 say 1 (new); the rest of the mark is 7, which is all `mark` rules see.
        guard case .accept = harness.judge(TestPackets.udp(to: 9), id: 1, mark: 1 << 16 | 7) else {
            Issue.record("state from mark bits not used"); return
        }
        // 2 (established) does not match `state new`.
        guard case .drop = harness.judge(TestPackets.udp(to: 9), id: 2, mark: 2 << 16 | 7) else {
            Issue.record("wrong state accepted"); return
        }
        // Without the shift, the same mark is compared whole and there is no state.
        let plain = try Harness(rules: rules)
        guard case .drop = plain.judge(TestPackets.udp(to: 9), id: 1, mark: 1 << 16 | 7) else {
            Issue.record("mark bits taken as state without --state-mark-shift"); return
        }
    }

    @Test func conntrackStateComesFromTheKernelAttribute() throws {
        let harness = try Harness(rules: "policy drop\naccept udp state established\n", conntrack: true)
        guard case .accept = harness.judge(TestPackets.udp(to: 9), id: 1, conntrackInfo: 0) else {
            Issue.record("IP_CT_ESTABLISHED not established"); return
        }
        // No attribute with conntrack on: invalid.
        guard case .drop = harness.judge(TestPackets.udp(to: 9), id: 2, conntrackInfo: nil) else {
            Issue.record("a packet without conntrack info was not invalid"); return
        }
    }

    @Test func requireLogDropsWhatCannotBeLogged() throws {
        // /dev/full: every write fails with ENOSPC.
        let rules = "policy drop\nlog all\naccept udp to any port 53\n"
        let strict = try Harness(rules: rules, options: WorkerOptions(requireLog: true), log: "/dev/full")
        guard case .drop = strict.judge(TestPackets.udp(to: 53), id: 1) else {
            Issue.record("--require-log accepted a packet whose line was lost"); return
        }
        guard case .drop = strict.judge(TestPackets.udp(to: 53), id: 2) else {
            Issue.record("--require-log accepted while the log was failing"); return
        }
        #expect(strict.worker.stopCounters().first { "\($0.0)" == "dropped_log_unavailable" }?.1 == 2)
        // Without --require-log the same packets pass: the log is not allowed to stop traffic.
        let lenient = try Harness(rules: rules, log: "/dev/full")
        guard case .accept = lenient.judge(TestPackets.udp(to: 53), id: 1) else {
            Issue.record("a failing log dropped traffic without --require-log"); return
        }
    }

    @Test func logLimitUsesTheInjectedClock() throws {
        let harness = try Harness(rules: "policy drop\nlog drops limit 1/s burst 1\n")
        harness.worker.batchClock = harness.clock.now
        for id in 1...3 { _ = harness.judge(TestPackets.udp(to: 54), id: UInt32(id)) }
        #expect(harness.worker.gate.admitted == 1 && harness.worker.gate.suppressed == 2)
        // Two seconds later the bucket has a token again.
        harness.clock.now += 2_000_000_000
        harness.worker.batchClock = harness.clock.now
        _ = harness.judge(TestPackets.udp(to: 54), id: 4)
        #expect(harness.worker.gate.admitted == 2)
    }

    @Test func packetIDGapsAreCounted() throws {
        let harness = try Harness(rules: "policy accept\n")
        _ = harness.judge(TestPackets.udp(to: 1), id: 10)
        _ = harness.judge(TestPackets.udp(to: 1), id: 14)
        #expect(harness.worker.stopCounters().first { "\($0.0)" == "packet_id_gaps" }?.1 == 3)
    }
}

/// Reloads and the whole loop, driven through the scripted socket and signals.
@Suite struct WorkerLoopTests {
    @Test func reloadKeepsTheRunningRulesWhenTheNewOnesFail() throws {
        let harness = try Harness(rules: "policy drop\naccept udp to any port 53\n")
        let before = harness.worker.ruleset.sha256
        harness.rewriteRules("policy drop\naccept udp to any port 99999\n")
        harness.worker.reload()
        #expect(harness.worker.ruleset.sha256 == before)
        guard case .accept = harness.judge(TestPackets.udp(to: 53), id: 1) else {
            Issue.record("the old rules were not kept"); return
        }
        let failed = harness.logLines().filter { $0.contains("\"event_type\":\"reload\"") }
        #expect(failed.count == 1 && failed[0].contains("errors"))
        // A good file is swapped in.
        harness.rewriteRules("policy drop\naccept udp to any port 54\n")
        harness.worker.reload()
        #expect(harness.worker.ruleset.sha256 != before)
        guard case .accept = harness.judge(TestPackets.udp(to: 54), id: 2) else {
            Issue.record("the new rules were not swapped in"); return
        }
        guard case .drop = harness.judge(TestPackets.udp(to: 53), id: 3) else {
            Issue.record("the old rules still judge"); return
        }
        #expect(harness.worker.stopCounters().count > 0)
    }

    @Test func serveAnswersEveryPacketThenStopsOnSIGTERM() throws {
        let harness = try Harness(rules: "policy drop\nlog drops\naccept udp to any port 53\n")
        harness.socket.incoming = [
            ScriptedSocket.packet(id: 1, payload: TestPackets.udp(to: 53)),
            ScriptedSocket.packet(id: 2, payload: TestPackets.udp(to: 54)),
            ScriptedSocket.packet(id: 3, payload: TestPackets.udp(to: 53)),
        ]
        harness.signals.pending = [SIGTERM]
        try harness.worker.serve()
        let verdicts = harness.socket.verdicts
        // Accept 1, drop 2, accept 3 (in order, each answered once), then the unbind request.
        #expect(verdicts.map(\.id) == [1, 2, 3])
        #expect(verdicts.map(\.verdict) == [UInt32(NF_ACCEPT), UInt32(NF_DROP), UInt32(NF_ACCEPT)])
        let lines = harness.logLines()
        #expect(lines.first?.contains("\"event_type\":\"start\"") == true)
        #expect(lines.last?.contains("\"event_type\":\"stop\"") == true)
        #expect(lines.last?.contains("SIGTERM") == true)
        #expect(harness.verdictLines().count == 1)
    }

    @Test func sighupReloadsBetweenBatches() throws {
        let harness = try Harness(rules: "policy drop\naccept udp to any port 53\n")
        harness.rewriteRules("policy drop\naccept udp to any port 54\n")
        harness.signals.pending = [SIGHUP, SIGTERM]
        try harness.worker.serve()
        #expect(harness.worker.stopCounters().count > 0)
        #expect(harness.logLines().contains { $0.contains("\"event_type\":\"reload\"") && !$0.contains("\"errors\":[\"") })
        guard case .accept = harness.judge(TestPackets.udp(to: 54), id: 1) else {
            Issue.record("SIGHUP did not reload"); return
        }
    }
}
