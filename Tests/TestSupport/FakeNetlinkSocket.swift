import CNetfilterQueue
import QueueIO
import SystemPackage

/// A netlink socket for tests of `QueueSession` and the run loop, without root or a kernel:
/// answers every request that asks for an acknowledgement (with a chosen errno), delivers the
/// datagrams queued in `incoming` one per receive, and records everything sent.
public final class FakeNetlinkSocket: NetlinkSocket {
    public var incoming: [[UInt8]] = []
    public var sent: [[UInt8]] = []
    /// errno (positive) to answer the Nth acknowledged request with; 0 = success.
    public var ackErrors: [Int32] = []
    /// Datagrams to deliver before the ack of the first request (packets racing the bind).
    public var beforeFirstAck: [[UInt8]] = []
    /// Errors the next receives throw, before anything in `incoming` is delivered.
    public var receiveErrors: [Errno] = []
    /// Whether a signal is waiting (reported by `wait`).
    public var signalsPending: () -> Bool = { false }
    /// Whether an acknowledgement is delivered ahead of the datagrams already queued.
    public let acknowledgesFirst: Bool

    public init(acknowledgesFirst: Bool = false) {
        self.acknowledgesFirst = acknowledgesFirst
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(QueueError) {
        sent.append(Array(bytes))
        let header = bytes.load(as: nlmsghdr.self)
        guard header.nlmsg_flags & UInt16(NLM_F_ACK) != 0 else { return }
        incoming.append(contentsOf: beforeFirstAck)
        beforeFirstAck = []
        let code = ackErrors.isEmpty ? 0 : ackErrors.removeFirst()
        let ack = NetlinkMessages.ack(seq: header.nlmsg_seq, errno: code)
        if acknowledgesFirst { incoming.insert(ack, at: 0) } else { incoming.append(ack) }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(QueueError) -> Int? {
        if !receiveErrors.isEmpty { throw QueueError(operation: .receive, errno: receiveErrors.removeFirst()) }
        guard !incoming.isEmpty else { return nil }
        let datagram = incoming.removeFirst()
        buffer.copyBytes(from: datagram)
        return datagram.count
    }

    public func wait(alsoFor signals: Int32?, timeoutMilliseconds: Int32) throws(QueueError) -> Readiness {
        var ready: Readiness = incoming.isEmpty ? [] : .socket
        if signalsPending() { ready.insert(.signals) }
        return ready
    }

    /// Every verdict in what was sent, in order.
    public var sentVerdicts: [SentVerdict] { sent.flatMap { NetlinkMessages.verdicts(in: $0) } }
}
