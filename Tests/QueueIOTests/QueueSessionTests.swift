import CNetfilterQueue
import SystemPackage
import Testing

@testable import QueueIO

#if canImport(Glibc)
import Glibc
#endif

/// A netlink socket that answers config requests with a chosen errno and replays queued
/// datagrams, recording everything sent. Lets the session run without root or a kernel.
final class FakeSocket: NetlinkSocket {
    var incoming: [[UInt8]] = []
    var sent: [[UInt8]] = []
    /// errno (positive) to answer the Nth acknowledged request with; 0 = success.
    var ackErrors: [Int32] = []
    /// Datagrams to deliver before the ack of the first request (packets racing the bind).
    var beforeFirstAck: [[UInt8]] = []
    var receiveErrors: [Errno] = []

    func send(_ bytes: UnsafeRawBufferPointer) throws(QueueError) {
        sent.append(Array(bytes))
        let header = bytes.load(as: nlmsghdr.self)
        if header.nlmsg_flags & UInt16(NLM_F_ACK) != 0 {
            incoming.append(contentsOf: beforeFirstAck)
            beforeFirstAck = []
            let code = ackErrors.isEmpty ? 0 : ackErrors.removeFirst()
            incoming.append(Self.ack(seq: header.nlmsg_seq, errno: code))
        }
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(QueueError) -> Int? {
        if !receiveErrors.isEmpty { throw QueueError(operation: .receive, errno: receiveErrors.removeFirst()) }
        guard !incoming.isEmpty else { return nil }
        let datagram = incoming.removeFirst()
        buffer.copyBytes(from: datagram)
        return datagram.count
    }

    func wait(alsoFor other: Int32?, timeoutMilliseconds: Int32) throws(QueueError) -> Readiness {
        incoming.isEmpty ? [] : .socket
    }

    /// NLMSG_ERROR carrying `-errno` (0: an ACK), as the kernel answers NLM_F_ACK.
    static func ack(seq: UInt32, errno: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 36)
        bytes.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            nlh.pointee.nlmsg_type = UInt16(NLMSG_ERROR)
            nlh.pointee.nlmsg_seq = seq
            let payload = mnl_nlmsg_put_extra_header(nlh, 20)!
            payload.storeBytes(of: -errno, as: Int32.self)
        }
        return bytes
    }

    /// An NFQNL_MSG_PACKET message as the kernel builds it.
    static func packet(
        id: UInt32, payload: [UInt8]?, skbInfo: UInt32? = nil, inDevice: UInt32? = nil,
        capturedLength: UInt32? = nil, withHeader: Bool = true
    ) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var length = 0
        bytes.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            nlh.pointee.nlmsg_type = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_PACKET.rawValue)
            _ = mnl_nlmsg_put_extra_header(nlh, 4)  // struct nfgenmsg
            if withHeader {
                // struct nfqnl_msg_packet_hdr: be32 id, be16 hw_protocol (0x0800), u8 hook
                var header: [UInt8] = [0, 0, 0, 0, 0x08, 0x00, 2]
                withUnsafeBytes(of: id.bigEndian) { header.replaceSubrange(0..<4, with: $0) }
                mnl_attr_put(nlh, UInt16(NFQA_PACKET_HDR.rawValue), 7, header)
            }
            if let skbInfo { mnl_attr_put_u32(nlh, UInt16(NFQA_SKB_INFO.rawValue), skbInfo.bigEndian) }
            if let inDevice { mnl_attr_put_u32(nlh, UInt16(NFQA_IFINDEX_INDEV.rawValue), inDevice.bigEndian) }
            if let capturedLength { mnl_attr_put_u32(nlh, UInt16(NFQA_CAP_LEN.rawValue), capturedLength.bigEndian) }
            if let payload { mnl_attr_put(nlh, UInt16(NFQA_PAYLOAD.rawValue), payload.count, payload) }
            length = Int(nlh.pointee.nlmsg_len)
        }
        return Array(bytes[0..<length])
    }
}

/// One verdict message decoded from a sent datagram.
struct SentVerdict: Equatable {
    var id: UInt32
    var verdict: UInt32
    var payload: [UInt8]?
    /// A batch verdict: applies to every queued packet with an id up to `id`.
    var batch = false
}

/// Splits a sent datagram into its netlink messages and reads the verdicts in it.
func verdicts(in datagram: [UInt8]) -> [SentVerdict] {
    var result: [SentVerdict] = []
    var offset = 0
    while offset + 16 <= datagram.count {
        let length = Int(datagram[offset]) | Int(datagram[offset + 1]) << 8
        let type = UInt16(datagram[offset + 4]) | UInt16(datagram[offset + 5]) << 8
        guard length >= 16 else { break }
        let single = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_VERDICT.rawValue)
        let batch = UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_VERDICT_BATCH.rawValue)
        if type == single || type == batch {
            var verdict = SentVerdict(id: 0, verdict: 0, payload: nil, batch: type == batch)
            var attribute = offset + 20  // nlmsghdr (16) + nfgenmsg (4)
            while attribute + 4 <= offset + length {
                let attrLength = Int(datagram[attribute]) | Int(datagram[attribute + 1]) << 8
                let attrType = UInt16(datagram[attribute + 2]) | UInt16(datagram[attribute + 3]) << 8
                let body = Array(datagram[(attribute + 4)..<(attribute + attrLength)])
                if attrType == UInt16(NFQA_VERDICT_HDR.rawValue) {
                    verdict.verdict = body[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
                    verdict.id = body[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
                } else if attrType == UInt16(NFQA_PAYLOAD.rawValue) {
                    verdict.payload = body
                }
                attribute += (attrLength + 3) & ~3
            }
            result.append(verdict)
        }
        offset += (length + 3) & ~3
    }
    return result
}

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
