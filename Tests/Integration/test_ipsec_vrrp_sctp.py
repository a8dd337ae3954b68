"""AH, VRRP, SCTP and ESP through the filter (docs/decoding.md, issue 15).

This kernel has no SCTP (socket(IPPROTO_SCTP) fails with EPROTONOSUPPORT, and there is no
modprobe), and its xfrm has neither esp4 nor ah4 ("Requested type not found"), so SCTP, AH and
ESP are crafted here and sent with a raw socket, as test_decoder.py does; `test_esp_over_ip_xfrm`
runs a real ESP security association where the kernel has one and is skipped otherwise.

Forwarded packets are compared byte for byte with what the server receives (TTL one lower).
VRRP goes to 224.0.0.18 with TTL 255, which is never forwarded: it is queued on the firewall's
INPUT, where a raw socket that joined the group sees what was accepted.
"""
import socket
import struct
import subprocess
import textwrap
import time

import pytest

from conftest import nettool
from test_decoder import Wire, checksum, forwarded, ip, udp
from topology import CLIENT_IP, FIREWALL_CLIENT_IP, SERVER_IP

SRC = socket.inet_aton(CLIENT_IP)
DST = socket.inet_aton(SERVER_IP)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def sctp(tag, *chunks, sport=40000, dport=2905, fix=True):
    """An SCTP packet with its CRC32c (least significant byte first, RFC 9260 Appendix A)."""
    packet = bytearray(struct.pack("!HHII", sport, dport, tag, 0) + b"".join(chunks))
    if fix:
        packet[8:12] = struct.pack("<I", crc32c(bytes(packet)))
    return bytes(packet)


def chunk(kind, body, flags=0):
    data = struct.pack("!BBH", kind, flags, 4 + len(body)) + body
    return data + b"\0" * (-len(data) % 4)


INIT = chunk(1, struct.pack("!IIHHI", 0x1A2B3C4D, 65536, 10, 10, 1))
INIT_ACK = chunk(2, struct.pack("!IIHHI", 0x5E6F7081, 65536, 10, 10, 100) + struct.pack("!HH", 7, 12) + b"cookie-0")
COOKIE_ECHO = chunk(10, b"cookie-0")
COOKIE_ACK = chunk(11, b"")
DATA = chunk(0, struct.pack("!IHHI", 1, 0, 0, 0) + b"hello", flags=3)
SACK = chunk(3, struct.pack("!IIHH", 1, 65536, 0, 0))


def ah(next_header, payload, reserved=0, spi=0x1000, sequence=1):
    """AH with a 96-bit ICV (random-looking bytes: nobody on the path can check it)."""
    return struct.pack("!BBHII", next_header, 4, reserved, spi, sequence) + bytes.fromhex("8f3a1c5e0b7d224199aabbcc") + payload


def reply_ip(proto, payload):
    """A datagram from the server to the client."""
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4321, 0x4000, 64, proto, 0, DST, SRC))
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + payload


def verdicts(flt, proto):
    return [e for e in flt.events("verdict") if e.get("proto") == proto]


def test_a_crafted_sctp_association_passes_by_port_and_bad_packets_do_not(topology, start_filter, tmp_path):
    rules = tmp_path / "sctp.rules"
    rules.write_text("policy drop\nlog all\naccept udp\naccept sctp to 10.99.2.2 port 2905\naccept sctp from 10.99.2.2 port 2905\n")
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)
    # The four-way handshake, data and its SACK; the server's side is sent from the server.
    to_server = [ip(132, sctp(0, INIT)), ip(132, sctp(0x5E6F7081, COOKIE_ECHO)), ip(132, sctp(0x5E6F7081, DATA)),
                 ip(132, sctp(0x5E6F7081, SACK))]
    wire.send(*to_server[:2])
    to_client = [reply_ip(132, sctp(0x1A2B3C4D, INIT_ACK, sport=2905, dport=40000)),
                 reply_ip(132, sctp(0x1A2B3C4D, COOKIE_ACK, sport=2905, dport=40000))]
    assert nettool(topology, topology.server, "raw-ip", *(d.hex() for d in to_client)) == "sent"
    wire.send(*to_server[2:])
    refused = {
        "bad-checksum": ip(132, sctp(0x5E6F7081, DATA)[:8] + b"\0\0\0\1" + sctp(0x5E6F7081, DATA)[12:]),
        "bad-verification-tag": ip(132, sctp(7, INIT)),
        "bad-sctp-chunk": ip(132, sctp(0x5E6F7081, INIT, COOKIE_ACK)),
        "unknown-sctp-chunk": ip(132, sctp(0x5E6F7081, chunk(0x3F, b"abcd"))),
    }
    other_port = ip(132, sctp(0x5E6F7081, DATA, dport=2906))
    wire.send(*refused.values(), other_port)
    wire.flush()
    arrived = wire.arrived()
    for datagram in to_server:
        assert forwarded(datagram) in arrived, "an SCTP packet of the association did not pass unchanged"
    for reason, datagram in refused.items():
        assert forwarded(datagram) not in arrived, reason
    assert forwarded(other_port) not in arrived
    accepted = [e for e in verdicts(flt, "SCTP") if e["verdict"] == "accept"]
    assert len(accepted) == 6, accepted
    assert {(e["src_port"], e["dest_port"]) for e in accepted} == {(40000, 2905), (2905, 40000)}
    # The flow hash counts SCTP ports as TCP and UDP ones (Community ID spec), checked independently.
    communityid = pytest.importorskip("communityid", reason="scripts/deps installs the communityid package")
    for event in accepted:
        flow = communityid.FlowTuple.make_sctp(event["src_ip"], event["dest_ip"], event["src_port"], event["dest_port"])
        assert event["community_id"] == communityid.CommunityID().calc(flow)
    decode = {e["decode_error"]["reason"]: e["decode_error"] for e in verdicts(flt, "SCTP") if e["reason"] == "decode"}
    assert set(decode) == set(refused), decode
    assert decode["bad-checksum"] == {"layer": "sctp", "field": "checksum", "offset": 28, "reason": "bad-checksum",
                                      "message": "the SCTP checksum does not match the bytes"}
    assert decode["bad-verification-tag"]["offset"] == 24
    assert decode["bad-sctp-chunk"]["offset"] == 32 and decode["unknown-sctp-chunk"]["offset"] == 32
    policy = [e for e in verdicts(flt, "SCTP") if e["reason"] == "policy"]
    assert [e["dest_port"] for e in policy] == [2906]


def test_ah_passes_unchanged_and_malformed_ah_does_not(topology, start_filter, tmp_path):
    rules = tmp_path / "ah.rules"
    rules.write_text("policy drop\nlog all\naccept udp\naccept ah from 10.99.1.2\n")
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)
    inner = udp(b"protected")
    good = ip(51, ah(17, inner))
    # The reserved flag is mutable for AH (RFC 4302 §3.3.3.1.1.1): cleared, every ICV byte kept.
    evil = ip(51, ah(17, inner, sequence=2), flags=0xC000)
    refused = {
        "bad-reserved": ip(51, ah(17, inner, reserved=1, sequence=3)),
        "reserved-spi": ip(51, ah(17, inner, spi=200, sequence=4)),
        "unknown-protocol": ip(51, ah(4, ip(17, udp()), sequence=5)),
        "bad-checksum": ip(51, ah(17, inner[:6] + b"\x12\x34" + inner[8:], sequence=6)),
    }
    wire.send(good, evil, *refused.values())
    wire.flush()
    arrived = wire.arrived()
    assert forwarded(good) in arrived, "AH did not pass unchanged"
    assert forwarded(ip(51, ah(17, inner, sequence=2), flags=0x4000)) in arrived, "AH with the evil bit: not as expected"
    for reason, datagram in refused.items():
        assert forwarded(datagram) not in arrived, reason
    accepted = [e for e in verdicts(flt, "AH") if e["verdict"] == "accept"]
    assert len(accepted) == 2 and [e.get("normalized") for e in accepted] == [None, ["ipv4_reserved_flag"]], accepted
    communityid = pytest.importorskip("communityid", reason="scripts/deps installs the communityid package")
    assert accepted[0]["community_id"] == communityid.CommunityID().calc(communityid.FlowTuple(51, CLIENT_IP, SERVER_IP))
    decode = {e["decode_error"]["reason"]: e["decode_error"] for e in verdicts(flt, "AH") if e["reason"] == "decode"}
    assert set(decode) == set(refused), decode
    assert (decode["bad-reserved"]["layer"], decode["bad-reserved"]["offset"]) == ("ah", 22)
    assert (decode["unknown-protocol"]["field"], decode["unknown-protocol"]["offset"]) == ("next_header", 20)
    assert (decode["bad-checksum"]["layer"], decode["bad-checksum"]["offset"]) == ("udp", 50)


def test_crafted_esp_passes_only_under_accept_esp(topology, start_filter, tmp_path):
    esp = ip(50, struct.pack("!II", 0x1000, 1) + bytes(range(32)))
    for accepted, text in ((True, "accept esp from 10.99.1.2\n"), (False, "accept ah\n")):
        rules = tmp_path / f"esp-{accepted}.rules"
        rules.write_text("policy drop\nlog all\naccept udp\n" + text)
        flt = start_filter(rules, log_name=f"esp-{accepted}.jsonl")
        wire = Wire(topology, tmp_path)
        wire.send(esp)
        wire.flush()
        assert (forwarded(esp) in wire.arrived()) == accepted
        event = flt.wait_for(lambda e: e.get("proto") == "ESP")[0]
        assert event["verdict"] == ("accept" if accepted else "drop")
        flt.stop()
        wire.capture.write_text("")


def vrrp_listener(topology):
    """A raw VRRP socket in the firewall, member of 224.0.0.18 on the client link: prints each
    accepted advertisement as hex."""
    script = textwrap.dedent(f"""
        import socket, struct
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     struct.pack("4s4s", socket.inet_aton("224.0.0.18"), socket.inet_aton("{FIREWALL_CLIENT_IP}")))
        s.settimeout(15)
        print("joined", flush=True)
        try:
            while True:
                print(s.recv(2048).hex(), flush=True)
        except socket.timeout:
            pass
    """)
    process = topology.popen(topology.firewall, "python3", "-c", script, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "joined"
    return process


def vrrp(version, ttl=255, vrid=7, interval=100):
    group = socket.inet_aton("224.0.0.18")
    address = socket.inet_aton("10.99.1.100")
    if version == 2:
        message = bytearray(struct.pack("!BBBBBBH", 0x21, vrid, 100, 1, 0, 1, 0) + address + bytes(8))
        message[6:8] = struct.pack("!H", checksum(bytes(message)))
    else:
        message = bytearray(struct.pack("!BBBBHH", 0x31, vrid, 100, 1, interval, 0) + address)
        message[6:8] = struct.pack("!H", checksum(SRC + group + struct.pack("!BBH", 0, 112, len(message)) + bytes(message)))
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(message), 1, 0, ttl, 112, 0, SRC, group))
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + bytes(message)


def test_vrrp_advertisements_on_input(topology, start_filter, tmp_path):
    topology.exec(topology.firewall, "iptables", "-I", "INPUT", "-p", "vrrp", "-j", "NFQUEUE", "--queue-num", "0")
    rules = tmp_path / "vrrp.rules"
    rules.write_text("policy drop\nlog all\naccept vrrp from 10.99.1.0/24 to 224.0.0.18\n")
    flt = start_filter(rules)
    listener = vrrp_listener(topology)
    good = [vrrp(2), vrrp(3)]
    bad = [vrrp(3, ttl=254, vrid=8), vrrp(3, vrid=0), vrrp(3, interval=0, vrid=9)]
    assert nettool(topology, topology.client, "raw-ip", *(d.hex() for d in good + bad)) == "sent"
    found = flt.wait_for(lambda e: e.get("proto") == "VRRP" and e["reason"] == "decode" and e["decode_error"]["field"] == "advertisement_interval")
    assert found, flt.events("verdict")
    listener.kill()
    received = [bytes.fromhex(line) for line in listener.stdout.read().split()]
    # A raw socket reads the IP header too: compare the VRRP messages.
    messages = [packet[20:] for packet in received]
    assert all(d[20:] in messages for d in good), received
    for datagram in bad:
        assert datagram[20:] not in messages
    events = verdicts(flt, "VRRP")
    assert [e["verdict"] for e in events if e["reason"] == "rule"] == ["accept", "accept"]
    decode = [(e["decode_error"]["field"], e["decode_error"]["offset"]) for e in events if e["reason"] == "decode"]
    assert decode == [("ttl", 8), ("vrid", 21), ("advertisement_interval", 24)]
    no_vrrp = tmp_path / "no-vrrp.rules"
    no_vrrp.write_text("policy drop\nlog all\naccept udp\n")
    flt.stop()
    flt = start_filter(no_vrrp, log_name="no-vrrp.jsonl")
    listener = vrrp_listener(topology)  # the group membership that lets VRRP reach INPUT
    assert nettool(topology, topology.client, "raw-ip", good[1].hex()) == "sent"
    dropped = flt.wait_for(lambda e: e.get("proto") == "VRRP")
    listener.kill()
    assert dropped and dropped[0]["verdict"] == "drop" and dropped[0]["reason"] == "policy"
    assert not listener.stdout.read().split(), "VRRP reached the socket without accept vrrp"


def esp_supported(topology):
    """True when this kernel's xfrm can hold an ESP state (esp4 built in or loadable)."""
    result = subprocess.run(
        ["ip", "-n", topology.client, "xfrm", "state", "add", "src", "10.0.0.1", "dst", "10.0.0.2", "proto", "esp",
         "spi", "0x999", "mode", "transport", "enc", "cbc(aes)", "0x" + "33" * 16, "auth-trunc", "hmac(sha256)",
         "0x" + "44" * 32, "128"], capture_output=True, text=True)
    subprocess.run(["ip", "-n", topology.client, "xfrm", "state", "flush"], capture_output=True)
    return result.returncode == 0


def xfrm_transport(topology, spi_out, spi_in):
    """ESP transport mode between client and server, each direction its own SA."""
    keys = {spi_out: ("0x" + "11" * 16, "0x" + "22" * 32), spi_in: ("0x" + "33" * 16, "0x" + "44" * 32)}
    for ns in (topology.client, topology.server):
        for spi, (src, dst) in ((spi_out, (CLIENT_IP, SERVER_IP)), (spi_in, (SERVER_IP, CLIENT_IP))):
            enc, auth = keys[spi]
            topology.exec(ns, "ip", "xfrm", "state", "add", "src", src, "dst", dst, "proto", "esp", "spi", hex(spi),
                          "mode", "transport", "enc", "cbc(aes)", enc, "auth-trunc", "hmac(sha256)", auth, "128")
    for ns, local, remote in ((topology.client, CLIENT_IP, SERVER_IP), (topology.server, SERVER_IP, CLIENT_IP)):
        for direction, src, dst in (("out", local, remote), ("in", remote, local)):
            topology.exec(ns, "ip", "xfrm", "policy", "add", "src", src, "dst", dst, "proto", "icmp", "dir", direction,
                          "tmpl", "src", src, "dst", dst, "proto", "esp", "mode", "transport")


def test_esp_over_ip_xfrm(topology, start_filter, tmp_path):
    if not esp_supported(topology):
        pytest.skip("this kernel's xfrm has no ESP (esp4): 'ip xfrm state add ... proto esp' fails")
    xfrm_transport(topology, 0x2001, 0x2002)
    for accepted, text in ((True, "accept esp from 10.99.1.2\naccept esp from 10.99.2.2\n"), (False, "accept icmp\n")):
        rules = tmp_path / f"xfrm-{accepted}.rules"
        rules.write_text("policy drop\nlog all\n" + text)
        flt = start_filter(rules, log_name=f"xfrm-{accepted}.jsonl")
        ping = subprocess.run(["ip", "netns", "exec", topology.client, "ping", "-c", "2", "-W", "1", SERVER_IP],
                              capture_output=True, text=True)
        assert (ping.returncode == 0) == accepted, ping.stdout
        esp = verdicts(flt, "ESP")
        assert esp and all(e["verdict"] == ("accept" if accepted else "drop") for e in esp)
        flt.stop()
