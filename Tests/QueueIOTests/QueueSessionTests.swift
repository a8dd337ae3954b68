import CNetfilterQueue
import SystemPackage
import TestSupport
import Testing

@testable import QueueIO

#if canImport(Glibc)
import Glibc
#endif

/// The shared fake socket, with the message builders these tests name it by.
typealias FakeSocket = FakeNetlinkSocket

extension FakeNetlinkSocket {
    static func packet(
        id: UInt32, payload: [UInt8]?, skbInfo: UInt32? = nil, inDevice: UInt32? = nil,
        capturedLength: UInt32? = nil, withHeader: Bool = true
    ) -> [UInt8] {
        NetlinkMessages.packet(
            id: id, payload: payload, skbInfo: skbInfo, inDevice: inDevice, capturedLength: capturedLength,
            withHeader: withHeader)
    }
}

/// The verdicts in a sent datagram.
func verdicts(in datagram: [UInt8]) -> [SentVerdict] { NetlinkMessages.verdicts(in: datagram) }

@Suite struct QueueSessionTests {
    @Test func bindSendsAcknowledgedBindThenConfiguration() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 7))
        #expect(session.queue == 7)
        #expect(socket.sent.count == 2)
        for datagram in socket.sent {
            let flags = UInt16(datagram[6]) | UInt16(datagram[7]) << 8
            #expect(flags & UInt16(NLM_F_ACK) != 0)
            // nfgenmsg.res_id (bytes 18-19) is the queue number, big-endian.
            #expect(datagram[18] == 0 && datagram[19] == 7)
        }
    }

    @Test(arguments: [
        (EPERM, false, "permission denied (run as root or grant CAP_NET_ADMIN)"),
        (EPERM, true, "it is already bound by another process"),
        (EBUSY, true, "it is already bound by another process"),
    ])
    func bindFailureNamesTheCause(code: Int32, privileged: Bool, text: String) {
        let socket = FakeSocket()
        socket.ackErrors = [code]
        #expect {
            _ = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 3), hasNetAdmin: { privileged })
        } throws: { error in
            guard let error = error as? QueueError else { return false }
            return error.operation == .bind && error.errno == Errno(rawValue: code)
                && error.description == "cannot bind queue 3: \(text)"
        }
    }

    @Test func everyPacketIsAnsweredInOneDatagram() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.sent = []
        socket.incoming = [
            FakeSocket.packet(id: 10, payload: [0x45, 1, 2, 3], skbInfo: 1, inDevice: 4),
            FakeSocket.packet(id: 11, payload: [0x45, 9]),
            FakeSocket.packet(id: 12, payload: [0x45, 7, 7]),
        ]
        var seen: [(UInt32, [UInt8], SKBInfo, UInt32)] = []
        let rebuilt: [UInt8] = [0x45, 0xAA]
        let handled = try rebuilt.withUnsafeBytes { rebuiltBytes in
            try session.receiveBatch { message in
                seen.append((message.packetID, Array(message.payload), message.skbInfo, message.inInterface))
                switch message.packetID {
                case 10: return .accept
                case 11: return .drop
                default: return .acceptRebuilt(rebuiltBytes)
                }
            }
        }
        #expect(handled == 3)
        #expect(seen.map(\.0) == [10, 11, 12])
        #expect(seen[0].1 == [0x45, 1, 2, 3] && seen[0].2 == .checksumNotReady && seen[0].3 == 4)
        #expect(socket.sent.count == 1)
        #expect(verdicts(in: socket.sent[0]) == [
            SentVerdict(id: 10, verdict: UInt32(NF_ACCEPT), payload: nil),
            SentVerdict(id: 11, verdict: UInt32(NF_DROP), payload: nil),
            SentVerdict(id: 12, verdict: UInt32(NF_ACCEPT), payload: rebuilt),
        ])
        #expect(session.counters.packetsReceived == 3 && session.counters.verdictsSent == 3)
    }

    @Test func runsOfPlainVerdictsBecomeBatchVerdicts() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.sent = []
        socket.incoming = (1...9).map { FakeSocket.packet(id: UInt32($0), payload: [0x45, UInt8($0)]) }
        let rebuilt: [UInt8] = [0x45, 0xEE]
        try rebuilt.withUnsafeBytes { rebuiltBytes in
            _ = try session.receiveBatch { message in
                switch message.packetID {
                case 1...4: .accept
                case 5...6: .drop
                case 7: .acceptRebuilt(rebuiltBytes)
                case 8: .accept
                default: .drop
                }
            }
        }
        #expect(socket.sent.count == 1)
        #expect(verdicts(in: socket.sent[0]) == [
            SentVerdict(id: 4, verdict: UInt32(NF_ACCEPT), payload: nil, batch: true),
            SentVerdict(id: 6, verdict: UInt32(NF_DROP), payload: nil, batch: true),
            SentVerdict(id: 7, verdict: UInt32(NF_ACCEPT), payload: rebuilt),
            SentVerdict(id: 8, verdict: UInt32(NF_ACCEPT), payload: nil),
            SentVerdict(id: 9, verdict: UInt32(NF_DROP), payload: nil),
        ])
        #expect(session.counters.verdictsSent == 9 && session.counters.batchMessages == 2)
    }

    @Test func aLonePacketIsAnsweredInItsOwnBatch() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.sent = []
        socket.incoming = [FakeSocket.packet(id: 42, payload: [0x45])]
        try session.receiveBatch { _ in .accept }
        // Nothing is held back past the batch that received it.
        #expect(verdicts(in: try #require(socket.sent.last)) == [SentVerdict(id: 42, verdict: UInt32(NF_ACCEPT), payload: nil)])
    }

    @Test func truncatedCopyReportsTheRealLength() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.incoming = [FakeSocket.packet(id: 1, payload: [0x45, 0, 0, 0], capturedLength: 1500)]
        var truncated = false
        try session.receiveBatch { message in
            truncated = message.isTruncatedCopy && message.packetLength == 1500
            return .drop
        }
        #expect(truncated)
    }

    @Test func overflowIsCountedAndServingContinues() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.receiveErrors = [.noBufferSpace]
        socket.incoming = [FakeSocket.packet(id: 5, payload: [0x45])]
        let handled = try session.receiveBatch { _ in .drop }
        #expect(handled == 1)
        #expect(session.counters.socketOverflows == 1)
    }

    @Test func packetWithoutHeaderIsCountedNotHandled() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        socket.incoming = [FakeSocket.packet(id: 5, payload: [0x45], withHeader: false)]
        var calls = 0
        try session.receiveBatch { _ in
            calls += 1
            return .accept
        }
        #expect(calls == 0)
        #expect(session.counters.malformedMessages == 1)
    }

    @Test func packetsRacingTheBindAreDropped() throws {
        let socket = FakeSocket()
        socket.beforeFirstAck = [FakeSocket.packet(id: 99, payload: [0x45])]
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0))
        #expect(session.counters.droppedWhileBinding == 1)
        let answered = socket.sent.flatMap { verdicts(in: $0) }
        #expect(answered == [SentVerdict(id: 99, verdict: UInt32(NF_DROP), payload: nil)])
    }

    @Test func unbindFlushesAndSendsUnbindOnce() throws {
        let socket = FakeSocket()
        let session = try QueueSession(socket: socket, configuration: QueueConfiguration(queue: 2))
        socket.sent = []
        try session.unbind()
        try session.unbind()
        #expect(socket.sent.count == 1)
    }
}

@Suite struct CapabilitiesTests {
    @Test(arguments: [
        ("Name:\tx\nCapEff:\t000001ffffffffff\n", true),
        ("CapInh:\t0000000000001000\nCapEff:\t0000000000000000\n", false),
        ("CapEff:\t0000000000001000\n", true),
        ("no such line\n", false),
    ])
    func readsNetAdminFromStatus(status: String, expected: Bool) {
        #expect(Capabilities.hasBit(12, inStatus: status) == expected)
    }
}

@Suite struct KernelQueueStatisticsTests {
    @Test func findsTheQueuesLine() {
        let text = "    0  12345     0 2 65535     0     0        7  1\n    3  99999     4 2 65535    17     2      910  1\n"
        #expect(KernelQueueStatistics.parse(text, queue: 3)
            == KernelQueueStatistics(waiting: 4, queueDropped: 17, userDropped: 2, lastPacketID: 910))
        #expect(KernelQueueStatistics.parse(text, queue: 0)?.lastPacketID == 7)
        #expect(KernelQueueStatistics.parse(text, queue: 1) == nil)
        #expect(KernelQueueStatistics.parse("", queue: 0) == nil)
    }
}
