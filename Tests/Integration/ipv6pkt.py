"""Builds IPv6 packets byte by byte for the IPv6 tests (RFC 8200 headers, RFC 1071 checksums
over the RFC 8200 §8.1 pseudo-header), independently of Portcullis's own encoder."""
import ipaddress
import struct

from pcaps import checksum

NEXT_HOP_BY_HOP, NEXT_TCP, NEXT_UDP, NEXT_ROUTING, NEXT_FRAGMENT, NEXT_ICMPV6, NEXT_NONE, NEXT_DEST = \
    0, 6, 17, 43, 44, 58, 59, 60


def addr(text):
    return ipaddress.IPv6Address(text).packed


def pseudo_sum(src, dst, next_header, segment):
    """The upper-layer checksum over the pseudo-header of `dst` (the final destination)."""
    pseudo = addr(src) + addr(dst) + struct.pack("!IxxxB", len(segment), next_header)
    return checksum(pseudo + segment)


def ipv6(src, dst, next_header, payload, hop_limit=64, payload_length=None):
    """The fixed header (traffic class and flow label 0) and `payload`; `payload_length`
    overrides the length field."""
    length = len(payload) if payload_length is None else payload_length
    return struct.pack("!IHBB", 6 << 28, length, next_header, hop_limit) + addr(src) + addr(dst) + payload


def udp(src, dst, sport, dport, data=b"ping-udp", zero_checksum=False, final_dst=None):
    header = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    if zero_checksum:
        return header + data
    value = pseudo_sum(src, final_dst or dst, NEXT_UDP, header + data) or 0xFFFF
    return header[:6] + struct.pack("!H", value) + data


def tcp_syn(src, dst, sport, dport):
    header = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
    return header[:16] + struct.pack("!H", pseudo_sum(src, dst, NEXT_TCP, header)) + header[18:]


def icmpv6(src, dst, kind, code, rest, body=b"", bad_checksum=False):
    message = struct.pack("!BBHI", kind, code, 0, rest) + body
    value = pseudo_sum(src, dst, NEXT_ICMPV6, message) ^ (0xFFFF if bad_checksum else 0)
    return message[:2] + struct.pack("!H", value) + message[4:]


def extension(next_header, options):
    """A hop-by-hop or destination options header: next header, length in 8-octet units
    after the first 8, then `options` (already padded to a multiple of 8 less 2)."""
    assert (len(options) + 2) % 8 == 0
    return struct.pack("!BB", next_header, (len(options) + 2) // 8 - 1) + options


def routing_type0(next_header, addresses, segments_left):
    """RFC 2460 §4.4 type 0 (deprecated by RFC 5095): reserved word, then the addresses."""
    return struct.pack("!BBBBI", next_header, 2 * len(addresses), 0, segments_left, 0) + b"".join(map(addr, addresses))


def fragment(next_header, offset_units=0, more=False, ident=0x1234):
    return struct.pack("!BBHI", next_header, 0, offset_units << 3 | int(more), ident)
