import CPcap
import Engine
import SystemCalls
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Writes IP datagrams to a classic pcap file with link type raw IP (LINKTYPE_RAW), which
/// Wireshark and `tcpdump -r` open directly. LINKTYPE_RAW carries IPv4 and IPv6 alike (the
/// reader tells them apart by the version nibble), so one file holds a dual-stack queue's
/// packets; LINKTYPE_IPV4 or LINKTYPE_IPV6 would each hold one family only.
///
/// After `init` succeeds, `write` never fails: libpcap buffers through stdio, and a failed
/// write surfaces only at `flush`/`close` (counted in `writeErrors`).
public final class PcapWriter {
    public let path: String
    public private(set) var packetsWritten: UInt64 = 0
    public private(set) var writeErrors: UInt64 = 0
    private let pcap: OpaquePointer
    private var dumper: OpaquePointer?

    /// The snapshot length written in the file header: the largest datagram of either
    /// family without a jumbogram, an IPv6 header (40) and a 65,535-byte payload (RFC 8200 §3).
    public static let snapshotLength: Int32 = 65_575

    /// Creates (mode 0640: it holds packet payloads) or truncates `path`, refusing a
    /// symlink or an unsafe directory as `OutputFile` does.
    public init(path: String) throws(PcapError) {
        self.path = path
        let fd: Int32
        do {
            fd = try OutputFile.open(path, mode: .truncate, permissions: 0o640)
        } catch {
            throw PcapError(path: path, message: error.description, kind: .unsafePath)
        }
        // `self.pcap` is set last: once every stored property is set, a throw runs deinit,
        // which closes it (closing it here too was a double free).
        guard let pcap = pcap_open_dead_with_tstamp_precision(pcs_dlt_raw(), Self.snapshotLength, UInt32(PCAP_TSTAMP_PRECISION_MICRO)) else {
            try? FileDescriptor(rawValue: fd).close()
            throw PcapError(path: path, message: "libpcap could not start a capture file")
        }
        guard let stream = fdopen(fd, "w") else {
            let code = SystemCall.lastError
            try? FileDescriptor(rawValue: fd).close()
            pcap_close(pcap)
            throw PcapError(path: path, message: String(cString: strerror(code.rawValue)))
        }
        guard let dumper = pcap_dump_fopen(pcap, stream) else {
            let message = String(cString: pcap_geterr(pcap))
            fclose(stream)
            pcap_close(pcap)
            throw PcapError(path: path, message: message)
        }
        self.pcap = pcap
        self.dumper = dumper
    }

    deinit {
        close()
        pcap_close(pcap)
    }

    /// Appends one record. `bytes` may be a cut copy of a longer packet: `originalLength` is
    /// its length on the wire (pcap's `len`, beside the captured `caplen`).
    /// `timestamp` `nil` stamps the wall clock.
    public func write(_ bytes: UnsafeRawBufferPointer, originalLength: Int? = nil, timestamp: PacketTimestamp? = nil) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        let time = timestamp ?? Self.now()
        header.ts.tv_sec = time.seconds
        header.ts.tv_usec = time.microseconds
        header.caplen = UInt32(min(bytes.count, Int(Self.snapshotLength)))
        header.len = UInt32(max(originalLength ?? bytes.count, bytes.count))
        // pcap_dump's first argument is the dumper passed as libpcap's opaque "user" bytes.
        pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        packetsWritten += 1
    }

    /// Pushes buffered records to the file.
    public func flush() {
        guard let dumper else { return }
        if pcap_dump_flush(dumper) != 0 { writeErrors += 1 }
    }

    /// Flushes and closes the file; later writes are ignored.
    public func close() {
        guard let dumper else { return }
        flush()
        pcap_dump_close(dumper)
        self.dumper = nil
    }

    /// The wall clock, as a capture record stamps it.
    public static func now() -> PacketTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return PacketTimestamp(seconds: now.tv_sec, microseconds: now.tv_nsec / 1000)
    }
}
