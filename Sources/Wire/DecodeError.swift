/// Why a datagram was refused: the layer, the field, where that field sits in the datagram,
/// and a stable reason code. The raw values are written to the verdict log and counted by
/// `report`, so they must never change once shipped.
public struct DecodeError: Error, Equatable, Sendable {
    /// The protocol layer whose bytes broke a rule.
    public enum Layer: String, Sendable, CaseIterable {
        case ipv4, tcp, udp, icmp
        /// The IPv6 fixed header (RFC 8200 §3).
        case ipv6
        /// IPv6 extension headers (RFC 8200 §4), each its own layer so the log names it.
        case ipv6HopByHop = "ipv6_hop_by_hop"
        case ipv6Routing = "ipv6_routing"
        case ipv6Fragment = "ipv6_fragment"
        case ipv6DestinationOptions = "ipv6_destination_options"
        /// ICMP for IPv6 (RFC 4443), neighbor discovery (RFC 4861) and MLD (RFC 3810) included.
        case icmpv6
        /// IGMP v1, v2, v3 (RFC 1112, RFC 2236, RFC 3376).
        case igmp
        /// IP Encapsulating Security Payload (RFC 4303).
        case esp
        /// IP Authentication Header (RFC 4302).
        case ah
        /// Virtual Router Redundancy Protocol v2 and v3 (RFC 3768, RFC 9568).
        case vrrp
        /// Stream Control Transmission Protocol (RFC 9260).
        case sctp
        /// Generic Routing Encapsulation (RFC 2784, RFC 2890).
        case gre
        /// A DNS message over UDP (RFC 1035 §4), decoded when the rules say `inspect dns`.
        case dns
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
        /// IPv6 fixed header (RFC 8200 §3).
        case payloadLength = "payload_length"
        case nextHeader = "next_header"
        case hopLimit = "hop_limit"
        case sourceAddress = "source_address"
        case destinationAddress = "destination_address"
        /// Routing header (RFC 8200 §4.4).
        case routingType = "routing_type"
        case segmentsLeft = "segments_left"
        /// ICMPv6 packet too big (RFC 4443 §3.2).
        case mtu
        /// The target address of a neighbor solicitation, advertisement or redirect (RFC 4861).
        case targetAddress = "target_address"
        /// An option of a neighbor discovery message (RFC 4861 §4.6).
        case ndOption = "nd_option"
        /// Router advertisement (RFC 1256 §3): number of addresses, and words per address entry.
        case addressCount = "address_count"
        case addressEntrySize = "address_entry_size"
        /// An ICMP extension structure or object (RFC 4884 §7, RFC 8335 §2), or a Mobile IP
        /// extension after a router advertisement (RFC 5944 §2.1).
        case `extension`
        /// IGMP (RFC 3376 §4.1.9, §4.2): a query's number of sources, a report's group record,
        /// a message's group address.
        case sourceCount = "source_count"
        case groupRecord = "group_record"
        case groupAddress = "group_address"
        /// Security Parameters Index (RFC 4303 §2.1).
        case spi
        /// A reserved field that must be zero (AH, RFC 4302 §2.3).
        case reserved
        /// VRRP (RFC 3768 §5.3, RFC 9568 §5.2): virtual router ID, authentication type,
        /// advertisement interval.
        case vrid
        case authType = "auth_type"
        case advertisementInterval = "advertisement_interval"
        /// SCTP (RFC 9260 §3.1, §3.2): the common header's verification tag, and a chunk.
        case verificationTag = "verification_tag"
        case chunk
        /// A transport port (SCTP, RFC 9260 §3.1).
        case sourcePort = "source_port"
        case destinationPort = "destination_port"
        /// DNS (RFC 1035 §4.1): header fields, names, records and their parts.
        case opcode
        case questionCount = "question_count"
        case answerCount = "answer_count"
        case authorityCount = "authority_count"
        case additionalCount = "additional_count"
        case name
        case `class`
        case rdlength
        case rdata
        case ednsOption = "edns_option"
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
        /// No longer produced (don't-fragment on a fragment is well formed, RFC 6864 §4);
        /// kept so that old logs still name a known code.
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
        /// IPv6 payload length 0 with bytes after the header, or a jumbo payload option (RFC 2675).
        case jumbogram
        /// IPv6 hop limit 0 (RFC 8200 §3).
        case hopLimitZero = "hop-limit-zero"
        /// A multicast IPv6 source address (RFC 4291 §2.7).
        case multicastSource = "multicast-source"
        /// The unspecified address as IPv6 destination (RFC 4291 §2.5.2).
        case unspecifiedDestination = "unspecified-destination"
        /// An IPv4-mapped address (::ffff:0:0/96) on the wire (RFC 4291 §2.5.5.2, RFC 5156 §2.2).
        case ipv4MappedAddress = "ipv4-mapped-address"
        /// Extension headers out of the order of RFC 8200 §4.1, or repeated.
        case badExtensionOrder = "bad-extension-order"
        /// An IPv6 option with an impossible length or value, or repeated.
        case badIPv6Option = "bad-ipv6-option"
        /// IPv6 padding that is not zero, longer than 7 bytes, or all a header holds (RFC 4942 §2.1.9.5).
        case badIPv6Padding = "bad-ipv6-padding"
        /// An IPv6 option type Portcullis does not know in this header.
        case ipv6OptionUnknown = "ipv6-option-unknown"
        /// A well-formed hop-by-hop options header the rules do not accept.
        case ipv6HopByHop = "ipv6-hop-by-hop"
        /// A well-formed destination options header the rules do not accept.
        case ipv6DestinationOptions = "ipv6-destination-options"
        /// A well-formed routing header of a type the rules do not accept.
        case ipv6Routing = "ipv6-routing"
        /// A type 0 routing header: always refused (RFC 5095 §3).
        case ipv6RoutingType0 = "ipv6-routing-type-0"
        /// A malformed routing header, or one whose final destination cannot be known.
        case badRoutingHeader = "bad-routing-header"
        /// A fragment whose length is not a multiple of 8 with more to come, or that ends past 65535 (RFC 8200 §4.5).
        case badFragmentLength = "bad-fragment-length"
        /// A first fragment without the whole header chain (RFC 7112 §5).
        case incompleteHeaderChain = "incomplete-header-chain"
        /// A UDP checksum of 0 over IPv6 (RFC 8200 §8.1).
        case zeroChecksum = "zero-checksum"
        /// A packet too big message with an MTU below 1280 (RFC 8200 §5).
        case badMTU = "bad-mtu"
        /// An ICMPv6 error message longer than 1280 bytes (RFC 4443 §2.4 (c)).
        case icmpv6TooLong = "icmpv6-too-long"
        /// A neighbor discovery or MLD message that breaks RFC 4861 §6.1, §7.1, §8.1 or RFC 3810 §5.
        case badNeighborDiscovery = "bad-neighbor-discovery"
        case badMLD = "bad-mld"
        /// A router advertisement or solicitation that breaks RFC 1256 §3, §5.2, §6 or RFC 5944 §2.1.
        case badRouterDiscovery = "bad-router-discovery"
        /// An extended echo message whose extension structure breaks RFC 8335 §2–§3 or RFC 4884 §7.
        case badICMPExtension = "bad-icmp-extension"
        /// An IGMP type that is not a v1, v2 or v3 query, report or leave.
        case unknownIGMPType = "unknown-igmp-type"
        /// An IGMPv3 group record of a type outside 1–6 (RFC 3376 §4.2.12).
        case badGroupRecord = "bad-group-record"
        /// An IGMP group address that is not multicast where one is required.
        case badGroupAddress = "bad-group-address"
        /// An SPI of 0 (local use only) or 1-255 (reserved), RFC 4303 §2.1.
        case reservedSPI = "reserved-spi"
        /// A reserved field that is not zero where the receiver cannot clear it (AH, RFC 4302 §2.3).
        case badReserved = "bad-reserved"
        /// An AH datagram whose IPv4 header would be rewritten in bytes its ICV covers.
        case ahRewrite = "ah-rewrite"
        /// A VRRP advertisement that breaks a check of RFC 3768 §5, §7.1 or RFC 9568 §5, §7.1.
        case badVRRP = "bad-vrrp"
        /// An SCTP chunk with an impossible length, non-zero padding, or against RFC 9260 for its type.
        case badSCTPChunk = "bad-sctp-chunk"
        /// An SCTP chunk type Portcullis does not know whose upper bits are 00 or 01 (RFC 9260 §3.2).
        case unknownSCTPChunk = "unknown-sctp-chunk"
        /// An SCTP verification tag of 0 outside an INIT, or not 0 with one (RFC 9260 §8.5.1).
        case badVerificationTag = "bad-verification-tag"
        /// A source or destination port of 0 where the protocol forbids it (SCTP, RFC 9260 §3.1).
        case zeroPort = "zero-port"
        /// GRE bits 1-5 set: RFC 1701 routing, strict source route or recursion (RFC 2784 §2.3).
        case badGREFlags = "bad-gre-flags"
        /// A tunnel inside a tunnel inside a tunnel: more nesting than `Datagram.maximumTunnelDepth`.
        case tunnelTooDeep = "tunnel-too-deep"
        /// DNS (RFC 1035 §4, RFC 2181, RFC 6891, RFC 9267); see DecodeError+DNS.swift.
        case dnsOpcode = "dns-opcode"
        case dnsZBit = "dns-z-bit"
        case dnsQuestionCount = "dns-question-count"
        case dnsQueryRecords = "dns-query-records"
        case dnsBadLabel = "dns-bad-label"
        case dnsNameTooLong = "dns-name-too-long"
        case dnsBadPointer = "dns-bad-pointer"
        case dnsPointerChain = "dns-pointer-chain"
        case dnsBadType = "dns-bad-type"
        case dnsBadTTL = "dns-bad-ttl"
        case dnsBadOPT = "dns-bad-opt"
        case dnsBadEDNSOption = "dns-bad-edns-option"
        case dnsBadRDATA = "dns-bad-rdata"
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
            case .embeddedHeader:
                part(layer == .icmpv6 ? "the ICMPv6 error quotes less than an IPv6 header" : "the ICMP error quotes less than an IPv4 header and 8 bytes")
            case .payloadLength: part("the IPv6 payload length is greater than the bytes received")
            case .nextHeader: part("the first fragment ends inside the "); part(name); part(" header")
            default: part("the "); part(name); part(" "); part(field.staticDisplayName); part(" reaches past the bytes received")
            }
        case .badVersion:
            switch (layer, field) {
            case (.icmpv6, _): part("the IP header quoted by the ICMPv6 error is not version 6")
            case (_, .embeddedHeader): part("the IP header quoted by the ICMP error is not version 4")
            case (.ipv6, _): part("the IP version is not 6")
            case (.gre, _): part("the GRE version is not 0 (version 1, PPTP's enhanced GRE, is not accepted)")
            default: part("the IP version is not 4")
            }
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
            if layer == .dns {
                part("bytes follow the last record the DNS header counts")
            } else if layer == .igmp || layer == .vrrp {
                part("bytes follow the last field the "); part(name); part(" message declares")
            } else if field == .length {
                part("the "); part(name); part(" length field is shorter than the IP payload")
            } else if layer == .ipv6 {
                part("bytes remain after the IPv6 payload length")
            } else if field == .nextHeader {
                part("bytes follow a no-next-header (59)")
            } else {
                part("bytes remain after the IPv4 total length")
            }
        case .badChecksum:
            if field == .embeddedHeader {
                part("the header checksum of the IP header quoted by the ICMP error does not match")
            } else {
                part("the "); part(name); part(" "); part(field.staticDisplayName); part(" does not match the bytes")
            }
        case .unknownProtocol:
            switch layer {
            case .ipv4: part("the IP protocol is not ICMP, IGMP, TCP, UDP, ESP, AH, VRRP, SCTP, GRE, IP-in-IP or IPv6-in-IPv4")
            case .ah: part("the protocol after AH is not ICMP, IGMP, TCP, UDP, ESP or SCTP")
            case .gre: part("the GRE protocol type is not IPv4 (0x0800) or IPv6 (0x86DD)")
            default: part("the IPv6 next header is not TCP, UDP, ICMPv6 or an accepted extension header")
            }
        case .ipOptions: part("the IPv4 header carries options, which are not accepted")
        case .badFlags: part("don't-fragment is set on a fragment")
        case .fragment: part("the datagram is a fragment, which the rules do not accept")
        case .badLength: part("the "); part(name); part(" length field is below the minimum header size")
        case .badTCPOption: part("a TCP option has an impossible length or value, or is not allowed without SYN")
        case .unknownICMPType: part("the "); part(name); part(" type is not one that is accepted")
        case .badICMPCode: part("the "); part(name); part(" code is not defined for its type")
        case .ttlZero: part("the IPv4 time to live is 0")
        case .illegalFlags: part("the TCP flags are an impossible combination")
        case .badIPOption: part("an IPv4 option has an impossible length or pointer")
        case .ipOptionSourceRoute: part("the IPv4 header carries a source route option, which is never accepted")
        case .ipOptionRecordRoute: part("the IPv4 header carries a record route option, which the rules do not accept")
        case .ipOptionTimestamp: part("the IPv4 header carries a timestamp option, which the rules do not accept")
        case .ipOptionRouterAlert: part("the IPv4 header carries a router alert option, which the rules do not accept")
        case .ipOptionSecurity: part("the IPv4 header carries a security option, which the rules do not accept")
        case .ipOptionUnknown: part("the IPv4 header carries an option of unknown type, which the rules do not accept")
        case .jumbogram: part("the IPv6 packet is a jumbogram (RFC 2675), which is not accepted")
        case .hopLimitZero: part("the IPv6 hop limit is 0")
        case .multicastSource: part("the IPv6 source address is multicast")
        case .unspecifiedDestination: part("the IPv6 destination address is the unspecified address")
        case .ipv4MappedAddress: part("an IPv6 address is IPv4-mapped (::ffff:0:0/96), which never belongs on the wire")
        case .badExtensionOrder: part("the "); part(name); part(" header is repeated or out of the order of RFC 8200")
        case .badIPv6Option: part("an option of the "); part(name); part(" header has an impossible length or value, or is repeated")
        case .badIPv6Padding: part("the padding of the "); part(name); part(" header is not zero, longer than 7 bytes, or all the header holds")
        case .ipv6OptionUnknown: part("the "); part(name); part(" header carries an option of a type not accepted in it")
        case .ipv6HopByHop: part("the packet carries a hop-by-hop options header, which the rules do not accept")
        case .ipv6DestinationOptions: part("the packet carries a destination options header, which the rules do not accept")
        case .ipv6Routing: part("the packet carries a routing header of a type the rules do not accept")
        case .ipv6RoutingType0: part("the packet carries a type 0 routing header, which is never accepted")
        case .badRoutingHeader: part("the routing header is malformed, or its final destination cannot be known")
        case .badFragmentLength: part("the fragment is not a multiple of 8 bytes with more to come, or ends past 65535 bytes")
        case .incompleteHeaderChain: part("the first fragment does not hold the whole header chain")
        case .zeroChecksum: part("the UDP checksum is 0, which IPv6 does not allow")
        case .badMTU: part("the packet too big message gives an MTU below 1280")
        case .icmpv6TooLong: part("the ICMPv6 error message is longer than 1280 bytes")
        case .badNeighborDiscovery: part("the neighbor discovery message breaks a validity check of RFC 4861")
        case .badMLD: part("the MLD message breaks a validity check of RFC 3810")
        case .badRouterDiscovery: part("the router advertisement or solicitation breaks a validity check of RFC 1256")
        case .unknownIGMPType: part("the IGMP type is not a v1, v2 or v3 query, report or leave")
        case .badGroupRecord: part("an IGMPv3 group record has a type outside 1-6")
        case .badGroupAddress: part("the IGMP group address is not a multicast address")
        case .reservedSPI: part("the "); part(name); part(" SPI is 0 or 1-255, which are reserved")
        case .badReserved: part("the "); part(name); part(" reserved field is not zero")
        case .ahRewrite: part("the IPv4 header would be rewritten in bytes the AH integrity check covers")
        case .badVRRP: part("the VRRP "); part(field.staticDisplayName); part(" breaks a validity check of RFC 3768 or RFC 9568")
        case .badSCTPChunk: part("an SCTP chunk has an impossible length or non-zero padding, or breaks RFC 9260 for its type")
        case .unknownSCTPChunk: part("an SCTP chunk type is unknown, and its upper bits (00 or 01) tell the receiver to discard the packet")
        case .zeroPort: part("the "); part(name); part(" "); part(field.staticDisplayName); part(" is 0")
        case .badVerificationTag: part("the SCTP verification tag is 0 without an INIT chunk, or not 0 with one")
        case .badGREFlags: part("the GRE header sets a routing, strict source route or recursion bit (RFC 1701), which RFC 2784 discards")
        case .tunnelTooDeep: part("the packet is nested in more than 2 tunnels")
        case .badICMPExtension: part("the extended echo message's extension structure breaks RFC 8335 or RFC 4884")
        case .dnsOpcode, .dnsZBit, .dnsQuestionCount, .dnsQueryRecords, .dnsBadLabel, .dnsNameTooLong,
             .dnsBadPointer, .dnsPointerChain, .dnsBadType, .dnsBadTTL, .dnsBadOPT, .dnsBadEDNSOption, .dnsBadRDATA:
            forEachDNSMessagePart(part)
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
        case .ipv6: "IPv6"
        case .ipv6HopByHop: "hop-by-hop options"
        case .ipv6Routing: "routing"
        case .ipv6Fragment: "fragment"
        case .ipv6DestinationOptions: "destination options"
        case .icmpv6: "ICMPv6"
        case .igmp: "IGMP"
        case .esp: "ESP"
        case .ah: "AH"
        case .vrrp: "VRRP"
        case .sctp: "SCTP"
        case .gre: "GRE"
        case .dns: "DNS"
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
        case .payloadLength: "payload length"
        case .nextHeader: "next header"
        case .hopLimit: "hop limit"
        case .sourceAddress: "source address"
        case .destinationAddress: "destination address"
        case .routingType: "routing type"
        case .segmentsLeft: "segments left"
        case .mtu: "MTU"
        case .targetAddress: "target address"
        case .ndOption: "option"
        case .addressCount: "address count"
        case .addressEntrySize: "address entry size"
        case .extension: "extension"
        case .sourceCount: "number of sources"
        case .groupRecord: "group record"
        case .groupAddress: "group address"
        case .spi: "SPI"
        case .reserved: "reserved field"
        case .vrid: "virtual router ID"
        case .authType: "authentication type"
        case .advertisementInterval: "advertisement interval"
        case .verificationTag: "verification tag"
        case .chunk: "chunk"
        case .sourcePort: "source port"
        case .destinationPort: "destination port"
        case .opcode: "opcode"
        case .questionCount: "question count"
        case .answerCount: "answer count"
        case .authorityCount: "authority count"
        case .additionalCount: "additional count"
        case .name: "name"
        case .class: "class"
        case .rdlength: "RDLENGTH"
        case .rdata: "RDATA"
        case .ednsOption: "EDNS option"
        }
    }
}
