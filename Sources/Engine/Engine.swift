#if canImport(Glibc)
import Glibc
#endif
import Rules
import Wire

/// One packet's life: decode → evaluate → rebuild → verdict and log event.
///
/// Pure: no sockets, no files. The same engine serves `run` and `replay`.
/// All buffers are allocated in `init`; `judge` allocates nothing. One owner per engine
/// (CONTRIBUTING.md): the run loop that holds it is the only one that calls it.
public final class Engine {
    /// The compiled ruleset in force. Swapped only between packets.
    public private(set) var program: Program
    public private(set) var counters = EngineCounters()
    private let rebuildBuffer: UnsafeMutableRawBufferPointer
    /// The DNS message `inspectDNS` decoded from the packet being judged, and where it starts:
    /// its log summary is built only when the verdict is logged (Engine+DNS.swift).
    var pendingDNS: (message: DNS.Message, offset: Int)?
    /// The program's `inspect dns` and DNS lists, held apart so the per-packet path reads them
    /// without going through the whole program.
    private(set) var dnsRules: DNSRules

    /// The largest packet we decode: an IPv6 header and a 65,535-byte payload (RFC 8200 §3;
    /// jumbograms are refused). The rebuild buffer holds any of them, and any IPv4 datagram.
    public static let maximumPacketLength = IPv6.headerLength + 65_535

    public init(program: Program) {
        self.program = program
        dnsRules = program.dns
        rebuildBuffer = .allocate(byteCount: Self.maximumPacketLength, alignment: 16)
        counters.resetRuleHits(count: program.rules.count)
    }

    deinit {
        rebuildBuffer.deallocate()
    }

    /// Replaces the ruleset; the next `judge` uses the new one.
    public func swap(program: Program) {
        self.program = program
        dnsRules = program.dns
        counters.resetRuleHits(count: program.rules.count)
    }

    /// Judges one packet. Every path returns a verdict; anything we cannot fully decode,
    /// or fail on ourselves, is a drop with its reason.
    public func judge(_ bytes: UnsafeRawBufferPointer, metadata: PacketMetadata) -> (Outcome, VerdictEvent) {
        var event = VerdictEvent(
            metadata: metadata, verdict: .drop, reason: .internal, rule: nil, decodeError: nil,
            summary: nil, normalized: [], shouldLog: false
        )
        pendingDNS = nil
        let outcome: Outcome
        if faultInjected(metadata) {
            event.summary = Self.claimedSummary(bytes)
            outcome = .drop
        } else {
            outcome = decide(bytes, metadata: metadata, event: &event)
        }
        event.verdict = outcome.action
        event.shouldLog = shouldLog(event)
        if event.shouldLog { summarizeDNS(bytes, into: &event) }
        counters.count(event)
        counters.countFamily(firstByte: bytes.first)
        return (outcome, event)
    }

    /// The version nibble chooses the family's decoder, as `IPDatagram` does: 6 goes to IPv6,
    /// anything else to IPv4 (which refuses what is not version 4).
    private func decide(_ bytes: UnsafeRawBufferPointer, metadata: PacketMetadata, event: inout VerdictEvent) -> Outcome {
        if let first = bytes.first, first >> 4 == 6 {
            return decide(IPv6Datagram.self, bytes, metadata: metadata, event: &event)
        }
        return decide(Datagram.self, bytes, metadata: metadata, event: &event)
    }

    private func decide<D: JudgedDatagram>(
        _ family: D.Type, _ bytes: UnsafeRawBufferPointer, metadata: PacketMetadata, event: inout VerdictEvent
    ) -> Outcome {
        let datagram: D
        do {
            // The ruleset's `accept fragments` / `accept ip-options { ... }` / `accept ipv6-headers
            // { ... }` directives.
            datagram = try D(parsing: bytes.bytes, context: metadata.context, options: program.decodeOptions)
        } catch {
            event.reason = .decode
            event.decodeError = error
            // Only a packet that failed to decode needs what its header claims, for the log.
            event.summary = Self.claimedSummary(bytes)
            return .drop
        }
        event.summary = Self.summary(of: datagram)
        // A copy shorter than the packet decodes as truncated above; this guards the rebuild
        // against ever emitting from a partial copy should that change.
        guard bytes.count == metadata.packetLength else {
            event.reason = .internal
            return .drop
        }
        var fields = Self.fields(of: datagram, metadata: metadata)
        if let error = inspectDNS(datagram, bytes: bytes, into: &fields) {
            event.reason = .decode
            event.decodeError = error
            return .drop
        }
        let decision = program.evaluate(fields)
        if let index = decision.ruleIndex {
            event.reason = .rule
            event.rule = program.rules[index]
            event.ruleIndex = index
        } else {
            event.reason = .policy
        }
        switch decision.action {
        case .accept: return rebuild(datagram, original: bytes, context: metadata.context, event: &event)
        case .drop: return .drop
        case .reject: return .reject
        }
    }

    /// Whether two buffers hold the same bytes: `memcmp`, not a generic byte-by-byte walk
    /// (a 1,400-byte packet is compared whole whenever something was normalized).
    private static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress, let right = b.baseAddress else { return true }
        return memcmp(left, right, a.count) == 0
    }

    /// Emits the packet from its decoded form. Identical bytes need no payload in the
    /// verdict; different bytes are sent so that nothing unparsed rides through, and the
    /// event names what changed (Wire's normalizations).
    private func rebuild<D: JudgedDatagram>(
        _ datagram: D, original: UnsafeRawBufferPointer, context: PacketContext,
        event: inout VerdictEvent
    ) -> Outcome {
        // Wire guarantees that a datagram with nothing to normalize emits exactly the bytes it was
        // decoded from (with the received checksum when it is not ready): the property tests and
        // the Datagram fuzz target check it. Emitting it only to compare would cost the hot path
        // two checksums and a copy for the same answer.
        if datagram.normalizations.isEmpty { return .accept }
        let length = datagram.encodedLength
        // Only a BIG TCP datagram (total length 0, GSO) is longer than the buffer. Unchanged, it
        // passed above; one that needs a rebuild is dropped rather than emitted short.
        guard length <= rebuildBuffer.count else {
            event.reason = .internal
            return .drop
        }
        let out = UnsafeMutableRawBufferPointer(rebasing: rebuildBuffer[0..<length])
        // A not-ready checksum is a partial sum the kernel completes later: keep it unless
        // the packet changed, in which case the kernel no longer completes it for us.
        emit(datagram, original: original, into: out, mode: context.checksumNotReady ? .keepReceived : .compute)
        let rebuilt = UnsafeRawBufferPointer(out)
        if Self.sameBytes(rebuilt, original) { return .accept }
        event.normalized = datagram.normalizations
        if context.checksumNotReady {
            emit(datagram, original: original, into: out, mode: .compute)
            event.normalized.insert(.transportChecksum)
        }
        counters.rebuilt += 1
        return .acceptRebuilt(UnsafeRawBufferPointer(out))
    }

    private func emit<D: JudgedDatagram>(_ datagram: D, original: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, mode: ChecksumMode) {
        var span = out.mutableBytes
        datagram.emit(payloadFrom: original.bytes, into: &span, transportChecksum: mode)
    }

    private func shouldLog(_ event: VerdictEvent) -> Bool {
        if event.rule?.log == true { return true }
        switch program.logMode {
        case .all: return true
        case .drops: return event.verdict != .accept
        case .control:
            return event.verdict != .accept || (event.verdict == .accept && (event.summary?.tcpFlags ?? 0) & Self.controlFlags != 0)
        case .none: return event.reason == .internal
        }
    }

    /// SYN, FIN, RST: the segments that open and close connections, which `log control` logs.
    static let controlFlags = UInt8(truncatingIfNeeded: (TCP.Flags.syn.union(.fin).union(.rst)).rawValue)
}

extension Engine {
    /// What the rules see of a decoded packet of either family and of what the kernel said
    /// about it. For IPv6: the protocol is the last next header of the chain, the destination
    /// the header's field (not a routing header's final one), `ttl` the hop limit. A tunnelled
    /// packet (IPv4 outer only) adds the inner fields.
    static func fields<D: JudgedDatagram>(of datagram: D, metadata: PacketMetadata) -> PacketFields {
        var fields = PacketFields(
            proto: datagram.judgedProto, source: datagram.judgedSource, destination: datagram.judgedDestination,
            sourcePort: datagram.sourcePort, destinationPort: datagram.destinationPort,
            inInterface: metadata.inInterfaceName, outInterface: metadata.outInterfaceName,
            tcpFlags: datagram.judgedTCPFlags, icmpType: datagram.icmpType, icmpCode: datagram.icmpCode,
            connectionState: metadata.connectionState, length: datagram.judgedLength,
            ttl: datagram.judgedHopLimit, mark: metadata.mark
        )
        if let inner = datagram.judgedInner { fields.setInner(inner) }
        return fields
    }

    static func summary<D: JudgedDatagram>(of datagram: D) -> PacketSummary {
        PacketSummary(
            proto: datagram.judgedProto, source: datagram.judgedSource, destination: datagram.judgedDestination,
            sourcePort: datagram.sourcePort, destinationPort: datagram.destinationPort,
            icmpType: datagram.icmpType, icmpCode: datagram.icmpCode, tcpFlags: datagram.judgedTCPFlags,
            ttl: datagram.judgedHopLimit, inner: datagram.judgedInner
        )
    }

    /// What a packet that failed to decode claims about itself, for the log only: the
    /// addresses and protocol from a readable IPv4 or IPv6 fixed header, never used for a
    /// decision. For IPv6 the protocol is the fixed header's next header (an extension
    /// header's number when one follows) and `ttl` the hop limit.
    static func claimedSummary(_ bytes: UnsafeRawBufferPointer) -> PacketSummary? {
        guard !bytes.isEmpty else { return nil }
        switch bytes[0] >> 4 {
        case 4:
            // IPv4 header: version/IHL at 0, TTL at 8, protocol at 9, source at 12, destination at 16.
            guard bytes.count >= 20 else { return nil }
            func address(_ at: Int) -> IPv4Address {
                IPv4Address(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
            }
            return PacketSummary(proto: IPProtocol(rawValue: bytes[9]), source: address(12), destination: address(16), ttl: bytes[8])
        case 6:
            // IPv6 header (RFC 8200 §3): next header at 6, hop limit at 7, source at 8, destination at 24.
            guard bytes.count >= IPv6.headerLength else { return nil }
            func address(_ at: Int) -> IPAddress {
                var high: UInt64 = 0, low: UInt64 = 0
                for index in 0..<8 {
                    high = high << 8 | UInt64(bytes[at + index])
                    low = low << 8 | UInt64(bytes[at + 8 + index])
                }
                return .v6(IPv6Address(high: high, low: low))
            }
            return PacketSummary(proto: IPProtocol(rawValue: bytes[6]), source: address(8), destination: address(24), ttl: bytes[7])
        default:
            return nil
        }
    }
}
