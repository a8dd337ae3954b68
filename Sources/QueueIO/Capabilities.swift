import SystemCalls

/// The process's Linux capabilities, as far as binding a queue needs to know them.
public enum Capabilities {
    /// CAP_NET_ADMIN's bit number (linux/capability.h).
    public static let netAdmin = 12

    /// Whether CAP_NET_ADMIN is in the effective set, read from `/proc/self/status`
    /// (`CapEff:` hex mask). False when it cannot be read.
    public static func effectiveNetAdmin() -> Bool {
        guard let bytes = try? WholeFile.read("/proc/self/status", maximumBytes: 65_536), !bytes.isEmpty else { return false }
        return hasBit(netAdmin, inStatus: String(decoding: bytes, as: UTF8.self))
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
