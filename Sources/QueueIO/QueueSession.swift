import CNetfilterQueue
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How a queue is configured when it is bound.
public struct QueueConfiguration: Sendable {
    /// The NFQUEUE number (`--queue-num`).
    public var queue: UInt16
    /// Bytes of each packet to copy; 0xFFFF copies whole IPv4 packets.
    public var copyRange: UInt32 = 0xFFFF
    /// Kernel queue length limit (`NFQA_CFG_QUEUE_MAXLEN`); nil keeps the kernel default.
    public var maxLength: UInt32?
    /// Ask for unsegmented GSO packets (`NFQA_CFG_F_GSO`) instead of having the kernel
    /// segment them first. The decoder accepts their larger total length.
    public var gso: Bool = true
    /// Ask the kernel to attach each packet's conntrack state (`NFQA_CFG_F_CONNTRACK`), for
    /// rules that match `state`. Kernels built without CONFIG_NETFILTER_NETLINK_GLUE_CT refuse it.
    public var conntrack: Bool = false
    /// `NFQA_CFG_F_FAIL_OPEN`: when the queue is full the kernel accepts packets unjudged
    /// instead of dropping them. Off unless the operator asks (fail closed is the default).
    public var failOpen: Bool = false

    public init(
        queue: UInt16, copyRange: UInt32 = 0xFFFF, maxLength: UInt32? = nil, gso: Bool = true,
        conntrack: Bool = false, failOpen: Bool = false
    ) {
        self.queue = queue
        self.conntrack = conntrack
        self.failOpen = failOpen
        self.copyRange = copyRange
        self.maxLength = maxLength
        self.gso = gso
    }
}

/// What the handler answers for each packet. A rebuilt payload is borrowed only until
/// the handler's caller has copied it into the verdict message.
public enum QueueAnswer {
    case drop
    case accept
    case acceptRebuilt(UnsafeRawBufferPointer)
    /// `NF_REPEAT` with the packet's mark set to this value: the kernel runs the packet
    /// through the same hook again, where a rule before the NFQUEUE rule matches the mark
    /// (`reject`: `-m mark --mark M/M -j REJECT`).
    case repeatMarked(UInt32)
}

/// Counters of one session's life, reported in the `stop` event.
public struct QueueCounters: Sendable, Equatable {
    public var packetsReceived: UInt64 = 0
    public var verdictsSent: UInt64 = 0
    /// Receive-buffer overflows (`ENOBUFS`): the kernel dropped messages meant for us.
    public var socketOverflows: UInt64 = 0
    /// Packets that arrived while the queue was being bound, configured or unbound: each
    /// was answered with drop, unjudged (fail closed).
    public var droppedWhileBinding: UInt64 = 0
    /// Errors the kernel reported for our verdict messages (e.g. an unknown packet id).
    public var verdictErrors: UInt64 = 0
    /// Netlink messages we could not use (a packet message without a packet header).
    public var malformedMessages: UInt64 = 0
    /// Batch verdict messages sent (each answering a run of packets), and send calls made.
    public var batchMessages: UInt64 = 0
    public var sendCalls: UInt64 = 0
    /// Receive system calls that returned packets (or nothing), for calls-per-packet figures.
    public var receiveCalls: UInt64 = 0
    public init() {}
}

/// One bound NFQUEUE: receives packet messages and answers each with a verdict.
///
/// Owns its buffers, allocated once in `init`; receiving and answering allocate nothing.
/// Every packet message handed to the handler is answered: the handler returns the answer
/// and the session writes the verdict, so no path leaves a packet without one.
/// Not thread-safe by design: one loop owns one session (CONTRIBUTING.md, "One owner per queue").
public final class QueueSession<Socket: NetlinkSocket> {
    public let queue: UInt16
    public private(set) var counters = QueueCounters()
    private let socket: Socket
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    /// Slots for a burst of datagrams received with one call (see `receiveBatch`).
    private let batchSlots = 32
    private let slotSize: Int
    private let batchBuffer: UnsafeMutableRawBufferPointer
    private let batchLengths: UnsafeMutablePointer<Int>
    private let sendBuffer: UnsafeMutableRawBufferPointer
    private var sendLength = 0
    /// A run of identical plain verdicts not yet written (see `answerPacket`).
    private var pendingRun: (verdict: Int32, lastID: UInt32, count: Int)?
    private var sequence: UInt32 = 1
    private let attributes: UnsafeMutablePointer<UnsafeMutablePointer<nlattr>?>
    // Room for the largest attribute type either libnetfilter_queue or the kernel header knows.
    private let attributeCount = max(Int(__NFQA_MAX.rawValue), 64)
    private var bound = false

    /// Binds `configuration.queue` on `socket` and configures copy mode and flags in one
    /// acknowledged request. After it succeeds, the kernel queues packets to us.
    ///
    /// `hasNetAdmin` tells an EPERM for want of privilege from one for a queue that another
    /// process owns; tests replace it.
    public init(
        socket: Socket, configuration: QueueConfiguration,
        hasNetAdmin: () -> Bool = Capabilities.effectiveNetAdmin
    ) throws(QueueError) {
        self.socket = socket
        self.queue = configuration.queue
        // One maximal packet plus netlink overhead, as nf-queue.c sizes it.
        let size = 0xFFFF + pcs_mnl_socket_buffer_size() / 2
        receiveBuffer = .allocate(byteCount: size, alignment: 16)
        slotSize = (size + 15) & ~15
        batchBuffer = .allocate(byteCount: slotSize * batchSlots, alignment: 16)
        batchLengths = .allocate(capacity: batchSlots)
        sendBuffer = .allocate(byteCount: 4 * size, alignment: 16)
        attributes = .allocate(capacity: attributeCount)
        attributes.initialize(repeating: nil, count: attributeCount)
        do {
            try configure(configuration)
        } catch where error.operation == .bind && error.errno == .notPermitted {
            var refined = error
            refined.queueOwnedElsewhere = hasNetAdmin()
            throw refined
        }
        bound = true
    }

    deinit {
        receiveBuffer.deallocate()
        batchBuffer.deallocate()
        batchLengths.deallocate()
        sendBuffer.deallocate()
        attributes.deallocate()
    }

    /// Receives up to `maxMessages` datagrams that are already waiting (never blocks),
    /// hands each packet to `handle`, and sends all the verdicts in as few writes as the
    /// buffer allows. Returns the number of packets handled.
    @discardableResult
    public func receiveBatch(
        maxMessages: Int = 64,
        _ handle: (QueueMessage) -> QueueAnswer
    ) throws(QueueError) -> Int {
        var handled = 0
        var attempts = 0
        // Each call takes up to `batchSlots` datagrams (one queued packet each) in one system
        // call; stop when the socket is empty or `maxMessages` have been handled.
        while handled < maxMessages, attempts < maxMessages {
            attempts += 1
            let received: Int
            do {
                received = try socket.receive(
                    many: min(batchSlots, maxMessages - handled), into: batchBuffer, slotSize: slotSize,
                    lengths: batchLengths)
            } catch where error.errno == .noBufferSpace {
                // The kernel dropped messages for us; count it and keep serving.
                counters.socketOverflows += 1
                continue
            }
            counters.receiveCalls += 1
            if received == 0 { break }
            for slot in 0..<received where batchLengths[slot] > 0 {
                let base = batchBuffer.baseAddress! + slot * slotSize
                handled += try dispatch(at: base, count: batchLengths[slot]) { message in handle(message) }
            }
            if received < batchSlots { break }
        }
        try flush()
        return handled
    }

    /// Waits for packets or for `signals` (a signalfd) to become readable.
    public func wait(alsoFor signals: Int32?, timeoutMilliseconds: Int32 = -1) throws(QueueError) -> Readiness {
        try socket.wait(alsoFor: signals, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Sends pending verdicts and unbinds the queue. Packets still queued in the kernel
    /// are dropped by it (fail closed). Safe to call more than once.
    public func unbind() throws(QueueError) {
        try flush()
        guard bound else { return }
        bound = false
        try request(operation: .unbind) { nlh in
            nfq_nlmsg_cfg_put_cmd(nlh, UInt16(AF_INET), UInt8(NFQNL_CFG_CMD_UNBIND.rawValue))
        }
    }

    // MARK: configuration

    private func configure(_ configuration: QueueConfiguration) throws(QueueError) {
        try request(operation: .bind) { nlh in
            nfq_nlmsg_cfg_put_cmd(nlh, UInt16(AF_INET), UInt8(NFQNL_CFG_CMD_BIND.rawValue))
        }
        try request(operation: .configure) { nlh in
            nfq_nlmsg_cfg_put_params(nlh, UInt8(NFQNL_COPY_PACKET.rawValue), Int32(configuration.copyRange))
            if let maxLength = configuration.maxLength {
                nfq_nlmsg_cfg_put_qmaxlen(nlh, maxLength)
            }
            let flags = (configuration.gso ? UInt32(NFQA_CFG_F_GSO) : 0)
                | (configuration.conntrack ? UInt32(NFQA_CFG_F_CONNTRACK) : 0)
                | (configuration.failOpen ? UInt32(NFQA_CFG_F_FAIL_OPEN) : 0)
            let mask = UInt32(NFQA_CFG_F_GSO | NFQA_CFG_F_CONNTRACK | NFQA_CFG_F_FAIL_OPEN)
            mnl_attr_put_u32(nlh, UInt16(NFQA_CFG_FLAGS.rawValue), flags.bigEndian)
            mnl_attr_put_u32(nlh, UInt16(NFQA_CFG_MASK.rawValue), mask.bigEndian)
        }
        conntrack = configuration.conntrack
    }

    /// Whether the kernel attaches conntrack state to packets on this queue.
    public private(set) var conntrack = false

    /// Turns conntrack state on for an already bound queue (a reload brought `state` rules).
    public func enableConntrack() throws(QueueError) {
        guard !conntrack else { return }
        try request(operation: .configure) { nlh in
            mnl_attr_put_u32(nlh, UInt16(NFQA_CFG_FLAGS.rawValue), UInt32(NFQA_CFG_F_CONNTRACK).bigEndian)
            mnl_attr_put_u32(nlh, UInt16(NFQA_CFG_MASK.rawValue), UInt32(NFQA_CFG_F_CONNTRACK).bigEndian)
        }
        conntrack = true
    }

    /// Sends one config message with NLM_F_ACK and waits for the kernel's answer.
    /// Packets that arrive meanwhile are answered with drop (fail closed) and counted.
    private func request(
        operation: QueueError.Operation,
        _ fill: (UnsafeMutablePointer<nlmsghdr>) -> Void
    ) throws(QueueError) {
        try flush()
        let seq = nextSequence()
        let nlh = nfq_nlmsg_put(sendBuffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                                Int32(NFQNL_MSG_CONFIG.rawValue), UInt32(queue))!
        nlh.pointee.nlmsg_flags |= UInt16(NLM_F_ACK)
        nlh.pointee.nlmsg_seq = seq
        fill(nlh)
        try socket.send(UnsafeRawBufferPointer(start: nlh, count: Int(nlh.pointee.nlmsg_len)))
        var answer: Int32?
        while answer == nil {
            _ = try socket.wait(alsoFor: nil, timeoutMilliseconds: 1000)
            while answer == nil, let count = try socket.receive(into: receiveBuffer) {
                _ = try dispatch(at: receiveBuffer.baseAddress!, count: count, acknowledging: seq, answer: &answer) { _ in
                    counters.droppedWhileBinding += 1
                    return .drop
                }
            }
        }
        try flush()
        if let code = answer, code != 0 {
            throw QueueError(operation: operation, errno: Errno(rawValue: -code), queue: queue)
        }
    }

    private func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    // MARK: receiving

    private func dispatch(
        at base: UnsafeMutableRawPointer, count: Int, _ handle: (QueueMessage) -> QueueAnswer
    ) throws(QueueError) -> Int {
        var unused: Int32?
        return try dispatch(at: base, count: count, acknowledging: nil, answer: &unused, handle)
    }

    /// Walks the netlink messages in the `count` bytes at `base`.
    private func dispatch(
        at base: UnsafeMutableRawPointer,
        count: Int,
        acknowledging seq: UInt32?,
        answer: inout Int32?,
        _ handle: (QueueMessage) -> QueueAnswer
    ) throws(QueueError) -> Int {
        var remaining = Int32(count)
        var nlh = UnsafePointer(base.assumingMemoryBound(to: nlmsghdr.self))
        var handled = 0
        while mnl_nlmsg_ok(nlh, remaining) {
            switch Int32(nlh.pointee.nlmsg_type) {
            case NLMSG_ERROR:
                let code = mnl_nlmsg_get_payload(nlh).load(as: Int32.self)
                if let seq, nlh.pointee.nlmsg_seq == seq {
                    answer = code
                } else if code != 0 {
                    counters.verdictErrors += 1
                }
            case Int32(NFNL_SUBSYS_QUEUE << 8) | Int32(NFQNL_MSG_PACKET.rawValue):
                if let message = parsePacket(nlh) {
                    counters.packetsReceived += 1
                    handled += 1
                    try answerPacket(message.packetID, handle(message))
                } else {
                    counters.malformedMessages += 1
                }
            default:
                break
            }
            nlh = UnsafePointer(mnl_nlmsg_next(nlh, &remaining))
        }
        return handled
    }

    private func parsePacket(_ nlh: UnsafePointer<nlmsghdr>) -> QueueMessage? {
        attributes.update(repeating: nil, count: attributeCount)
        guard nfq_nlmsg_parse(nlh, attributes) >= 0,
              let header = attributes[Int(NFQA_PACKET_HDR.rawValue)],
              mnl_attr_get_payload_len(header) >= 7
        else { return nil }
        // struct nfqnl_msg_packet_hdr: __be32 packet_id; __be16 hw_protocol; __u8 hook (packed)
        let raw = UnsafeRawPointer(mnl_attr_get_payload(header)!)
        let packetID = UInt32(bigEndian: raw.loadUnaligned(as: UInt32.self))
        let hwProtocol = UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        let hook = raw.load(fromByteOffset: 6, as: UInt8.self)
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        if let attr = attributes[Int(NFQA_PAYLOAD.rawValue)] {
            payload = UnsafeRawBufferPointer(start: mnl_attr_get_payload(attr), count: Int(mnl_attr_get_payload_len(attr)))
        }
        // NFQA_CAP_LEN is present only when the copy was cut short; it holds the real length.
        let packetLength = u32(NFQA_CAP_LEN.rawValue).map(Int.init) ?? payload.count
        return QueueMessage(
            packetID: packetID, hwProtocol: hwProtocol, hook: hook, payload: payload,
            packetLength: packetLength,
            inInterface: u32(NFQA_IFINDEX_INDEV.rawValue) ?? 0,
            outInterface: u32(NFQA_IFINDEX_OUTDEV.rawValue) ?? 0,
            mark: u32(NFQA_MARK.rawValue) ?? 0,
            skbInfo: SKBInfo(rawValue: u32(NFQA_SKB_INFO.rawValue) ?? 0),
            conntrackInfo: u32(NFQA_CT_INFO.rawValue)
        )
    }

    /// A big-endian u32 attribute from the last parsed message, if present and well-sized.
    private func u32(_ type: UInt32) -> UInt32? {
        guard let attr = attributes[Int(type)], mnl_attr_get_payload_len(attr) >= 4 else { return nil }
        return UInt32(bigEndian: mnl_attr_get_u32(attr))
    }

    // MARK: answering

    /// Records one packet's answer. Consecutive plain verdicts of the same kind are held
    /// back and sent as one `NFQNL_MSG_VERDICT_BATCH`, which the kernel applies to every
    /// packet still queued with an id up to the last one: correct because we answer in the
    /// order the kernel numbered them, so everything before the run is already answered in
    /// an earlier message. A verdict that carries a rebuilt packet is its own message.
    private func answerPacket(_ packetID: UInt32, _ answer: QueueAnswer) throws(QueueError) {
        counters.verdictsSent += 1
        switch answer {
        case .drop: try extendRun(NF_DROP, packetID)
        case .accept: try extendRun(NF_ACCEPT, packetID)
        case .acceptRebuilt(let bytes):
            try closeRun()
            try appendVerdict(type: NFQNL_MSG_VERDICT, id: packetID, verdict: NF_ACCEPT, rebuilt: bytes)
        case .repeatMarked(let mark):
            try closeRun()
            try appendVerdict(type: NFQNL_MSG_VERDICT, id: packetID, verdict: NF_REPEAT, rebuilt: nil, mark: mark)
        }
    }

    private func extendRun(_ verdict: Int32, _ packetID: UInt32) throws(QueueError) {
        if let run = pendingRun, run.verdict == verdict {
            pendingRun = (verdict, packetID, run.count + 1)
            return
        }
        try closeRun()
        pendingRun = (verdict, packetID, 1)
    }

    /// Writes the held-back run: one plain verdict, or a batch verdict for several.
    private func closeRun() throws(QueueError) {
        guard let run = pendingRun else { return }
        pendingRun = nil
        let type = run.count == 1 ? NFQNL_MSG_VERDICT : NFQNL_MSG_VERDICT_BATCH
        try appendVerdict(type: type, id: run.lastID, verdict: run.verdict, rebuilt: nil)
        if run.count > 1 { counters.batchMessages += 1 }
    }

    /// Appends one verdict message; sends what is buffered first when it would not fit.
    private func appendVerdict(
        type: nfqnl_msg_types, id: UInt32, verdict: Int32, rebuilt: UnsafeRawBufferPointer?, mark: UInt32? = nil
    ) throws(QueueError) {
        // nlmsghdr + nfgenmsg + verdict header attribute + payload attribute, aligned.
        let needed = 64 + (rebuilt?.count ?? 0)
        if sendLength + needed > sendBuffer.count { try send() }
        let start = sendBuffer.baseAddress! + sendLength
        let nlh = nfq_nlmsg_put(start.assumingMemoryBound(to: CChar.self), Int32(type.rawValue), UInt32(queue))!
        nfq_nlmsg_verdict_put(nlh, Int32(bitPattern: id), verdict)
        if let mark { nfq_nlmsg_verdict_put_mark(nlh, mark) }
        if let rebuilt, let base = rebuilt.baseAddress {
            nfq_nlmsg_verdict_put_pkt(nlh, base, UInt32(rebuilt.count))
        }
        // NLMSG_ALIGN: netlink messages in one datagram start on 4-byte boundaries.
        sendLength += (Int(nlh.pointee.nlmsg_len) + 3) & ~3
    }

    /// Sends every verdict recorded since the last flush, in one write.
    public func flush() throws(QueueError) {
        try closeRun()
        try send()
    }

    private func send() throws(QueueError) {
        guard sendLength > 0 else { return }
        let length = sendLength
        sendLength = 0
        counters.sendCalls += 1
        try socket.send(UnsafeRawBufferPointer(start: sendBuffer.baseAddress, count: length))
    }
}
