import CPcap
import Engine
import Wire

/// A capture file could not be opened, read or written (exit status 3 in the CLI).
public struct PcapError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// libpcap could not open or read the file (its message).
        case io
        /// A record's timestamp is out of range (microseconds not below 1,000,000, or a time
        /// before 1970 or after 9999); the frame is named.
        case invalidTimestamp
        /// An output path refused by `OutputFile` (a symlink, an unsafe directory).
        case unsafePath
    }

    public var path: String
    public var message: String
    public var kind: Kind
    /// The 1-based frame (Wireshark's numbering) the error is about, when it is about one.
    public var frame: Int?

    public init(path: String, message: String, kind: Kind = .io, frame: Int? = nil) {
        self.path = path
        self.message = message
        self.kind = kind
        self.frame = frame
    }

    public var description: String {
        if let frame { return "\(path): frame \(frame): \(message)" }
        if kind == .unsafePath { return message }
        return "\(path): \(message)"
    }
}

/// The link layers `replay` understands, by their libpcap DLT value.
public enum PcapLinkType: Sendable, Equatable {
    case ethernet
    /// Raw IP (DLT_RAW, LINKTYPE_RAW 101): the frame is the datagram, version in its first nibble.
    case raw
    /// LINKTYPE_IPV4 (228): raw IPv4 only.
    case ipv4
    /// LINKTYPE_IPV6 (229): raw IPv6 only.
    case ipv6
    /// Linux cooked capture v1 (`tcpdump -i any`): a 16-byte header, protocol at 14.
    case linuxCooked
    /// Linux cooked capture v2: a 20-byte header, protocol at 0.
    case linuxCooked2

    init?(dlt: Int32) {
        switch dlt {
        case 1: self = .ethernet
        case pcs_dlt_raw(), 101: self = .raw
        case 228: self = .ipv4
        case 229: self = .ipv6
        case 113: self = .linuxCooked
        case 276: self = .linuxCooked2
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .ethernet: "Ethernet"
        case .raw: "raw IP"
        case .ipv4: "raw IPv4"
        case .ipv6: "raw IPv6"
        case .linuxCooked: "Linux cooked"
        case .linuxCooked2: "Linux cooked v2"
        }
    }
}

/// What a `PcapReader` saw besides the IP packets it delivered.
public struct PcapReaderCounters: Sendable, Equatable {
    /// Every frame in the file.
    public var frames = 0
    /// Frames delivered as IPv4 packets.
    public var ipv4 = 0
    /// Frames delivered as IPv6 packets.
    public var ipv6 = 0
    /// Frames that were not IP, by what they were ("arp", "ethertype 0x88cc", ...).
    public var notIP: [String: Int] = [:]
    /// Frames whose link-layer padding past the IP datagram's length was removed.
    public var paddingTrimmed = 0
    /// Frames the capture cut short (captured length below the length on the wire).
    public var truncated = 0

    /// Frames delivered to the engine, of either family.
    public var delivered: Int { ipv4 + ipv6 }
    public var notIPTotal: Int { notIP.values.reduce(0, +) }
}

/// Reads pcap and pcapng files through libpcap and delivers their IPv4 and IPv6 packets,
/// with the capture's timestamps and Wireshark's 1-based frame numbers, as a `PacketSource`.
///
/// Link-layer headers are removed. Frames that are not IP are counted, never judged; so is
/// a frame whose version nibble contradicts its link layer in a way that would send it to
/// the other family's decoder (IPv6 under EtherType 0x0800, anything but IPv6 under 0x86DD),
/// which the kernel's `ip_rcv`/`ipv6_rcv` drop before any netfilter hook. Bytes past the
/// datagram's length on a link with padding (Ethernet, Linux cooked) are removed as
/// `ip_rcv` and `ipv6_rcv` do, so replay judges what NFQUEUE would have been handed;
/// nothing else is changed.
public struct PcapReader: PacketSource {
    public let path: String
    public let linkType: PcapLinkType
    public private(set) var counters = PcapReaderCounters()
    /// What every packet is handed over with (`checksumNotReady` for captures taken where
    /// transport checksums are offloaded and so appear wrong).
    public let context: PacketContext
    private let handle: PcapHandle

    /// Opens `path` (pcap or pcapng) with microsecond timestamps.
    public init(path: String, context: PacketContext = PacketContext()) throws(PcapError) {
        self.path = path
        self.context = context
        var errorBuffer = [CChar](repeating: 0, count: Int(pcs_errbuf_size()))
        guard let pcap = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_MICRO), &errorBuffer) else {
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // libpcap names the file itself ("PATH: No such file or directory"); the error
            // adds the path once.
            throw PcapError(path: path, message: message.hasPrefix("\(path): ") ? String(message.dropFirst(path.count + 2)) : message)
        }
        handle = PcapHandle(pcap)
        let dlt = pcap_datalink(pcap)
        guard let linkType = PcapLinkType(dlt: dlt) else {
            let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "\(dlt)"
            throw PcapError(path: path, message: "unsupported link type \(name) (\(dlt)); replay reads Ethernet, raw IP and Linux cooked captures")
        }
        self.linkType = linkType
    }

    /// The next IP packet; skips (and counts) frames that are not IP.
    public mutating func nextPacket() throws(PcapError) -> SourcedPacket? {
        while true {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(handle.pcap, &header, &data)
            if status == PCAP_ERROR_BREAK { return nil }
            guard status == 1, let header, let data else {
                throw PcapError(path: path, message: String(cString: pcap_geterr(handle.pcap)))
            }
            counters.frames += 1
            let frame = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
            let wireLength = Int(header.pointee.len)
            if frame.count < wireLength { counters.truncated += 1 }
            switch classify(frame) {
            case .other(let kind):
                counters.notIP[kind, default: 0] += 1
            case .ip(let offset, let mayPad, let family):
                if family == .ipv6 { counters.ipv6 += 1 } else { counters.ipv4 += 1 }
                var bytes = UnsafeRawBufferPointer(rebasing: frame[offset...])
                var packetLength = max(wireLength - offset, bytes.count)
                if mayPad, let trimmed = Self.trimPadding(bytes) {
                    counters.paddingTrimmed += 1
                    bytes = trimmed
                    packetLength = trimmed.count
                }
                let timestamp = try Self.timestamp(header.pointee.ts, path: path, frame: counters.frames)
                return SourcedPacket(
                    bytes: bytes,
                    metadata: PacketMetadata(queue: 0, packetID: UInt32(truncatingIfNeeded: counters.frames), packetLength: packetLength, context: context),
                    timestamp: timestamp,
                    frame: counters.frames
                )
            }
        }
    }

    /// Latest second a record may carry: 9999-12-31T23:59:59Z (RFC 3339 has four-digit years).
    public static let latestSecond = 253_402_300_799

    /// The record's time, or a located error when libpcap handed over an impossible one:
    /// libpcap copies a classic pcap record's microseconds unchecked (tcpdump's
    /// `timestamp_invalid_micro.pcap` has 1,000,000 and more), and a pcapng 64-bit timestamp
    /// can lie past year 9999.
    static func timestamp(_ time: timeval, path: String, frame: Int) throws(PcapError) -> PacketTimestamp {
        let seconds = Int(time.tv_sec), microseconds = Int(time.tv_usec)
        guard (0..<1_000_000).contains(microseconds) else {
            throw PcapError(path: path, message: "timestamp microseconds \(microseconds) out of range (0 to 999999)",
                            kind: .invalidTimestamp, frame: frame)
        }
        guard (0...latestSecond).contains(seconds) else {
            throw PcapError(path: path, message: "timestamp seconds \(seconds) out of range (1970 to 9999)",
                            kind: .invalidTimestamp, frame: frame)
        }
        return PacketTimestamp(seconds: seconds, microseconds: microseconds)
    }

    private enum Frame {
        /// An IP datagram of `family` starts at `offset`; `mayPad`: the link layer pads short frames.
        case ip(offset: Int, mayPad: Bool, family: Family)
        case other(String)
    }

    enum Family { case ipv4, ipv6 }

    private func classify(_ frame: UnsafeRawBufferPointer) -> Frame {
        func be16(_ at: Int) -> UInt16 { UInt16(frame[at]) << 8 | UInt16(frame[at + 1]) }
        switch linkType {
        case .raw, .ipv4, .ipv6:
            guard let first = frame.first else { return .other("empty frame") }
            switch (first >> 4, linkType) {
            case (4, .raw), (4, .ipv4): return .ip(offset: 0, mayPad: false, family: .ipv4)
            case (6, .raw), (6, .ipv6): return .ip(offset: 0, mayPad: false, family: .ipv6)
            default: return .other("ip version \(first >> 4)")
            }
        case .ethernet:
            // Destination MAC 0-5 | source MAC 6-11 | EtherType 12-13; 802.1Q / 802.1ad
            // tags (4 bytes each) come before the real EtherType.
            var offset = 12
            while offset + 2 <= frame.count, be16(offset) == 0x8100 || be16(offset) == 0x88A8 { offset += 4 }
            guard offset + 2 <= frame.count else { return .other("short link header") }
            return classify(etherType: be16(offset), payloadAt: offset + 2, in: frame)
        case .linuxCooked:
            // Packet type 0-1 | ARPHRD 2-3 | address length 4-5 | address 6-13 | protocol 14-15.
            guard frame.count >= 16 else { return .other("short link header") }
            return classify(etherType: be16(14), payloadAt: 16, in: frame)
        case .linuxCooked2:
            // Protocol 0-1 | reserved 2-3 | interface 4-7 | ARPHRD 8-9 | type 10 | address 11-19.
            guard frame.count >= 20 else { return .other("short link header") }
            return classify(etherType: be16(0), payloadAt: 20, in: frame)
        }
    }

    /// The family the EtherType (or cooked protocol) names, checked against the version
    /// nibble where a mismatch would reach the other family's decoder: the kernel hands
    /// 0x0800 to `ip_rcv` and 0x86DD to `ipv6_rcv`, which drop a wrong version (RFC 791
    /// §3.1, RFC 8200 §3). Another bad version under 0x0800 is still delivered, so the IPv4
    /// decoder refuses it with a located `version` error, as before IPv6 was read.
    private func classify(etherType: UInt16, payloadAt offset: Int, in frame: UnsafeRawBufferPointer) -> Frame {
        let version = offset < frame.count ? frame[offset] >> 4 : nil
        switch etherType {
        case 0x0800:
            if version == 6 { return .other("ethertype 0x0800 with ip version 6") }
            return .ip(offset: offset, mayPad: true, family: .ipv4)
        case 0x86DD:
            guard let version else { return .other("empty frame") }
            guard version == 6 else { return .other("ethertype 0x86dd with ip version \(version)") }
            return .ip(offset: offset, mayPad: true, family: .ipv6)
        case 0x0806: return .other("arp")
        default: return .other(Self.etherTypeName(etherType))
        }
    }

    static func etherTypeName(_ etherType: UInt16) -> String {
        "ethertype 0x" + String(etherType, radix: 16, uppercase: false).leftPadded(to: 4)
    }

    /// The datagram without link padding, when the bytes run past the length its header
    /// claims; `nil` when there is nothing to trim. IPv4: the total length (at least the
    /// 20-byte header), as `ip_rcv` trims. IPv6: 40 + the payload length, as `ipv6_rcv`
    /// trims, except a payload length of 0 before a hop-by-hop header, which may announce
    /// a jumbogram (RFC 2675 §3) and is left to the decoder.
    static func trimPadding(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard bytes.count >= 4 else { return nil }
        let total: Int
        switch bytes[0] >> 4 {
        case 4:
            total = Int(bytes[2]) << 8 | Int(bytes[3])
            guard total >= 20 else { return nil }
        case 6:
            // Version/class/label 0-3 | payload length 4-5 | next header 6 | hop limit 7.
            guard bytes.count >= 40 else { return nil }
            let payload = Int(bytes[4]) << 8 | Int(bytes[5])
            guard payload > 0 || bytes[6] != 0 else { return nil }
            total = 40 + payload
        default:
            return nil
        }
        guard total < bytes.count else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[..<total])
    }
}

/// Owns the `pcap_t` so the reader can stay a value type; closes it once.
final class PcapHandle {
    let pcap: OpaquePointer

    init(_ pcap: OpaquePointer) {
        self.pcap = pcap
    }

    deinit {
        pcap_close(pcap)
    }
}

extension String {
    package func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
