/// Why a datagram was refused: the layer, the field, where that field sits in the datagram,
/// and a stable reason code. The raw values are written to the verdict log and counted by
/// `report`, so they must never change once shipped.
public struct DecodeError: Error, Equatable, Sendable {
    /// The protocol layer whose bytes broke a rule.
    public enum Layer: String, Sendable, CaseIterable {
        case ipv4, tcp, udp, icmp
    }

    /// The offending field, with snake_case raw values as logged.
    public enum Field: String, Sendable, CaseIterable {
        /// The fixed part of a header as a whole (used when it is cut short).
        case header
        case version
        case ihl
        case totalLength = "total_length"
        case headerChecksum = "header_checksum"
        case flags
        case fragmentOffset = "fragment_offset"
        case options
        case `protocol`
        case dataOffset = "data_offset"
        case checksum
        case length
        case type
        case code
    }

    /// Stable, hyphenated reason codes.
    public enum Reason: String, Sendable, CaseIterable {
        case truncated
        case badVersion = "bad-version"
        case badHeaderLength = "bad-header-length"
        case badTotalLength = "bad-total-length"
        case trailingBytes = "trailing-bytes"
        case badChecksum = "bad-checksum"
        case unknownProtocol = "unknown-protocol"
        case ipOptions = "ip-options"
        case badFlags = "bad-flags"
        case fragment
        case badLength = "bad-length"
        case badTCPOption = "bad-tcp-option"
        case unknownICMPType = "unknown-icmp-type"
        case badICMPCode = "bad-icmp-code"
    }

    public var layer: Layer
    public var field: Field
    /// Byte offset from the start of the IP datagram of the offending field.
    public var offset: Int
    public var reason: Reason

    public init(layer: Layer, field: Field, offset: Int, reason: Reason) {
        self.layer = layer
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// The single place every decoder builds its error; kept out of line so the
    /// hot path only carries a call (swift-nio-ssh does the same).
    @inline(never)
    static func make(_ layer: Layer, _ field: Field, at offset: Int, _ reason: Reason) -> DecodeError {
        DecodeError(layer: layer, field: field, offset: offset, reason: reason)
    }
}

extension DecodeError: CustomStringConvertible {
    /// `ipv4 total_length @2: trailing-bytes (…sentence…)`; for diagnostics, not for parsing.
    public var description: String {
        "\(layer.rawValue) \(field.rawValue) @\(offset): \(reason.rawValue) (\(message))"
    }

    /// A human sentence for logs. It is fixed per layer, field and reason: the error carries no
    /// packet values, so that building one never allocates.
    public var message: String {
        let name = layer.displayName
        switch reason {
        case .truncated:
            switch field {
            case .header: return "the \(name) header is shorter than its fixed minimum size"
            case .ihl: return "the IPv4 header length (IHL) reaches past the bytes received"
            case .totalLength: return "the IPv4 total length is greater than the bytes received"
            case .dataOffset: return "the TCP data offset reaches past the end of the segment"
            case .length: return "the \(name) length field is greater than the IP payload"
            default: return "the \(name) \(field.displayName) reaches past the bytes received"
            }
        case .badVersion: return "the IP version is not 4"
        case .badHeaderLength:
            return field == .dataOffset
                ? "the TCP data offset is below the minimum of 5 words"
                : "the IPv4 header length (IHL) is below the minimum of 5 words"
        case .badTotalLength: return "the IPv4 total length is smaller than its own header"
        case .trailingBytes:
            return field == .length
                ? "the \(name) length field is shorter than the IP payload"
                : "bytes remain after the IPv4 total length"
        case .badChecksum: return "the \(name) \(field.displayName) does not match the bytes"
        case .unknownProtocol: return "the IP protocol is not ICMP, TCP or UDP"
        case .ipOptions: return "the IPv4 header carries options, which are not accepted"
        case .badFlags: return "the reserved IPv4 flag bit is set"
        case .fragment: return "the datagram is a fragment, which is not accepted"
        case .badLength: return "the \(name) length field is below the minimum header size"
        case .badTCPOption: return "a TCP option has an impossible length"
        case .unknownICMPType: return "the ICMP type is not one that is accepted"
        case .badICMPCode: return "the ICMP code is not defined for its type"
        }
    }
}

extension DecodeError.Layer {
    /// The protocol's conventional spelling, as used in sentences.
    var displayName: String {
        switch self {
        case .ipv4: "IPv4"
        case .tcp: "TCP"
        case .udp: "UDP"
        case .icmp: "ICMP"
        }
    }
}

extension DecodeError.Field {
    /// The field's name with spaces, as used in sentences.
    var displayName: String {
        switch self {
        case .headerChecksum: "header checksum"
        case .totalLength: "total length"
        case .fragmentOffset: "fragment offset"
        case .dataOffset: "data offset"
        default: rawValue
        }
    }
}
