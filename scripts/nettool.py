#!/usr/bin/env python3
"""Small traffic tools run inside the test namespaces (standard library only).

    nettool.py tcp-server PORT...          accept connections, answer b"hello\\n", forever
    nettool.py udp-echo PORT               echo datagrams back, forever
    nettool.py tcp-connect HOST PORT SECS  prints "connected" + reply, or "timeout"/"refused"
    nettool.py udp-ask HOST PORT SECS      prints the echoed reply, or "timeout"
    nettool.py raw-send HOST PROTO         send one raw IPv4 packet of protocol PROTO
    nettool.py sniff IFACE OUTFILE         append "proto src dst length" per IPv4 packet seen
    nettool.py sniff-hex IFACE OUTFILE     append each IPv4 packet seen, as one line of hex
    nettool.py raw-ip HEX...               send each crafted IPv4 datagram as written (IP_HDRINCL;
                                           the kernel fills in only the total length and header checksum)
    nettool.py tcp-sink PORT               read each connection to its end, answer its SHA-256, forever
    nettool.py tcp-bulk HOST PORT BYTES SECS  send BYTES seeded pseudo-random bytes; print "<sha256> <reply>"

Every tool bounds its own waiting; servers and sniffers are killed by their caller.
"""
import hashlib
import random
import select
import socket
import sys


def tcp_server(ports):
    listeners = []
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(port)))
        s.listen(16)
        listeners.append(s)
    print("listening", flush=True)
    while True:
        ready, _, _ = select.select(listeners, [], [])
        for s in ready:
            conn, _ = s.accept()
            with conn:
                conn.sendall(b"hello\n")


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    print("listening", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def tcp_connect(host, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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


def udp_ask(host, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
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
            out.write(f"{ip[9]} {src} {dst} {len(ip)}\n")


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


if __name__ == "__main__":
    commands = {
        "tcp-server": lambda a: tcp_server(a),
        "udp-echo": lambda a: udp_echo(*a),
        "tcp-connect": lambda a: tcp_connect(*a),
        "udp-ask": lambda a: udp_ask(*a),
        "raw-send": lambda a: raw_send(*a),
        "sniff": lambda a: sniff(*a),
        "tcp-sink": lambda a: tcp_sink(*a),
        "sniff-hex": lambda a: sniff_hex(*a),
        "raw-ip": lambda a: raw_ip(a),
        "tcp-bulk": lambda a: tcp_bulk(*a),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
