import Wire

/// What the verdict log says about a DNS message `inspect dns` decoded (an EVE-style `dns`
/// object): query or answer, ID, the question's name, type and a response's RCODE, and the
/// addresses of its A and AAAA answers. Fixed size, built without allocating.
public struct DNSSummary: Sendable, Equatable {
    public var isResponse: Bool
    public var id: UInt16
    public var questionType: UInt16
    /// The 12-bit RCODE; logged for responses only.
    public var rcode: UInt16
    /// The question name in wire form (labels with their length octets, no root), as received.
    public var name: NameBytes
    /// The first `maximumAddresses` answer addresses, and how many the answer section holds.
    public var addresses: Addresses
    public var addressCount: UInt16

    public static let maximumAddresses = 8

    /// A name of at most 254 wire bytes, stored inline.
    public struct NameBytes: Sendable, Equatable {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        public private(set) var count = 0

        init() {}

        /// Takes `bytes` (at most 256; a decoded name holds at most 254).
        mutating func copy(_ bytes: RawSpan) {
            let length = min(bytes.byteCount, 256)
            bytes.withUnsafeBytes { source in
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<length]))
                }
            }
            count = length
        }

        /// Calls `body` with the bytes.
        public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.withBytes { left in rhs.withBytes { right in left.elementsEqual(right) } }
        }
    }

    /// Up to `maximumAddresses` addresses, stored inline as 16 bytes each (an IPv4 address
    /// in the low 4) and one bit per address for IPv6.
    public struct Addresses: Sendable, Equatable {
        var words: (UInt128, UInt128, UInt128, UInt128, UInt128, UInt128, UInt128, UInt128) = (0, 0, 0, 0, 0, 0, 0, 0)
        var isIPv6: UInt8 = 0
        var count = 0

        public subscript(index: Int) -> IPAddress? {
            guard index >= 0, index < count else { return nil }
            let word = withUnsafeBytes(of: words) { $0.load(fromByteOffset: index * 16, as: UInt128.self) }
            return isIPv6 >> UInt8(index) & 1 == 1
                ? .v6(IPv6Address(rawValue: word)) : .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: word)))
        }

        mutating func append(_ address: IPAddress) {
            guard count < DNSSummary.maximumAddresses else { return }
            let word: UInt128
            switch address {
            case .v4(let address): word = UInt128(address.rawValue)
            case .v6(let address):
                word = address.rawValue
                isIPv6 |= 1 << UInt8(count)
            }
            let index = count
            withUnsafeMutableBytes(of: &words) { $0.storeBytes(of: word, toByteOffset: index * 16, as: UInt128.self) }
            count += 1
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.count == rhs.count && (0..<lhs.count).allSatisfy { lhs[$0] == rhs[$0] }
        }
    }

    /// The summary of a decoded message; `payload` is the bytes it was decoded from.
    public init(_ message: DNS.Message, in payload: RawSpan) {
        isResponse = message.isResponse
        id = message.id
        questionType = message.questionType
        rcode = message.rcode
        var name = NameBytes()
        let start = Int(message.questionName.offset)
        name.copy(payload.extracting(start..<start + Int(message.questionName.wireLength) - 1))
        self.name = name
        var addresses = Addresses()
        var count: UInt16 = 0
        message.forEachAnswerAddress(in: payload) { address in
            addresses.append(address)
            count &+= 1
        }
        self.addresses = addresses
        addressCount = count
    }
}
