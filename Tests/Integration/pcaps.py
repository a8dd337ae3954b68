"""Builds IPv4 packets and classic pcap files byte by byte, for the replay and capture tests."""
import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113


def checksum(data):
    """RFC 1071: the complemented one's complement sum of 16-bit big-endian words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip(a):
    return bytes(int(part) for part in a.split("."))


def ipv4(proto, payload, src, dst, ident=0x1C46, bad_checksum=False):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, ip(src), ip(dst))
    value = checksum(header) ^ (0xFFFF if bad_checksum else 0)
    return header[:10] + struct.pack("!H", value) + header[12:] + payload


def tcp(src, dst, sport, dport, flags=0x02, reserved=0, payload=b""):
    # source port | destination port | sequence | acknowledgment | offset+reserved | flags | window | checksum | urgent
    header = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, (5 << 4) | reserved, flags, 64240, 0, 0)
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 6, len(header) + len(payload))
    value = checksum(pseudo + header + payload)
    segment = header[:16] + struct.pack("!H", value) + header[18:] + payload
    return ipv4(6, segment, src, dst)


def udp(src, dst, sport, dport, payload=b"hi"):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 17, len(header) + len(payload))
    value = checksum(pseudo + header + payload) or 0xFFFF
    return ipv4(17, header[:6] + struct.pack("!H", value) + payload, src, dst)


def ethernet(ethertype, payload):
    frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))  # short frames are padded to 60 bytes


def linux_cooked(ethertype, payload):
    # packet type | ARPHRD_ETHER | address length | address (8) | protocol
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01", ethertype) + payload


IPV6_FRAME = bytes([0x60, 0, 0, 0, 0, 0, 59, 64]) + bytes(32)   # IPv6, no next header
ARP_FRAME = bytes(28)


def pcap(linktype, records):
    """A classic little-endian microsecond pcap: records are (seconds, microseconds, frame)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for seconds, micros, frame in records:
        out.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
    return b"".join(out)


def read_pcap(data):
    """(linktype, [(seconds, microseconds, captured bytes, original length)]) of a classic pcap."""
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    records, offset = [], 24
    while offset < len(data):
        seconds, micros, caplen, length = struct.unpack(endian + "IIII", data[offset:offset + 16])
        records.append((seconds, micros, data[offset + 16:offset + 16 + caplen], length))
        offset += 16 + caplen
    return linktype, records
