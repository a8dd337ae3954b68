import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// `run --log-min-free SIZE|PERCENT`: the free space on the log's filesystem under which
/// verdict lines stop (see `VerdictLogGate`). `0` turns the guard off.
public enum FreeSpaceThreshold: Equatable, Sendable, CustomStringConvertible {
    case bytes(UInt64)
    /// A percentage of the filesystem's size, 0...99.
    case percent(UInt64)

    /// What `run` uses when not told: 2 % of the filesystem, room left for logrotate's
    /// compression and for the other writers on the same disk.
    public static let `default` = FreeSpaceThreshold.percent(2)

    /// Parses `5%`, `0`, `1048576`, `512K`, `64M`, `2G`, `1T` (binary units, case ignored).
    /// `nil` for anything else, and for a percentage of 100 or more.
    public init?(parsing text: String) {
        if text.hasSuffix("%") {
            guard let value = UInt64(text.dropLast()), value < 100 else { return nil }
            self = .percent(value)
            return
        }
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if let last = text.last?.uppercased().first, let unit = units[last] {
            multiplier = unit
            digits = text.dropLast()
        }
        guard let value = UInt64(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self = .bytes(bytes)
    }

    /// The threshold in bytes on a filesystem of `total` bytes.
    public func bytes(ofTotal total: UInt64) -> UInt64 {
        switch self {
        case .bytes(let bytes): bytes
        case .percent(let percent): total / 100 * percent
        }
    }

    public var isOff: Bool { bytes(ofTotal: UInt64.max) == 0 }

    public var description: String {
        switch self {
        case .bytes(let bytes): "\(bytes) bytes"
        case .percent(let percent): "\(percent)%"
        }
    }
}

/// Space on a filesystem as an unprivileged writer sees it (`f_bavail`: the blocks reserved
/// for root do not count, since `run` writes as an unprivileged user).
public struct FilesystemSpace: Equatable, Sendable {
    public var available: UInt64
    public var total: UInt64

    public init(available: UInt64, total: UInt64) {
        self.available = available
        self.total = total
    }

    /// `statvfs` of the filesystem holding `path`; `nil` when it cannot be asked.
    public static func of(path: String) -> FilesystemSpace? {
        var info = statvfs()
        guard (try? SystemCall.retryingInterrupts({ statvfs(path, &info) })) != nil else { return nil }
        let block = UInt64(info.f_frsize)
        return FilesystemSpace(available: UInt64(info.f_bavail) * block, total: UInt64(info.f_blocks) * block)
    }

    /// Whether the space is under `threshold`.
    public func isLow(_ threshold: FreeSpaceThreshold) -> Bool {
        available < threshold.bytes(ofTotal: total)
    }
}
