import CNetfilterQueue
import Engine
import QueueIO
import Testing

@testable import Serve

#if canImport(Glibc)
import Glibc
#endif

/// A reject goes back to the kernel as NF_REPEAT with the reject mark added to the packet's
/// mark, for the REJECT rule before the NFQUEUE rule; a packet already marked came back
/// unanswered and is dropped.
@Suite struct WorkerRejectTests {
    let rules = "policy drop\nreject udp to any port 9\n"

    @Test func aRejectIsRepeatedWithTheRejectMarkAdded() throws {
        let harness = try Harness(rules: rules)
        guard case .repeatMarked(let mark) = harness.judge(TestPackets.udp(to: 9), id: 1, mark: 0x15) else {
            Issue.record("not repeated"); return
        }
        #expect(mark == 0x4000_0015)
        #expect(harness.verdictLines().first?.contains("\"verdict\":\"reject\"") == true)
    }

    @Test func theMarkComesFromTheOption() throws {
        let harness = try Harness(rules: rules, options: WorkerOptions(rejectMark: 0x100))
        guard case .repeatMarked(let mark) = harness.judge(TestPackets.udp(to: 9), id: 1) else {
            Issue.record("not repeated"); return
        }
        #expect(mark == 0x100)
    }

    @Test func aRejectThatComesBackMarkedIsDroppedAndReported() throws {
        let harness = try Harness(rules: rules)
        guard case .drop = harness.judge(TestPackets.udp(to: 9), id: 1, mark: 0x4000_0000) else {
            Issue.record("a marked reject was not dropped"); return
        }
        harness.worker.afterBatch()
        let anomaly = harness.logLines().first { $0.contains("\"kind\":\"reject_unanswered\"") }
        #expect(anomaly?.contains("\"count\":1") == true)
        #expect(anomaly?.contains("\"mark\":1073741824") == true)
        #expect(harness.worker.stopCounters().first { "\($0.0)" == "rejects_unanswered" }?.1 == 1)
    }

    @Test func theVerdictMessageIsRepeatWithTheMark() throws {
        let harness = try Harness(rules: rules + "accept udp to any port 53\n")
        harness.socket.incoming = [
            ScriptedSocket.packet(id: 1, payload: TestPackets.udp(to: 53)),
            ScriptedSocket.packet(id: 2, payload: TestPackets.udp(to: 9), mark: 7),
            ScriptedSocket.packet(id: 3, payload: TestPackets.udp(to: 53)),
        ]
        harness.signals.pending = [SIGTERM]
        try harness.worker.serve()
        let verdicts = harness.socket.sentVerdicts
        #expect(verdicts.map(\.id) == [1, 2, 3])
        #expect(verdicts.map(\.verdict) == [UInt32(NF_ACCEPT), UInt32(NF_REPEAT), UInt32(NF_ACCEPT)])
        #expect(verdicts.map(\.mark) == [nil, 0x4000_0007, nil])
    }
}
