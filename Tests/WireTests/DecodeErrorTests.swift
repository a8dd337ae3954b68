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
        ])
    }

    @Test func fieldCodesAreStable() {
        #expect(DecodeError.Field.allCases.map(\.rawValue) == [
            "header", "version", "ihl", "total_length", "header_checksum", "flags", "fragment_offset",
            "options", "protocol", "data_offset", "checksum", "length", "type", "code", "ttl", "embedded_header",
        ])
    }

    @Test func layerCodesAreStable() {
        #expect(DecodeError.Layer.allCases.map(\.rawValue) == ["ipv4", "tcp", "udp", "icmp"])
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
    }
}
