import Engine
import Wire

extension JSONLinesWriter {
    /// The `inner` object of a tunnelled packet (GRE, IP-in-IP, IPv6-in-IPv4): the addresses,
    /// ports, protocol and ICMP type and code of the packet the tunnel carries, with the same
    /// keys as the outer ones (docs/logs.md). Written without building a String (IPv6 addresses
    /// by `JSONBuffer+IPv6`).
    static func innerFields(_ inner: InnerPacket, into buffer: inout JSONBuffer) {
        buffer.beginObject("inner")
        buffer.field("src_ip", inner.source)
        if let port = inner.sourcePort { buffer.field("src_port", port) }
        buffer.field("dest_ip", inner.destination)
        if let port = inner.destinationPort { buffer.field("dest_port", port) }
        protoField(inner.proto, into: &buffer)
        if let type = inner.icmpType { buffer.field("icmp_type", type) }
        if let code = inner.icmpCode { buffer.field("icmp_code", code) }
        buffer.field("ttl", inner.hopLimit)
        buffer.endObject()
    }
}

