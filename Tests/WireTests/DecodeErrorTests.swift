import Testing
import Wire

@Suite struct DecodeErrorTests {
    /// The logged codes are an external contract (`report` counts them): pin every one.
    @Test func reasonCodesAreStable() {
        #expect(DecodeError.Reason.allCases.map(\.rawValue) == [
            "truncated", "bad-version", "bad-header-length", "bad-total-length", "exceeds-mtu", "trailing-bytes",
            "bad-checksum", "unknown-protocol", "ip-options", "bad-flags", "fragment", "bad-length",
            "bad-tcp-option", "unknown-icmp-type", "bad-icmp-code", "ttl-zero", "illegal-flags", "bad-ip-option",
            "ip-option-source-route", "ip-option-record-route", "ip-option-timestamp", "ip-option-router-alert",
            "ip-option-security", "ip-option-unknown",
            // IPv6, extension headers, ICMPv6 (docs/decoding.md).
            "jumbogram", "hop-limit-zero", "multicast-source", "unspecified-destination", "ipv4-mapped-address",
            "bad-extension-order", "bad-ipv6-option", "bad-ipv6-padding", "ipv6-option-unknown", "ipv6-hop-by-hop",
            "ipv6-destination-options", "ipv6-routing", "ipv6-routing-type-0", "bad-routing-header",
            "bad-fragment-length", "incomplete-header-chain", "zero-checksum", "bad-mtu", "icmpv6-too-long",
            "bad-neighbor-discovery", "bad-mld",
            // ICMP router discovery and extended echo.
            "bad-router-discovery", "bad-icmp-extension",
            // IGMP and ESP.
            "unknown-igmp-type", "bad-group-record", "bad-group-address", "reserved-spi",
            // AH, VRRP and SCTP.
            "bad-reserved", "ah-rewrite", "bad-vrrp", "bad-sctp-chunk", "unknown-sctp-chunk", "bad-verification-tag",
            "zero-port",
            // GRE and tunnels.
            "bad-gre-flags", "tunnel-too-deep",
            // DNS (docs/decoding.md, DNS).
            "dns-opcode", "dns-z-bit", "dns-question-count", "dns-query-records", "dns-bad-label", "dns-name-too-long",
            "dns-bad-pointer", "dns-pointer-chain", "dns-bad-type", "dns-bad-ttl", "dns-bad-opt", "dns-bad-edns-option",
            "dns-bad-rdata",
        ])
    }

    @Test func fieldCodesAreStable() {
        #expect(DecodeError.Field.allCases.map(\.rawValue) == [
            "header", "version", "ihl", "total_length", "header_checksum", "flags", "fragment_offset",
            "options", "protocol", "data_offset", "checksum", "length", "type", "code", "ttl", "embedded_header",
            "payload_length", "next_header", "hop_limit", "source_address", "destination_address", "routing_type",
            "segments_left", "mtu", "target_address", "nd_option", "address_count", "address_entry_size", "extension",
            "source_count", "group_record", "group_address", "spi",
            "reserved", "vrid", "auth_type", "advertisement_interval", "verification_tag", "chunk", "source_port",
            "destination_port",
            "opcode", "question_count", "answer_count", "authority_count", "additional_count", "name", "class",
            "rdlength", "rdata", "edns_option",
        ])
    }

    @Test func layerCodesAreStable() {
        #expect(DecodeError.Layer.allCases.map(\.rawValue) == [
            "ipv4", "tcp", "udp", "icmp", "ipv6", "ipv6_hop_by_hop", "ipv6_routing", "ipv6_fragment",
            "ipv6_destination_options", "icmpv6", "igmp", "esp", "ah", "vrrp", "sctp", "gre", "dns",
        ])
    }

    @Test func everyCombinationHasASentence() {
        for layer in DecodeError.Layer.allCases {
            for field in DecodeError.Field.allCases {
                for reason in DecodeError.Reason.allCases {
                    let error = DecodeError(layer: layer, field: field, offset: 0, reason: reason)
                    #expect(!error.message.isEmpty)
                }
            }
        }
    }

    @Test func messagesAndDescription() {
        let error = DecodeError(layer: .udp, field: .length, offset: 24, reason: .trailingBytes)
        #expect(error.message == "the UDP length field is shorter than the IP payload")
        #expect(error.description == "udp length @24: trailing-bytes (the UDP length field is shorter than the IP payload)")
        let checksum = DecodeError(layer: .ipv4, field: .headerChecksum, offset: 10, reason: .badChecksum)
        #expect(checksum.message == "the IPv4 header checksum does not match the bytes")
        let order = DecodeError(layer: .ipv6Routing, field: .nextHeader, offset: 40, reason: .badExtensionOrder)
        #expect(order.description == "ipv6_routing next_header @40: bad-extension-order (the routing header is repeated or out of the order of RFC 8200)")
        let payload = DecodeError(layer: .ipv6, field: .payloadLength, offset: 4, reason: .trailingBytes)
        #expect(payload.message == "bytes remain after the IPv6 payload length")
    }
}
