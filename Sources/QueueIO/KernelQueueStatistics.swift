import SystemCalls

/// The kernel's own counters for one queue, from `/proc/net/netfilter/nfnetlink_queue`
/// (one line a bound queue in this network namespace: queue number, peer port id, packets
/// waiting, copy mode, copy range, dropped because the queue was full, dropped because
/// the socket could not take them, last packet id, 1).
public struct KernelQueueStatistics: Equatable, Sendable {
    public var waiting: UInt64
    /// Dropped by the kernel because `queue_total` reached the queue's maximum length.
    public var queueDropped: UInt64
    /// Dropped because the message could not be delivered to our socket (overflow).
    public var userDropped: UInt64
    public var lastPacketID: UInt64

    public init(waiting: UInt64, queueDropped: UInt64, userDropped: UInt64, lastPacketID: UInt64) {
        self.waiting = waiting
        self.queueDropped = queueDropped
        self.userDropped = userDropped
        self.lastPacketID = lastPacketID
    }

    /// Reads the current figures for `queue`; nil when the file or the queue's line is absent.
    public static func read(queue: UInt16, path: String = "/proc/net/netfilter/nfnetlink_queue") -> KernelQueueStatistics? {
        guard let bytes = try? WholeFile.readPrefix(path, count: 16_384) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self), queue: queue)
    }

    /// Finds `queue`'s line in the file's text.
    static func parse(_ text: String, queue: UInt16) -> KernelQueueStatistics? {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).compactMap { UInt64($0) }
            guard fields.count >= 8, fields[0] == UInt64(queue) else { continue }
            return KernelQueueStatistics(
                waiting: fields[2], queueDropped: fields[5], userDropped: fields[6], lastPacketID: fields[7])
        }
        return nil
    }
}
