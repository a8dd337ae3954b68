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
        case ttl
        /// The IPv4 header (and first 8 bytes) an ICMP error message quotes (RFC 792).
        case embeddedHeader = "embedded_header"
    }

    /// Stable, hyphenated reason codes.
    public enum Reason: String, Sendable, CaseIterable {
        case truncated
        case badVersion = "bad-version"
        case badHeaderLength = "bad-header-length"
        case badTotalLength = "bad-total-length"
        /// Longer than the input interface's MTU without the kernel's GSO flag.
        case exceedsMTU = "exceeds-mtu"
        case trailingBytes = "trailing-bytes"
        case badChecksum = "bad-checksum"
        case unknownProtocol = "unknown-protocol"
        /// No longer produced (options are judged one by one since the `ip-option-*` codes);
        /// kept so that old logs still name a known code.
        case ipOptions = "ip-options"
        case badFlags = "bad-flags"
        case fragment
        case badLength = "bad-length"
        case badTCPOption = "bad-tcp-option"
        case unknownICMPType = "unknown-icmp-type"
        case badICMPCode = "bad-icmp-code"
        case ttlZero = "ttl-zero"
        case illegalFlags = "illegal-flags"
        /// An IPv4 option with an impossible length or pointer, or overrunning the header.
        case badIPOption = "bad-ip-option"
        /// Loose or strict source routing (RFC 791): always refused, whatever the rules say.
        case ipOptionSourceRoute = "ip-option-source-route"
        /// The options below are refused unless the ruleset allows their type.
        case ipOptionRecordRoute = "ip-option-record-route"
        case ipOptionTimestamp = "ip-option-timestamp"
        case ipOptionRouterAlert = "ip-option-router-alert"
        case ipOptionSecurity = "ip-option-security"
        case ipOptionUnknown = "ip-option-unknown"
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
    /// packet values. For diagnostics; the verdict log writes the same text with
    /// `forEachMessagePart`, which builds no String.
    public var message: String {
        var text = ""
        forEachMessagePart { text += $0.description }
        return text
    }

    /// Calls `part` with the pieces of `message`, in order. Allocates nothing: every piece is
    /// static text, so a logged decode drop is written straight into the log's buffer.
    public func forEachMessagePart(_ part: (StaticString) -> Void) {
        let name = layer.staticDisplayName
        switch reason {
        case .truncated:
            switch field {
            case .header: part("the "); part(name); part(" header is shorter than its fixed minimum size")
            case .ihl: part("the IPv4 header length (IHL) reaches past the bytes received")
            case .totalLength: part("the IPv4 total length is greater than the bytes received")
            case .dataOffset: part("the TCP data offset reaches past the end of the segment")
            case .length: part("the "); part(name); part(" length field is greater than the IP payload")
            case .embeddedHeader: part("the ICMP error quotes less than an IPv4 header and 8 bytes")
            default: part("the "); part(name); part(" "); part(field.staticDisplayName); part(" reaches past the bytes received")
            }
        case .badVersion:
            part(field == .embeddedHeader ? "the IP header quoted by the ICMP error is not version 4" : "the IP version is not 4")
        case .badHeaderLength:
            switch field {
            case .dataOffset: part("the TCP data offset is below the minimum of 5 words")
            case .embeddedHeader: part("the IP header quoted by the ICMP error has an IHL below 5 words")
            default: part("the IPv4 header length (IHL) is below the minimum of 5 words")
            }
        case .badTotalLength:
            part(field == .embeddedHeader
                ? "the IP header quoted by the ICMP error has a total length smaller than itself"
                : "the IPv4 total length is smaller than its own header")
        case .exceedsMTU:
            part("the packet is longer than its input interface's MTU and is not a GSO packet")
        case .trailingBytes:
            if field == .length {
                part("the "); part(name); part(" length field is shorter than the IP payload")
            } else {
                part("bytes remain after the IPv4 total length")
            }
        case .badChecksum:
            if field == .embeddedHeader {
                part("the header checksum of the IP header quoted by the ICMP error does not match")
            } else {
                part("the "); part(name); part(" "); part(field.staticDisplayName); part(" does not match the bytes")
            }
        case .unknownProtocol: part("the IP protocol is not ICMP, TCP or UDP")
        case .ipOptions: part("the IPv4 header carries options, which are not accepted")
        case .badFlags: part("don't-fragment is set on a fragment")
        case .fragment: part("the datagram is a fragment, which the rules do not accept")
        case .badLength: part("the "); part(name); part(" length field is below the minimum header size")
        case .badTCPOption: part("a TCP option has an impossible length or value, or is not allowed without SYN")
        case .unknownICMPType: part("the ICMP type is not one that is accepted")
        case .badICMPCode: part("the ICMP code is not defined for its type")
        case .ttlZero: part("the IPv4 time to live is 0")
        case .illegalFlags: part("the TCP flags are an impossible combination")
        case .badIPOption: part("an IPv4 option has an impossible length or pointer")
        case .ipOptionSourceRoute: part("the IPv4 header carries a source route option, which is never accepted")
        case .ipOptionRecordRoute: part("the IPv4 header carries a record route option, which the rules do not accept")
        case .ipOptionTimestamp: part("the IPv4 header carries a timestamp option, which the rules do not accept")
        case .ipOptionRouterAlert: part("the IPv4 header carries a router alert option, which the rules do not accept")
        case .ipOptionSecurity: part("the IPv4 header carries a security option, which the rules do not accept")
        case .ipOptionUnknown: part("the IPv4 header carries an option of unknown type, which the rules do not accept")
        }
    }
}

extension DecodeError.Layer {
    /// The protocol's conventional spelling, as used in sentences.
    var staticDisplayName: StaticString {
        switch self {
        case .ipv4: "IPv4"
        case .tcp: "TCP"
        case .udp: "UDP"
        case .icmp: "ICMP"
        }
    }
}

extension DecodeError.Field {
    /// The field's name with spaces, as used in sentences (otherwise its raw value).
    var staticDisplayName: StaticString {
        switch self {
        case .header: "header"
        case .version: "version"
        case .ihl: "ihl"
        case .totalLength: "total length"
        case .headerChecksum: "header checksum"
        case .flags: "flags"
        case .fragmentOffset: "fragment offset"
        case .options: "options"
        case .protocol: "protocol"
        case .dataOffset: "data offset"
        case .checksum: "checksum"
        case .length: "length"
        case .type: "type"
        case .code: "code"
        case .ttl: "time to live"
        case .embeddedHeader: "embedded header"
        }
    }
}
