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

    /// Up to `maximumAddresses` addresses, stored inline.
    public struct Addresses: Sendable, Equatable {
        var storage: (IPAddress?, IPAddress?, IPAddress?, IPAddress?, IPAddress?, IPAddress?, IPAddress?, IPAddress?) =
            (nil, nil, nil, nil, nil, nil, nil, nil)

        public subscript(index: Int) -> IPAddress? {
            switch index {
            case 0: storage.0
            case 1: storage.1
            case 2: storage.2
            case 3: storage.3
            case 4: storage.4
            case 5: storage.5
            case 6: storage.6
            case 7: storage.7
            default: nil
            }
        }

        mutating func set(_ index: Int, _ address: IPAddress) {
            switch index {
            case 0: storage.0 = address
            case 1: storage.1 = address
            case 2: storage.2 = address
            case 3: storage.3 = address
            case 4: storage.4 = address
            case 5: storage.5 = address
            case 6: storage.6 = address
            case 7: storage.7 = address
            default: break
            }
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            (0..<DNSSummary.maximumAddresses).allSatisfy { lhs[$0] == rhs[$0] }
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
            if Int(count) < Self.maximumAddresses { addresses.set(Int(count), address) }
            count &+= 1
        }
        self.addresses = addresses
        addressCount = count
    }
}
