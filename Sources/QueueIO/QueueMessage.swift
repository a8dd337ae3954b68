/// One packet the kernel queued to us, as carried by an `NFQNL_MSG_PACKET` message.
///
/// `payload` borrows the session's receive buffer: it is valid only inside the handler
/// that received it and must not be stored. Every other field is a plain value.
public struct QueueMessage {
    /// The kernel's id for this packet on this queue; the verdict must name it.
    public var packetID: UInt32
    /// Link-layer protocol (EtherType), e.g. 0x0800 for IPv4.
    public var hwProtocol: UInt16
    /// The netfilter hook the packet was queued from (NF_INET_*).
    public var hook: UInt8
    /// The packet bytes, starting at the IP header. Borrowed; see the type's comment.
    public var payload: UnsafeRawBufferPointer
    /// The packet's real length. Greater than `payload.count` only when the copy was cut
    /// short (copy range or buffer); such a copy must never be rebuilt.
    public var packetLength: Int
    /// Interface indexes (0 when absent).
    public var inInterface: UInt32
    public var outInterface: UInt32
    /// The skb mark (0 when absent).
    public var mark: UInt32
    /// NFQA_SKB_INFO flags.
    public var skbInfo: SKBInfo
    /// NFQA_CT_INFO (enum ip_conntrack_info), when the queue asked for conntrack state and
    /// the packet has a conntrack entry.
    public var conntrackInfo: UInt32?

    public init(
        packetID: UInt32, hwProtocol: UInt16, hook: UInt8, payload: UnsafeRawBufferPointer,
        packetLength: Int, inInterface: UInt32 = 0, outInterface: UInt32 = 0, mark: UInt32 = 0,
        skbInfo: SKBInfo = [], conntrackInfo: UInt32? = nil
    ) {
        self.conntrackInfo = conntrackInfo
        self.packetID = packetID
        self.hwProtocol = hwProtocol
        self.hook = hook
        self.payload = payload
        self.packetLength = packetLength
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.mark = mark
        self.skbInfo = skbInfo
    }

    /// True when the kernel handed over fewer bytes than the packet has.
    public var isTruncatedCopy: Bool { payload.count < packetLength }
}

/// The kernel's NFQA_SKB_INFO flags (linux/netfilter/nfnetlink_queue.h).
public struct SKBInfo: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The transport checksum is partial (locally generated, offloaded): not an error.
    public static let checksumNotReady = SKBInfo(rawValue: 1 << 0)
    /// The packet is an unsegmented GSO packet and may exceed the MTU.
    public static let gso = SKBInfo(rawValue: 1 << 1)
    /// The device did not verify the checksum.
    public static let checksumNotVerified = SKBInfo(rawValue: 1 << 2)
}
