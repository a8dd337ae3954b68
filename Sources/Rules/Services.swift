import Wire

/// Port names from the services database (services(5), `/etc/services`): `port ssh` is
/// `port 22`. The names are resolved when a ruleset is loaded (at start and on each reload),
/// never per packet; `explain` shows what each name stood for.
///
/// Rules does no I/O: the table comes from the `RuleSourceLoader` (the CLI's reads
/// `/etc/services`; Debian's `netbase` package provides it).
public struct ServiceTable: Equatable, Sendable {
    /// Port by name (and alias), for each protocol.
    private var tcp: [String: UInt16] = [:]
    private var udp: [String: UInt16] = [:]

    /// The empty table: every port name is unknown.
    public init() {}

    /// Reads services(5) text: `NAME PORT/PROTOCOL [ALIAS ...] [# comment]` a line. Lines it
    /// cannot read are skipped (as getservent(3) does); the first entry for a name wins.
    public init(parsing text: String) {
        for line in text.split(whereSeparator: { $0 == "\n" }) {
            let content = line.prefix { $0 != "#" }
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard fields.count >= 2 else { continue }
            let portAndProto = fields[1].split(separator: "/")
            guard portAndProto.count == 2, let port = UInt16(portAndProto[0]) else { continue }
            let names = [fields[0]] + fields.dropFirst(2)
            for name in names {
                switch portAndProto[1] {
                case "tcp": if tcp[String(name)] == nil { tcp[String(name)] = port }
                case "udp": if udp[String(name)] == nil { udp[String(name)] = port }
                default: break
                }
            }
        }
    }

    /// The port called `name` for `proto` (TCP or UDP); for no protocol, the TCP port, else UDP.
    public func port(_ name: String, proto: IPProtocol?) -> UInt16? {
        switch proto {
        case .tcp?: tcp[name]
        case .udp?: udp[name]
        default: tcp[name] ?? udp[name]
        }
    }

    /// Whether the table knows no name at all (no services file).
    public var isEmpty: Bool { tcp.isEmpty && udp.isEmpty }

    /// Every name for `proto`, for "did you mean".
    func names(proto: IPProtocol?) -> [String] {
        switch proto {
        case .tcp?: Array(tcp.keys)
        case .udp?: Array(udp.keys)
        default: Array(Set(tcp.keys).union(udp.keys))
        }
    }
}
