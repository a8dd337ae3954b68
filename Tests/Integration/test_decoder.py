"""The strict decoder and the rebuild on a real kernel path (docs/decoding.md).

The client sends crafted IPv4 datagrams with a raw socket (IP_HDRINCL: the bytes go out as
written, except the total length and header checksum the kernel fills in); a sniffer on the
server records, as hex, every datagram that arrives. Normalized cases must arrive exactly as the
rebuild defines them, with valid checksums; malformed cases must not arrive, and their verdict
lines must carry the reason and the byte offset.

The firewall's kernel decrements the TTL before the FORWARD hook, so what Portcullis sees, and
what the server receives, has TTL 63 for the 64 sent.
"""
import socket
import struct
import time

from conftest import background, nettool
from topology import CLIENT_IP, SERVER_IP

SRC = socket.inet_aton(CLIENT_IP)
DST = socket.inet_aton(SERVER_IP)
RULES = "policy accept\nlog all\n"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip(proto, payload, options=b"", flags=0x4000, ttl=64, ident=0x1234):
    header_length = 20 + len(options)
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | header_length // 4, 0, header_length + len(payload),
                                   ident, flags, ttl, proto, 0, SRC, DST) + options)
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + payload


def pseudo(proto, length):
    return SRC + DST + struct.pack("!BBH", 0, proto, length)


def tcp(flags, options=b"", payload=b"", reserved=0, urgent=0, sport=40000, dport=8080, fix=True):
    segment = bytearray(struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, ((20 + len(options)) // 4) << 4 | reserved,
                                    flags, 512, 0, urgent) + options + payload)
    if fix:
        segment[16:18] = struct.pack("!H", checksum(pseudo(6, len(segment)) + bytes(segment)))
    return bytes(segment)


def udp(payload=b"portcullis", length=None, sport=40000, dport=5353, fix=True):
    datagram = bytearray(struct.pack("!HHHH", sport, dport, length or 8 + len(payload), 0) + payload)
    if fix:
        datagram[6:8] = struct.pack("!H", checksum(pseudo(17, len(datagram)) + bytes(datagram)) or 0xFFFF)
    return bytes(datagram)


def icmp(kind, code=0, rest=0x00420001, payload=b"ping"):
    message = bytearray(struct.pack("!BBHI", kind, code, 0, rest) + payload)
    message[2:4] = struct.pack("!H", checksum(bytes(message)))
    return bytes(message)


def forwarded(datagram):
    """`datagram` as the server receives it untouched: TTL one lower, header checksum redone."""
    header_length = (datagram[0] & 0x0F) * 4
    header = bytearray(datagram[:header_length])
    header[8] -= 1
    header[10:12] = b"\0\0"
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + datagram[header_length:]


class Wire:
    """Sends from the client and reads what reached the server."""

    def __init__(self, topology, tmp_path):
        self.topology = topology
        self.capture = tmp_path / "server.hex"
        self.capture.touch()
        background(topology, topology.server, "sniff-hex", "eth0", str(self.capture))
        self.canary_port = 30000

    def send(self, *datagrams):
        assert nettool(self.topology, self.topology.client, "raw-ip", *(d.hex() for d in datagrams)) == "sent"

    def arrived(self):
        return [bytes.fromhex(line) for line in self.capture.read_text().split()]

    def flush(self, timeout=5):
        """Sends a valid UDP canary after the cases and waits until it arrives, so everything sent
        before it has been judged."""
        self.canary_port += 1
        canary = ip(17, udp(dport=self.canary_port))
        self.send(canary)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if forwarded(canary) in self.arrived():
                return
            time.sleep(0.05)
        raise AssertionError("the canary never arrived: the path is broken, not the filter")


NORMALIZED = [
    # (name, sent, as the rebuild must emit it before forwarding, normalized names)
    ("tcp reserved bits",
     ip(6, tcp(0x10, reserved=0x0F)), ip(6, tcp(0x10, reserved=0x01)), ["tcp_reserved_bits"]),
    ("tcp urgent pointer without URG",
     ip(6, tcp(0x18, urgent=0x55AA, payload=b"data")), ip(6, tcp(0x18, payload=b"data")), ["tcp_urgent_pointer"]),
    ("tcp unknown option removed, rest kept",
     ip(6, tcp(0x10, options=bytes([0xFD, 6, 0xDE, 0xAD, 0xBE, 0xEF, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1]))),
     ip(6, tcp(0x10, options=bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0, 0]))),
     ["tcp_unknown_options"]),
    ("tcp bytes after EOL",
     ip(6, tcp(0x10, options=bytes([1, 1, 0, 0x41, 0x42, 0x43, 0x44, 0x45]), payload=b"x")),
     ip(6, tcp(0x10, options=bytes([1, 1, 0, 0, 0, 0, 0, 0]), payload=b"x")),
     ["tcp_after_eol"]),
    ("ipv4 reserved flag",
     ip(17, udp(), flags=0xC000), ip(17, udp(), flags=0x4000), ["ipv4_reserved_flag"]),
]


def test_normalized_packets_arrive_normalized_with_valid_checksums(topology, start_filter, tmp_path):
    rules = tmp_path / "decoder.rules"
    rules.write_text(RULES)
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)

    canonical = ip(6, tcp(0x18, options=bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]), payload=b"canonical"))
    wire.send(canonical, *(sent for _, sent, _, _ in NORMALIZED))
    wire.flush()
    arrived = wire.arrived()

    assert forwarded(canonical) in arrived, "a canonical packet must pass byte for byte"
    for name, sent, expected, names in NORMALIZED:
        assert forwarded(expected) in arrived, f"{name}: normalized packet did not arrive as rebuilt"
        assert forwarded(sent) not in arrived, f"{name}: the original bytes passed"
        received = next(p for p in arrived if p == forwarded(expected))
        header_length = (received[0] & 0x0F) * 4
        assert checksum(received[:header_length]) == 0, name
        proto = received[9]
        assert checksum(pseudo(proto, len(received) - header_length) + received[header_length:]) == 0, name

    accepts = [e for e in flt.events("verdict") if e["verdict"] == "accept" and e.get("src_ip") == CLIENT_IP]
    normalized = sorted(tuple(e["normalized"]) for e in accepts if "normalized" in e)
    assert normalized == sorted(tuple(names) for _, _, _, names in NORMALIZED), accepts
    # The canonical packet and the canaries leave as they came: no `normalized` field.
    assert any(e.get("dest_port") == 8080 and "normalized" not in e for e in accepts)


MALFORMED = [
    # (name, datagram, layer, field, offset, reason)
    ("tcp SYN+FIN", ip(6, tcp(0x03)), "tcp", "flags", 33, "illegal-flags"),
    ("tcp no flags", ip(6, tcp(0x00)), "tcp", "flags", 33, "illegal-flags"),
    ("tcp FIN without ACK", ip(6, tcp(0x01)), "tcp", "flags", 33, "illegal-flags"),
    ("tcp MSS without SYN", ip(6, tcp(0x10, options=bytes([2, 4, 5, 0xB4]))), "tcp", "options", 40, "bad-tcp-option"),
    ("tcp window scale 15", ip(6, tcp(0x02, options=bytes([1, 3, 3, 15]))), "tcp", "options", 41, "bad-tcp-option"),
    ("tcp option length 1", ip(6, tcp(0x10, options=bytes([1, 1, 8, 1]))), "tcp", "options", 42, "bad-tcp-option"),
    ("tcp data offset 4", ip(6, tcp(0x10)[:12] + bytes([0x40]) + tcp(0x10)[13:]), "tcp", "data_offset", 32, "bad-header-length"),
    ("tcp bad checksum", ip(6, tcp(0x10, fix=False)), "tcp", "checksum", 36, "bad-checksum"),
    ("udp length short of the payload", ip(17, udp(length=12)), "udp", "length", 24, "trailing-bytes"),
    ("udp length past the payload", ip(17, udp(length=40)), "udp", "length", 24, "truncated"),
    ("udp bad checksum", ip(17, udp()[:6] + b"\x12\x34" + udp()[8:]), "udp", "checksum", 26, "bad-checksum"),
    ("icmp unknown type (source quench, RFC 6633)", ip(1, icmp(4)), "icmp", "type", 20, "unknown-icmp-type"),
    ("icmp echo code 3", ip(1, icmp(8, 3)), "icmp", "code", 21, "bad-icmp-code"),
    ("icmp error quoting nothing", ip(1, icmp(3, 3, rest=0, payload=b"")), "icmp", "embedded_header", 28, "truncated"),
    ("ip router alert (not allowed)", ip(17, udp(), options=bytes([148, 4, 0, 0])), "ipv4", "options", 20, "ip-option-router-alert"),
    ("ip unknown option", ip(17, udp(), options=bytes([1, 0x9E, 2, 0])), "ipv4", "options", 21, "ip-option-unknown"),
    ("ip DF with a fragment offset (a fragment: needs accept fragments)", ip(17, udp(), flags=0x4001), "ipv4", "fragment_offset", 6, "fragment"),
    ("ip later fragment", ip(17, b"12345678", flags=0x0003), "ipv4", "fragment_offset", 6, "fragment"),
]


def test_malformed_packets_do_not_arrive_and_are_logged_with_reason_and_offset(topology, start_filter, tmp_path):
    rules = tmp_path / "decoder.rules"
    rules.write_text(RULES)
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)

    # Each case's log line is told apart by its decode error and its length.
    wire.send(*(datagram for _, datagram, *_ in MALFORMED))
    wire.flush()
    arrived = wire.arrived()
    drops = [e for e in flt.events("verdict") if e["verdict"] == "drop" and e["reason"] == "decode"]
    for name, datagram, layer, field, offset, reason in MALFORMED:
        assert forwarded(datagram) not in arrived, f"{name}: a malformed packet reached the server"
        expected = {"layer": layer, "field": field, "offset": offset, "reason": reason}
        matching = [e for e in drops if {k: e["decode_error"].get(k) for k in expected} == expected
                    and e["length"] == len(datagram)]
        assert matching, f"{name}: no drop logged with {expected}; drops: {[e['decode_error'] for e in drops]}"
    assert len(drops) == len(MALFORMED), [e["decode_error"] for e in drops]
