import Wire

/// A rule's `dns-name` or `dns-response-ip` condition: list `list` of the program's
/// `DNSRules` must (or, negated, must not) hold the question name or an answer address.
public struct DNSListCondition: Equatable, Hashable, Sendable {
    public var list: Int
    public var negated: Bool

    public init(list: Int, negated: Bool = false) {
        self.list = list
        self.negated = negated
    }
}

/// What `inspect dns [port LIST] [opcode LIST]` asks: UDP datagrams from or to one of
/// `ports` carry a DNS message that must decode completely (docs/decoding.md, DNS).
public struct DNSInspection: Equatable, Sendable {
    /// The DNS ports; 53 by default.
    public var ports: ValueSet
    /// Opcodes besides QUERY that may pass (NOTIFY for a secondary server, UPDATE).
    public var options: DNS.Options

    public init(ports: ValueSet = ValueSet(53), options: DNS.Options = DNS.Options()) {
        self.ports = ports
        self.options = options
    }

    /// Whether a datagram with these ports is inspected.
    @inline(__always)
    public func applies(sourcePort: UInt16?, destinationPort: UInt16?) -> Bool {
        guard let sourcePort, let destinationPort else { return false }
        return ports.contains(UInt128(sourcePort)) || ports.contains(UInt128(destinationPort))
    }
}

/// The DNS part of a ruleset: the inspection directive, and the name and address lists the
/// rules' `dns-name` and `dns-response-ip` conditions refer to by index (at most
/// `maximumLists` of each, so that a packet's hits fit one 64-bit word).
public struct DNSRules: Sendable {
    public static let maximumLists = 64

    public var inspection: DNSInspection?
    public var nameLists: [NameSet] = []
    /// Addresses of both families as `AddressKey` keys (an IPv4 address as ::ffff:a.b.c.d).
    public var addressLists: [ValueSet] = []

    public init(inspection: DNSInspection? = nil, nameLists: [NameSet] = [], addressLists: [ValueSet] = []) {
        self.inspection = inspection
        self.nameLists = nameLists
        self.addressLists = addressLists
    }

    /// How many names all lists hold together.
    public var nameCount: Int { nameLists.reduce(0) { $0 + $1.count } }
}

extension Program {
    /// `DNSRules.describe` with this program's lists.
    public func describeDNS(_ message: DNS.Message, in payload: RawSpan, into fields: inout PacketFields) {
        dns.describe(message, in: payload, into: &fields)
    }
}

extension DNSRules {
    /// Fills the DNS fields of `fields` from a decoded message (`payload` being the bytes it
    /// was decoded from): type, RCODE, and which lists hold the question name and the answer
    /// addresses. One hash walk per name list and one search per address and list; allocates
    /// nothing.
    public func describe(_ message: DNS.Message, in payload: RawSpan, into fields: inout PacketFields) {
        fields.dnsType = message.questionType
        fields.dnsRCode = message.isResponse ? message.rcode : nil
        fields.dnsNameHits = 0
        fields.dnsAddressHits = 0
        if !nameLists.isEmpty {
            // The question name is never compressed (nothing precedes it for a pointer to reach).
            let start = Int(message.questionName.offset)
            let end = start + Int(message.questionName.wireLength) - 1
            var hits: UInt64 = 0
            payload.withUnsafeBytes { raw in
                let name = UnsafeBufferPointer(rebasing: raw.assumingMemoryBound(to: UInt8.self)[start..<end])
                nameLists.withUnsafeBufferPointer { lists in
                    for index in lists.indices where lists[index].contains(wireName: name) { hits |= 1 << UInt64(index) }
                }
            }
            fields.dnsNameHits = hits
        }
        if !addressLists.isEmpty, message.addressAnswerCount > 0 {
            var hits: UInt64 = 0
            message.forEachAnswerAddress(in: payload) { address in
                // An A answer as its IPv4-mapped key, an AAAA answer as its own (AddressKey). An
                // AAAA answer holding an IPv4-mapped address (::ffff:a.b.c.d) is IPv6: it would
                // share an A answer's key, so it is kept out of IPv4 networks (and matches no list).
                let key = AddressKey.key(address)
                if case .v6 = address, AddressKey.ipv4.contains(key) { return }
                for index in addressLists.indices where addressLists[index].contains(key) {
                    hits |= 1 << UInt64(index)
                }
            }
            fields.dnsAddressHits = hits
        }
    }
}

extension RuleMatch {
    /// Whether the rule has a `dns-name` or `dns-response-ip` condition.
    public var hasDNSLists: Bool { dnsNames != nil || dnsAddresses != nil }

    /// The `dns-name` and `dns-response-ip` conditions: only a packet with a DNS message
    /// (`dnsType` set) meets one, negated or not.
    @inline(__always)
    func dnsListsMatch(_ packet: PacketFields) -> Bool {
        if let condition = dnsNames {
            guard packet.dnsType != nil, (packet.dnsNameHits >> UInt64(condition.list) & 1 == 1) != condition.negated else { return false }
        }
        if let condition = dnsAddresses {
            guard packet.dnsType != nil, (packet.dnsAddressHits >> UInt64(condition.list) & 1 == 1) != condition.negated else { return false }
        }
        return true
    }
}

/// The names of DNS types and RCODEs that rules and `explain` use (IANA DNS parameters).
public enum DNSNames {
    public static let types: [(name: String, value: UInt16)] = [
        ("a", 1), ("ns", 2), ("cname", 5), ("soa", 6), ("ptr", 12), ("hinfo", 13), ("mx", 15), ("txt", 16),
        ("aaaa", 28), ("srv", 33), ("naptr", 35), ("dname", 39), ("ds", 43), ("sshfp", 44), ("rrsig", 46),
        ("nsec", 47), ("dnskey", 48), ("nsec3", 50), ("tlsa", 52), ("svcb", 64), ("https", 65), ("spf", 99),
        ("ixfr", 251), ("axfr", 252), ("any", 255), ("uri", 256), ("caa", 257),
    ]
    public static let rcodes: [(name: String, value: UInt16)] = [
        ("noerror", 0), ("formerr", 1), ("servfail", 2), ("nxdomain", 3), ("notimp", 4), ("refused", 5),
        ("yxdomain", 6), ("yxrrset", 7), ("nxrrset", 8), ("notauth", 9), ("notzone", 10), ("badvers", 16),
        ("badcookie", 23),
    ]
    public static let opcodes: [(name: String, value: UInt16)] = [("query", 0), ("notify", 4), ("update", 5)]

    /// The value of `name` (any case) in `table`.
    public static func value(of name: String, in table: [(name: String, value: UInt16)]) -> UInt16? {
        let lower = name.lowercased()
        return table.first { $0.name == lower }?.value
    }

    /// "AAAA", or "TYPE65280" (RFC 3597 §5) for a type without a name here.
    public static func typeName(_ value: UInt16) -> String {
        types.first { $0.value == value }.map { $0.name.uppercased() } ?? "TYPE\(value)"
    }

    /// "NXDOMAIN", or the number.
    public static func rcodeName(_ value: UInt16) -> String {
        rcodes.first { $0.value == value }.map { $0.name.uppercased() } ?? "\(value)"
    }
}
