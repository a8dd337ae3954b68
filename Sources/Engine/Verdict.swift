import Rules
import Wire

/// Why a packet got its verdict. Raw values are the log's `reason` field.
public enum VerdictReason: String, Sendable {
    /// A rule matched.
    case rule
    /// No rule matched; the ruleset's `policy` decided.
    case policy
    /// The packet did not decode; see `decode_error`.
    case decode
    /// Portcullis itself failed on this packet (fail safe: always a drop).
    case `internal`
}

/// What the engine tells the queue to do with a packet.
///
/// `acceptRebuilt` borrows the engine's rebuild buffer: valid until the next `judge`.
public enum Outcome {
    case drop
    case accept
    case acceptRebuilt(UnsafeRawBufferPointer)
    /// Not passed, and the sender is answered: the queue hands the packet back marked for
    /// the kernel's REJECT rule (TCP RST, or ICMP port unreachable).
    case reject

    public var action: Action {
        switch self {
        case .drop: .drop
        case .reject: .reject
        case .accept, .acceptRebuilt: .accept
        }
    }
}

/// What the kernel told us about a packet besides its bytes.
public struct PacketMetadata: Sendable, Equatable {
    public var queue: UInt16
    public var packetID: UInt32
    public var inInterface: UInt32
    public var outInterface: UInt32
    public var mark: UInt32
    /// The interfaces' names, for `in`/`out` rules; nil when the index is 0 or has no name.
    public var inInterfaceName: InterfaceName?
    public var outInterfaceName: InterfaceName?
    /// From NFQA_CT_INFO (`ConnectionState.fromKernel`); nil when conntrack is not in use.
    public var connectionState: ConnectionState?
    /// The packet's real length; more than the bytes given when the kernel cut the copy.
    public var packetLength: Int
    public var context: PacketContext

    public init(
        queue: UInt16, packetID: UInt32, inInterface: UInt32 = 0, outInterface: UInt32 = 0,
        mark: UInt32 = 0, packetLength: Int, context: PacketContext = PacketContext(),
        inInterfaceName: InterfaceName? = nil, outInterfaceName: InterfaceName? = nil,
        connectionState: ConnectionState? = nil
    ) {
        self.inInterfaceName = inInterfaceName
        self.outInterfaceName = outInterfaceName
        self.connectionState = connectionState
        self.queue = queue
        self.packetID = packetID
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.mark = mark
        self.packetLength = packetLength
        self.context = context
    }
}
