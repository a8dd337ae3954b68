/// A point in time as captures and logs carry it: seconds since the Unix epoch (UTC) and
/// microseconds within that second.
public struct PacketTimestamp: Sendable, Equatable, Comparable {
    public var seconds: Int
    /// 0...999_999.
    public var microseconds: Int

    public init(seconds: Int, microseconds: Int) {
        self.seconds = seconds
        self.microseconds = microseconds
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.seconds, a.microseconds) < (b.seconds, b.microseconds)
    }
}

/// One packet handed to the engine by a `PacketSource`.
///
/// `bytes` is borrowed from the source: valid only until the source's next `nextPacket()`.
public struct SourcedPacket {
    /// The IPv4 datagram as captured, link-layer header removed; possibly cut short
    /// (then `metadata.packetLength` is larger than `bytes.count`).
    public var bytes: UnsafeRawBufferPointer
    public var metadata: PacketMetadata
    /// When the packet was captured; `nil` for a live packet (the log stamps the clock).
    public var timestamp: PacketTimestamp?
    /// The 1-based number of the packet's frame in its capture, as Wireshark numbers it.
    public var frame: Int?

    public init(bytes: UnsafeRawBufferPointer, metadata: PacketMetadata, timestamp: PacketTimestamp? = nil, frame: Int? = nil) {
        self.bytes = bytes
        self.metadata = metadata
        self.timestamp = timestamp
        self.frame = frame
    }
}

/// Where packets come from: the kernel's queue (`run`) or a capture file (`replay`).
///
/// The engine sees either only through this protocol, so both are judged by exactly the
/// same code. A source delivers IPv4 datagrams only; what it skips (other link-layer
/// protocols) it counts itself.
public protocol PacketSource {
    associatedtype Failure: Error
    /// The next packet, or `nil` at the end. The packet's bytes stay valid until the next call.
    mutating func nextPacket() throws(Failure) -> SourcedPacket?
}

extension Engine {
    /// Judges every packet `source` delivers, in order, and hands each packet with its
    /// outcome and event to `body` before asking the source for the next one (so the
    /// packet's bytes and a rebuilt outcome's bytes are valid inside `body`).
    public func judgeAll<Source: PacketSource>(
        from source: inout Source,
        _ body: (borrowing SourcedPacket, Outcome, VerdictEvent) -> Void
    ) throws(Source.Failure) {
        while let packet = try source.nextPacket() {
            let (outcome, event) = judge(packet.bytes, metadata: packet.metadata)
            body(packet, outcome, event)
        }
    }
}
