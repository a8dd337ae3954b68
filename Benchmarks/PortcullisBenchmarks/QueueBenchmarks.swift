import Benchmark
import CNetfilterQueue
import Engine
import Log
import QueueIO
import Rules
import Serve
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Receive to verdict through the real run loop (`Serve.Worker.serveBatch`, what `run` does
/// when the socket is readable), without a kernel: a `ReplaySocket` hands the session one burst
/// of real-format `NFQNL_MSG_PACKET` datagrams per `recvmmsg`, the worker judges, logs and
/// answers each packet, and the verdicts are built into the session's send buffer and "sent"
/// (counted, not written). One scaled iteration is one packet: 40 batches of 25 make the 1,000
/// of a `.kilo` run, so the figures printed are per packet.
///
/// The mix, five packets repeated five times a batch (ids increase by one, as the kernel
/// numbers them): an accepted TCP segment, an accepted UDP datagram, a TCP SYN the policy
/// drops (logged: `log drops`), a TCP segment with a bad checksum (a decode drop, logged with
/// its `decode_error`), and a TCP segment whose urgent pointer must be zeroed (rebuilt: its
/// bytes go back in the verdict). `limit none`: every line asked for is written, so the
/// figure includes the line's cost whatever the run's length.
func queueBenchmarks() {
    let rules = """
        policy drop
        log drops limit none
        accept tcp to 10.2.0.0/16 port 443
        accept udp to any port 53
        """
    let mix = QueueMix.packets()

    Benchmark("queue receive, judge, log and verdict (per packet, mix of 5)") { benchmark in
        let socket = ReplaySocket(datagrams: mix.map { QueueMix.message(payload: $0) }, repeats: QueueMix.repeats)
        guard let worker = QueueMix.worker(rules: rules, socket: socket) else { return }
        // One batch first, as the first packets of a live run: it looks up the interfaces.
        try? worker.serveBatch()
        benchmark.startMeasurement()
        for _ in 0..<(benchmark.scaledIterations.count / QueueMix.batch) {
            blackHole(try? worker.serveBatch())
        }
        benchmark.stopMeasurement()
        // A sanity check that the mix took the paths it claims (a wrong fixture would
        // otherwise measure something else in silence).
        let counters = worker.engine.counters
        precondition(counters.decodeErrors > 0 && counters.rebuilt > 0 && counters.droppedByPolicy > 0 && counters.accepted > counters.rebuilt,
                     "the queue benchmark's mix did not take its paths: \(counters)")
        precondition(socket.sentBytes > 0 && worker.writer.linesWritten > 0)
    }
    floodBenchmarks()
}

/// A flood, every packet a drop (25 TCP SYNs to port 23 from 25 /24 networks, dropped by the
/// policy), judged three ways in one run: unlogged (`log none`, the floor); under a rate limit
/// that is exhausted (`limit 1/h burst 1`: the first packet of a sample gets its line, the
/// other 999 are counted in the `suppressed` summary); and, for scale, with every line written
/// (`limit none`). Each sample is a fresh worker and 1,000 packets, well under a second, so the
/// summary line itself is never due inside a measurement; the gate's housekeeping runs after
/// every batch, as the loop runs it after every turn. The claim checked by scripts/bench-check:
/// the second costs at most 1.5 times the first, compared within one run.
func floodBenchmarks() {
    let flood = QueueMix.floodPackets()
    for (name, rules) in [
        ("queue flood, all dropped: log none (per packet)", "policy drop\nlog none\naccept tcp to any port 443"),
        ("queue flood, all dropped: log drops, limit exhausted (per packet)",
         "policy drop\nlog drops limit 1/h burst 1\naccept tcp to any port 443"),
        ("queue flood, all dropped: log drops, limit none (per packet)",
         "policy drop\nlog drops limit none\naccept tcp to any port 443"),
    ] {
        Benchmark(name) { benchmark in
            let socket = ReplaySocket(datagrams: flood.map { QueueMix.message(payload: $0) }, repeats: 1)
            guard let worker = QueueMix.worker(rules: rules, socket: socket) else { return }
            try? worker.serveBatch()
            benchmark.startMeasurement()
            for _ in 0..<(benchmark.scaledIterations.count / QueueMix.batch) {
                blackHole(try? worker.serveBatch())
                worker.logGateHousekeeping(now: SystemClock().seconds())
            }
            benchmark.stopMeasurement()
            let counters = worker.engine.counters
            let program = worker.ruleset.program
            precondition(counters.droppedByPolicy == counters.packets && counters.packets > 0, "the flood was not all drops: \(counters)")
            if program.logMode != .none, program.logLimit != nil {
                precondition(worker.gate.suppressed + 1 >= counters.packets, "the limit was not exhausted")
            }
        }
    }
}

/// No signals: the benchmarks never stop the loop, they call `serveBatch` directly.
final class NoSignals: SignalSource {
    var pollDescriptor: Int32? { nil }
    func next() -> Int32? { nil }
}

/// The mix's two interfaces, as the kernel names them in the test topology.
struct BenchInterfaces: InterfaceDirectory {
    func lookUp(index: UInt32) -> InterfaceInfo {
        switch index {
        case QueueMix.inDevice: InterfaceInfo(name: "veth-fw-c", mtu: 1500)
        case QueueMix.outDevice: InterfaceInfo(name: "veth-fw-s", mtu: 1500)
        default: InterfaceInfo()
        }
    }
}

/// A `NetlinkSocket` that answers the session's bind and configuration requests with
/// acknowledgements, then, on every `recvmmsg`, delivers the same burst of packet datagrams
/// (copied into the session's slots, as the kernel copies them, with fresh packet ids), and
/// counts what is sent. Allocates nothing after `init`.
final class ReplaySocket: NetlinkSocket {
    private let storage: UnsafeMutableRawBufferPointer
    private let offsets: [Int]
    private let lengths: [Int]
    private let repeats: Int
    private var nextID: UInt32 = 1
    private var pendingAck: (seq: UInt32, waiting: Bool) = (0, false)
    private(set) var sentBytes = 0
    private(set) var sends = 0

    init(datagrams: [[UInt8]], repeats: Int) {
        let total = datagrams.reduce(0) { $0 + $1.count }
        storage = .allocate(byteCount: total, alignment: 16)
        var offsets: [Int] = []
        var offset = 0
        for datagram in datagrams {
            offsets.append(offset)
            UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + datagram.count)]).copyBytes(from: datagram)
            offset += datagram.count
        }
        self.offsets = offsets
        self.lengths = datagrams.map(\.count)
        self.repeats = repeats
    }

    deinit { storage.deallocate() }

    func send(_ bytes: UnsafeRawBufferPointer) throws(QueueError) {
        let header = bytes.load(as: nlmsghdr.self)
        if header.nlmsg_flags & UInt16(NLM_F_ACK) != 0 {
            pendingAck = (header.nlmsg_seq, true)
            return
        }
        sends += 1
        sentBytes += bytes.count
    }

    /// Only the acknowledgements of configuration requests come this way.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(QueueError) -> Int? {
        guard pendingAck.waiting else { return nil }
        pendingAck.waiting = false
        // NLMSG_ERROR with error 0 (an ACK): nlmsghdr, then int error and the request's header.
        _ = buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let nlh = mnl_nlmsg_put_header(buffer.baseAddress)!
        nlh.pointee.nlmsg_type = UInt16(NLMSG_ERROR)
        nlh.pointee.nlmsg_seq = pendingAck.seq
        _ = mnl_nlmsg_put_extra_header(nlh, 20)
        return Int(nlh.pointee.nlmsg_len)
    }

    func receive(
        many slots: Int, into buffer: UnsafeMutableRawBufferPointer, slotSize: Int,
        lengths: UnsafeMutablePointer<Int>
    ) throws(QueueError) -> Int {
        let count = min(slots, offsets.count * repeats)
        for slot in 0..<count {
            let which = slot % offsets.count
            let target = buffer.baseAddress! + slot * slotSize
            target.copyMemory(from: storage.baseAddress! + offsets[which], byteCount: self.lengths[which])
            // nfqnl_msg_packet_hdr.packet_id: after nlmsghdr (16), nfgenmsg (4), nlattr (4).
            target.storeBytes(of: nextID.bigEndian, toByteOffset: QueueMix.packetIDOffset, as: UInt32.self)
            nextID &+= 1
            lengths[slot] = self.lengths[which]
        }
        return count
    }

    func wait(alsoFor signals: Int32?, timeoutMilliseconds: Int32) throws(QueueError) -> Readiness {
        pendingAck.waiting ? .socket : []
    }
}

/// The fixture packets and the netlink messages that carry them.
enum QueueMix {
    /// The worker `run` would build for `rules` (read from a scratch file, compiled and
    /// self-checked by `RulesetFile.load`), over `socket`, logging to /dev/null.
    static func worker(rules: String, socket: ReplaySocket) -> Worker<ReplaySocket>? {
        let path = "/tmp/portcullis-bench-\(getpid()).rules"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return nil }
        _ = Array(rules.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(path) }
        guard let ruleset = try? RulesetFile.load(path: path, warnings: false),
              let session = try? QueueSession(socket: socket, configuration: QueueConfiguration(queue: 0)),
              let writer = try? JSONLinesWriter(destination: .file("/dev/null"), ruleset: ruleset.sha256)
        else { return nil }
        return Worker(
            session: session, engine: Engine(program: ruleset.program), writer: writer, signals: NoSignals(),
            ruleset: ruleset, options: WorkerOptions(), clock: SystemClock(), interfaces: BenchInterfaces())
    }

    /// The mix is repeated this many times a batch (5 x 5 = 25 datagrams, under the 32 slots).
    static let repeats = 5
    static let batch = 25
    static let inDevice: UInt32 = 4
    static let outDevice: UInt32 = 5
    static let packetIDOffset = 24

    /// 25 TCP SYNs to port 23 (the policy drops them), from 10.77.N.2 for N in 0..<25.
    static func floodPackets() -> [[UInt8]] {
        (0..<batch).map { index in
            var syn = typicalSYN()
            syn[13] = 77; syn[14] = UInt8(index)
            syn[22] = 0x00; syn[23] = 23
            return resealedAnyAddress(syn)
        }
    }

    /// `resealed` for any addresses: the IPv4 header checksum and the TCP checksum over the
    /// pseudo-header of the packet's own addresses (20-byte IPv4 header).
    static func resealedAnyAddress(_ original: [UInt8]) -> [UInt8] {
        var packet = original
        func sum(_ bytes: ArraySlice<UInt8>, _ initial: UInt32 = 0) -> UInt16 {
            var total = initial
            for index in stride(from: bytes.startIndex, to: bytes.endIndex, by: 2) {
                total += UInt32(bytes[index]) << 8 | (index + 1 < bytes.endIndex ? UInt32(bytes[index + 1]) : 0)
            }
            while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
            return ~UInt16(total)
        }
        packet[10] = 0; packet[11] = 0
        packet[36] = 0; packet[37] = 0
        let ip = sum(packet[0..<20])
        packet[10] = UInt8(ip >> 8); packet[11] = UInt8(ip & 0xFF)
        // Pseudo-header: source, destination, zero, protocol, TCP length.
        var pseudo = UInt32(packet[9]) + UInt32(packet.count - 20)
        for index in stride(from: 12, to: 20, by: 2) { pseudo += UInt32(packet[index]) << 8 | UInt32(packet[index + 1]) }
        let tcp = sum(packet[20...], pseudo)
        packet[36] = UInt8(tcp >> 8); packet[37] = UInt8(tcp & 0xFF)
        return packet
    }

    static func packets() -> [[UInt8]] {
        // Accepted: the established-connection segment to 10.2.0.2:443.
        let tcp = typicalSegment()
        // Accepted: a DNS query 10.1.0.2:5353 -> 10.2.0.3:53 with 40 bytes of payload.
        var udp: [UInt8] = [
            // IPv4: version 4 IHL 5, TOS 0, total length 68, id 0x2a2a, DF, TTL 63, UDP, checksum 0
            0x45, 0x00, 0x00, 0x44, 0x2A, 0x2A, 0x40, 0x00, 0x3F, 0x11, 0x00, 0x00,
            10, 1, 0, 2, 10, 2, 0, 3,
            // UDP: ports 5353 -> 53, length 48, checksum 0 (filled below)
            0x14, 0xE9, 0x00, 0x35, 0x00, 0x30, 0x00, 0x00,
        ]
        udp += (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        // Dropped by the policy and logged: a SYN to port 23.
        var syn = typicalSYN()
        syn[22] = 0x00; syn[23] = 23
        // Dropped on decode and logged: the segment with its TCP checksum off by one.
        var badChecksum = typicalSegment()
        badChecksum[37] &+= 1
        // Rebuilt: URG is off but the urgent pointer is 1; the rebuild zeroes it.
        var urgent = typicalSegment()
        urgent[38] = 0; urgent[39] = 1
        return [tcp, sealed(udp), resealed(syn), badChecksum, resealed(urgent)]
    }

    /// An `NFQNL_MSG_PACKET` message as the kernel builds it for a forwarded packet (the
    /// attributes in the kernel's order: packet header, interfaces, hardware address, payload).
    static func message(payload: [UInt8]) -> [UInt8] {
        var attributes: [UInt8] = []
        func attribute(_ type: UInt32, _ value: [UInt8]) {
            let length = 4 + value.count
            attributes += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(type & 0xFF), UInt8(type >> 8)]
            attributes += value
            attributes += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
        }
        func be32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        // nfqnl_msg_packet_hdr: be32 packet_id (patched per delivery), be16 hw_protocol IPv4,
        // u8 hook NF_INET_FORWARD (2).
        attribute(NFQA_PACKET_HDR.rawValue, [0, 0, 0, 0, 0x08, 0x00, 2])
        attribute(NFQA_IFINDEX_INDEV.rawValue, be32(inDevice))
        attribute(NFQA_IFINDEX_OUTDEV.rawValue, be32(outDevice))
        // nfqnl_msg_packet_hw: be16 hw_addrlen 6, u16 pad, u8 hw_addr[8].
        attribute(NFQA_HWADDR.rawValue, [0, 6, 0, 0, 0x02, 0x00, 0x0A, 0x01, 0x00, 0x02, 0, 0])
        attribute(NFQA_PAYLOAD.rawValue, payload)
        let length = 16 + 4 + attributes.count
        var message: [UInt8] = []
        // nlmsghdr (host order): length, type (NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET), flags 0, seq 0, pid 0.
        message += withUnsafeBytes(of: UInt32(length)) { Array($0) }
        message += withUnsafeBytes(of: UInt16(NFNL_SUBSYS_QUEUE << 8) | UInt16(NFQNL_MSG_PACKET.rawValue)) { Array($0) }
        message += [0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0]
        // nfgenmsg: family AF_INET, version 0, be16 res_id = queue 0.
        message += [UInt8(AF_INET), 0, 0, 0]
        message += attributes
        precondition(message.count == length && Array(message[(packetIDOffset - 4)..<(packetIDOffset - 2)]) == [11, 0])
        return message
    }

    /// Fills in the IPv4 header checksum and the UDP checksum of a datagram with a 20-byte header.
    static func sealed(_ original: [UInt8]) -> [UInt8] {
        var packet = original
        func sum(_ bytes: ArraySlice<UInt8>, _ initial: UInt32 = 0) -> UInt16 {
            var total = initial
            var index = bytes.startIndex
            while index < bytes.endIndex {
                total += UInt32(bytes[index]) << 8 | (index + 1 < bytes.endIndex ? UInt32(bytes[index + 1]) : 0)
                index += 2
            }
            while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
            return ~UInt16(total)
        }
        let ip = sum(packet[0..<20])
        packet[10] = UInt8(ip >> 8); packet[11] = UInt8(ip & 0xFF)
        // Pseudo-header: source, destination, zero, protocol, UDP length.
        var pseudo = UInt32(packet[9]) + UInt32(packet.count - 20)
        for index in stride(from: 12, to: 20, by: 2) { pseudo += UInt32(packet[index]) << 8 | UInt32(packet[index + 1]) }
        var udp = sum(packet[20...], pseudo)
        if udp == 0 { udp = 0xFFFF }  // RFC 768: a computed 0 is sent as all ones
        packet[26] = UInt8(udp >> 8); packet[27] = UInt8(udp & 0xFF)
        return packet
    }
}
