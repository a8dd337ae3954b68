#!/usr/bin/env python3
"""Small traffic tools run inside the test namespaces (standard library only).

    nettool.py tcp-server PORT...          accept connections, answer b"hello\\n", forever
    nettool.py udp-echo PORT               echo datagrams back, forever
    nettool.py tcp-connect HOST PORT SECS  prints "connected" + reply, or "timeout"/"refused"
    nettool.py udp-ask HOST PORT SECS [SRC[:SPORT]|[SRC6]:SPORT]  prints the echoed reply, or "timeout"
    nettool.py raw-send HOST PROTO         send one raw IPv4 packet of protocol PROTO
    nettool.py sniff IFACE OUTFILE         append "proto src dst length [sport dport]" per IPv4 packet seen
    nettool.py storm IFACE DST_MAC COUNT SEED   send COUNT malformed IPv4 packets (seeded); print the count per kind
    nettool.py udp-flood HOST SECS PORT...  send small datagrams round-robin to PORTs as fast as possible
    nettool.py spoof-flood HOST COUNT NETS PORTS  send COUNT UDP datagrams from spoofed sources in NETS
                                           /24s (10.77.N.x) to PORTS ports (7000+), in bursts; print the count
    nettool.py sniff-hex IFACE OUTFILE     append each IPv4 packet seen, as one line of hex
    nettool.py raw-ip HEX...               send each crafted IPv4 datagram as written (IP_HDRINCL;
                                           the kernel fills in only the total length and header checksum)
    nettool.py tcp-sink PORT               read each connection to its end, answer its SHA-256, forever
    nettool.py tcp-bulk HOST PORT BYTES SECS  send BYTES seeded pseudo-random bytes; print "<sha256> <reply>"
    nettool.py tcp-server6 PORT...         tcp-server on IPv6 only (::, IPV6_V6ONLY: beside a tcp-server)
    nettool.py udp-echo6 PORT              udp-echo on IPv6 only (::)
    nettool.py eth-send IFACE DST_MAC ETHERTYPE HEX...  send each payload in one Ethernet frame, as written
    nettool.py sniff-hex6 IFACE OUTFILE    append each IPv6 packet received, as one line of hex

HOST may be an IPv6 address wherever a tool connects or sends (tcp-connect, udp-ask, tcp-bulk, udp-flood).

Every tool bounds its own waiting; servers and sniffers are killed by their caller.
"""
import hashlib
import random
import select
import socket
import struct
import sys
import time


def family(host):
    """The address family of a numeric HOST: IPv6 when it has a colon."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp_server(ports, af=socket.AF_INET):
    listeners = []
    for port in ports:
        s = socket.socket(af, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if af == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # beside an IPv4 server on the same port
        s.bind(("::" if af == socket.AF_INET6 else "0.0.0.0", int(port)))
        s.listen(16)
        listeners.append(s)
    print("listening", flush=True)
    while True:
        ready, _, _ = select.select(listeners, [], [])
        for s in ready:
            conn, _ = s.accept()
            with conn:
                conn.sendall(b"hello\n")


def udp_echo(port, af=socket.AF_INET):
    s = socket.socket(af, socket.SOCK_DGRAM)
    if af == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::" if af == socket.AF_INET6 else "0.0.0.0", int(port)))
    print("listening", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def tcp_connect(host, port, seconds):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(float(seconds))
    try:
        s.connect((host, int(port)))
        reply = s.recv(64).decode(errors="replace").strip()
        print(f"connected {reply}")
    except socket.timeout:
        print("timeout")
    except ConnectionRefusedError:
        print("refused")
    finally:
        s.close()


def udp_ask(host, port, seconds, source=None):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if source:
        if source.startswith("["):  # [IPv6]:PORT, as RFC 5952 §6 writes an IPv6 endpoint
            address, _, sport = source[1:].partition("]")
            sport = sport.lstrip(":")
        else:
            address, _, sport = source.partition(":")
        s.bind((address, int(sport or 0)))
    s.settimeout(float(seconds))
    s.sendto(b"ping-udp", (host, int(port)))
    try:
        data, _ = s.recvfrom(65535)
        print(f"reply {data.decode(errors='replace')}")
    except socket.timeout:
        print("timeout")


def raw_send(host, proto):
    # The kernel builds the IPv4 header; the payload is 16 arbitrary bytes.
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(proto))
    s.sendto(b"portcullis-test!", (host, 0))
    print("sent")


def sniff(iface, outfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    print("sniffing", flush=True)
    with open(outfile, "a", buffering=1) as out:
        while True:
            frame = s.recv(65535)
            ip = frame[14:]
            if len(ip) < 20:
                continue
            src = socket.inet_ntoa(ip[12:16])
            dst = socket.inet_ntoa(ip[16:20])
            ihl = (ip[0] & 0x0F) * 4
            ports = ""
            if ip[9] in (6, 17) and len(ip) >= ihl + 4:
                ports = f" {int.from_bytes(ip[ihl:ihl + 2], 'big')} {int.from_bytes(ip[ihl + 2:ihl + 4], 'big')}"
            out.write(f"{ip[9]} {src} {dst} {len(ip)}{ports}\n")


def sniff_hex(iface, outfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    print("sniffing", flush=True)
    with open(outfile, "a", buffering=1) as out:
        while True:
            frame, address = s.recvfrom(65535)
            if address[2] == socket.PACKET_OUTGOING:
                continue
            ip = frame[14:]
            if len(ip) >= 20:
                out.write(ip[:int.from_bytes(ip[2:4], "big")].hex() + "\n")


def raw_ip(datagrams):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IPPROTO_RAW implies IP_HDRINCL
    for text in datagrams:
        packet = bytes.fromhex(text)
        s.sendto(packet, (socket.inet_ntoa(packet[16:20]), 0))
    print("sent")


def tcp_sink(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(4)
    print("listening", flush=True)
    while True:
        conn, _ = s.accept()
        with conn:
            digest = hashlib.sha256()
            while chunk := conn.recv(65536):
                digest.update(chunk)
            conn.sendall(digest.hexdigest().encode())


def tcp_bulk(host, port, count, seconds):
    data = random.Random(1234).randbytes(int(count))
    s = socket.create_connection((host, int(port)), timeout=float(seconds))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while chunk := s.recv(128):
        reply += chunk
    s.close()
    print(hashlib.sha256(data).hexdigest(), reply.decode())


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, options=b"", flags=0x4000):
    """An IPv4 header the kernel accepts (right lengths and header checksum) over `payload`."""
    ihl = 5 + len(options) // 4
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), 0x1234, flags, 64,
                         proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + options
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def malformed_packets(count, seed, src, dst):
    """(kind, bytes) pairs, each certain to fail Portcullis's decoder while passing the
    kernel's own IPv4 checks (so it reaches the queue)."""
    rng = random.Random(int(seed))
    junk = lambda n: bytes(rng.randrange(256) for _ in range(n))
    for _ in range(int(count)):
        kind = rng.choice(["unknown-protocol", "tcp-short", "tcp-offset", "tcp-checksum", "udp-length",
                           "udp-checksum", "icmp-checksum", "icmp-type", "ip-options"])
        if kind == "unknown-protocol":
            # Protocols without a decoder (IGMP, ESP, AH, VRRP and SCTP have one: they are not unknown).
            packet = ipv4(src, dst, rng.choice([0, 4, 41, 47, 89, 103, 253]), junk(rng.randrange(0, 40)))
        elif kind == "tcp-short":
            packet = ipv4(src, dst, 6, junk(rng.randrange(0, 20)))
        elif kind == "tcp-offset":
            body = bytearray(junk(20 + rng.randrange(0, 20)))
            body[12] = rng.choice([0, 1, 2, 3, 4, 15]) << 4
            packet = ipv4(src, dst, 6, bytes(body))
        elif kind == "tcp-checksum":
            body = bytearray(struct.pack("!HHIIBBHHH", 40000, 8080, 1, 0, 5 << 4, 0x02, 512, 0, 0) + junk(8))
            body[16:18] = struct.pack("!H", rng.randrange(1, 65536))  # almost surely wrong
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(body))
            if checksum(pseudo + bytes(body)) == 0:
                body[16] ^= 0xFF
            packet = ipv4(src, dst, 6, bytes(body))
        elif kind == "udp-length":
            data = junk(rng.randrange(1, 30))
            wrong = rng.choice([0, 7, len(data) + 7, len(data) + 9, 65535])
            packet = ipv4(src, dst, 17, struct.pack("!HHHH", 40000, 5353, wrong, 0) + data)
        elif kind == "udp-checksum":
            data = junk(rng.randrange(1, 30))
            body = bytearray(struct.pack("!HHHH", 40000, 5353, 8 + len(data), 1) + data)
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(body))
            if checksum(pseudo + bytes(body)) == 0:
                body[6] ^= 0xFF
            packet = ipv4(src, dst, 17, bytes(body))
        elif kind == "icmp-checksum":
            body = bytearray(struct.pack("!BBHHH", 8, 0, 0, 1, 1) + junk(8))
            good = checksum(bytes(body))
            body[2:4] = struct.pack("!H", good ^ rng.randrange(1, 65536))
            packet = ipv4(src, dst, 1, bytes(body))
        elif kind == "icmp-type":
            body = bytearray(struct.pack("!BBHHH", rng.choice([1, 2, 6, 7, 42, 200]), 0, 0, 1, 1) + junk(8))
            body[2:4] = struct.pack("!H", checksum(bytes(body)))
            packet = ipv4(src, dst, 1, bytes(body))
        else:
            body = struct.pack("!BBHHH", 8, 0, 0, 1, 1)
            body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
            # Router alert (RFC 2113): the kernel forwards it; Portcullis refuses it by default.
            packet = ipv4(src, dst, 1, body, options=bytes([148, 4, 0, 0]))
        yield kind, packet


def udp_flood(host, seconds, *ports):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.setblocking(False)
    targets = [(host, int(p)) for p in ports]
    payload = b"flood" * 4
    sent = dropped = 0
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        for _ in range(256):
            for target in targets:
                try:
                    s.sendto(payload, target)
                    sent += 1
                except BlockingIOError:
                    dropped += 1
    print(f"sent={sent} local_drops={dropped}")


def spoof_flood(host, count, nets, ports):
    """UDP datagrams (checksum 0: none, RFC 768) from 10.77.N.H to HOST:7000+P, sources and
    ports cycling. Bursts of 256 with a 2 ms pause: a flood, yet under the kernel queue's
    1,024 packets, so that the firewall judges (nearly) every one."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    count, nets, ports = int(count), int(nets), int(ports)
    for index in range(count):
        src = f"10.77.{index % nets}.{index % 250 + 1}"
        payload = struct.pack("!HHHH", 40000 + index % 1000, 7000 + index % ports, 8 + 8, 0) + b"floodflo"
        s.sendto(ipv4(src, host, 17, payload), (host, 0))
        if index % 256 == 255:
            time.sleep(0.002)
    print(f"sent={count}")


def storm(iface, dst_mac, count, seed):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    src_ip = socket.inet_ntoa(socket.inet_aton(sys.argv[6])) if len(sys.argv) > 6 else "10.99.1.2"
    ethernet = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00"
    kinds = {}
    for index, (kind, packet) in enumerate(malformed_packets(count, seed, src_ip, "10.99.2.2")):
        s.send(ethernet + packet)
        kinds[kind] = kinds.get(kind, 0) + 1
        if index % 200 == 199:
            time.sleep(0.02)  # stay under the receive backlog and queue limits: every packet counts
    print(" ".join(f"{k}={v}" for k, v in sorted(kinds.items())))


def eth_send(iface, dst_mac, ethertype, payloads):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    header = bytes.fromhex(dst_mac.replace(":", "")) + s.getsockname()[4] + struct.pack("!H", int(ethertype, 0))
    for text in payloads:
        s.send(header + bytes.fromhex(text))
    print("sent")


def sniff_hex6(iface, outfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
    s.bind((iface, 0))
    print("sniffing", flush=True)
    with open(outfile, "a", buffering=1) as out:
        while True:
            frame, address = s.recvfrom(65600)
            if address[2] == socket.PACKET_OUTGOING:
                continue
            ip = frame[14:]
            if len(ip) >= 40:
                out.write(ip[:40 + int.from_bytes(ip[4:6], "big")].hex() + "\n")


if __name__ == "__main__":
    commands = {
        "tcp-server": lambda a: tcp_server(a),
        "udp-echo": lambda a: udp_echo(*a),
        "tcp-connect": lambda a: tcp_connect(*a),
        "udp-ask": lambda a: udp_ask(*a),
        "raw-send": lambda a: raw_send(*a),
        "sniff": lambda a: sniff(*a),
        "tcp-sink": lambda a: tcp_sink(*a),
        "storm": lambda a: storm(*a[:4]),
        "udp-flood": lambda a: udp_flood(*a),
        "spoof-flood": lambda a: spoof_flood(*a),
        "sniff-hex": lambda a: sniff_hex(*a),
        "raw-ip": lambda a: raw_ip(a),
        "tcp-bulk": lambda a: tcp_bulk(*a),
        "tcp-server6": lambda a: tcp_server(a, socket.AF_INET6),
        "udp-echo6": lambda a: udp_echo(a[0], socket.AF_INET6),
        "eth-send": lambda a: eth_send(a[0], a[1], a[2], a[3:]),
        "sniff-hex6": lambda a: sniff_hex6(*a),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
