import Engine

/// Which packets `run --capture` writes.
public enum CaptureMode: String, Sendable, CaseIterable {
    /// Only the packets dropped.
    case drops
    /// Every packet judged.
    case all
}

/// `run --capture`: writes judged packets, as they arrived, to a pcap file, and optionally
/// the bytes actually sent for each packet the rebuild changed to a second one.
///
/// Records carry the wall-clock time of the verdict, so they line up with the verdict log's
/// `timestamp`. Written through stdio buffers; `flush` after each batch.
public final class PcapCapture {
    public let mode: CaptureMode
    public let original: PcapWriter
    public let rebuilt: PcapWriter?

    /// Creates both files. After it succeeds, recording never fails.
    public init(mode: CaptureMode, file: String, rebuiltFile: String?) throws(PcapError) {
        self.mode = mode
        original = try PcapWriter(path: file)
        rebuilt = try rebuiltFile.map { path throws(PcapError) in try PcapWriter(path: path) }
    }

    /// Records one judged packet if the mode asks for it. `bytes` may be a cut copy;
    /// `packetLength` is the packet's real length.
    public func record(_ bytes: UnsafeRawBufferPointer, packetLength: Int, outcome: Outcome) {
        let time = PcapWriter.now()
        switch outcome {
        case .drop, .reject:
            original.write(bytes, originalLength: packetLength, timestamp: time)
        case .accept:
            if mode == .all { original.write(bytes, originalLength: packetLength, timestamp: time) }
        case .acceptRebuilt(let sent):
            guard mode == .all else { return }
            original.write(bytes, originalLength: packetLength, timestamp: time)
            rebuilt?.write(sent, timestamp: time)
        }
    }

    public func flush() {
        original.flush()
        rebuilt?.flush()
    }

    public func close() {
        original.close()
        rebuilt?.close()
    }
}
