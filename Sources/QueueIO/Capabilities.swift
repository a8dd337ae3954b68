#if canImport(Glibc)
import Glibc
#endif

/// The process's Linux capabilities, as far as binding a queue needs to know them.
public enum Capabilities {
    /// CAP_NET_ADMIN's bit number (linux/capability.h).
    static let netAdmin = 12

    /// Whether CAP_NET_ADMIN is in the effective set, read from `/proc/self/status`
    /// (`CapEff:` hex mask). False when it cannot be read.
    public static func effectiveNetAdmin() -> Bool {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        return hasBit(netAdmin, inStatus: String(decoding: bytes[0..<count], as: UTF8.self))
    }

    /// Reads the `CapEff:` line of a /proc status text and tests bit `bit`.
    static func hasBit(_ bit: Int, inStatus status: String) -> Bool {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            guard let mask = UInt64(hex, radix: 16) else { return false }
            return mask & (1 << UInt64(bit)) != 0
        }
        return false
    }
}
