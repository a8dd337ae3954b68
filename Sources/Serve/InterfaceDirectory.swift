import Rules
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// What the loop knows about one interface index. Index 0, or an index with no name, has none.
public struct InterfaceInfo: Equatable, Sendable {
    /// The kernel's name, as the log writes it.
    public var name: String?
    /// The same name as `in`/`out` rules compare it; nil when it does not fit an `InterfaceName`.
    public var ruleName: InterfaceName?
    /// The MTU; nil when unreadable, and then no MTU check is made.
    public var mtu: Int?

    public init(name: String? = nil, mtu: Int? = nil) {
        self.name = name
        self.ruleName = name.flatMap { InterfaceName(Substring($0)) }
        self.mtu = mtu
    }
}

/// Looks up an interface by index. The loop asks once per index and caches the answer, so a
/// lookup may make system calls and allocate.
public protocol InterfaceDirectory {
    /// The facts about interface `index` (never 0).
    func lookUp(index: UInt32) -> InterfaceInfo
}

/// The host's interfaces: the name from `if_indextoname`, the MTU from
/// `/sys/class/net/NAME/mtu` (ignored when below the IPv4 minimum of 68, RFC 791).
public struct SystemInterfaces: InterfaceDirectory {
    public init() {}

    public func lookUp(index: UInt32) -> InterfaceInfo {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return InterfaceInfo() }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var mtu: Int?
        if let bytes = try? WholeFile.read("/sys/class/net/\(name)/mtu", maximumBytes: 64),
           let value = Int(String(decoding: bytes, as: UTF8.self).filter(\.isNumber)), value >= 68 {
            mtu = value
        }
        return InterfaceInfo(name: name, mtu: mtu)
    }
}
