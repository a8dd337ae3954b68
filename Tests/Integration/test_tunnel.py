"""GRE (RFC 2784, RFC 2890), IP-in-IP (RFC 2003) and IPv6-in-IPv4 (RFC 4213) through the filter.

Tunnelled packets are built with scapy (an encoder independent of Portcullis) and sent by the
client with a raw socket through the firewall, which forwards them to the server: the filter
decodes the inner packet with the same decoders and judges it with `inner` rules; the server's
sniffer shows what passed. Where the kernel has tunnel devices (`ip link add type gre|ipip|sit`),
real kernel tunnels between the client and the server are judged too; kernels built without
them (no ip_gre, ipip, sit modules) skip that test.
"""
import os
import subprocess
import time

import pytest
from scapy.all import GRE, GRE_PPTP, ICMP, IP, IPv6, TCP, UDP, Ether

from test_decoder import Wire, forwarded, ip
from topology import CLIENT_IP, SERVER_IP

INNER_CLIENT, INNER_SERVER = "10.8.0.1", "10.8.0.2"

RULES = f"""policy drop
log all
accept udp to {SERVER_IP}
accept gre from {CLIENT_IP} inner tcp from 10.8.0.0/16 to any port 22
accept ipip inner icmp
accept ipv6-in-ipv4 inner tcp to any port 22
"""


def gre(inner, **fields):
    """`inner` behind a GRE header (scapy computes the checksum when `chksum_present`)."""
    return ip(47, bytes(GRE(**fields) / inner))


def inner_tcp(dport, **fields):
    return IP(src=INNER_CLIENT, dst=INNER_SERVER, **fields) / TCP(sport=40000, dport=dport, flags="S")


def verdicts_with_inner(flt):
    return [e for e in flt.events("verdict") if "inner" in e]


def test_tunnelled_packets_are_judged_by_their_inner_headers(topology, start_filter, tmp_path):
    rules = tmp_path / "tunnel.rules"
    rules.write_text(RULES)
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)

    ssh = gre(inner_tcp(22))
    ssh_keyed = gre(inner_tcp(22), chksum_present=1, key_present=1, seqnum_present=1, key=42, sequence_number=7)
    web = gre(inner_tcp(80))
    ping = ip(4, bytes(IP(src=INNER_CLIENT, dst=INNER_SERVER) / ICMP(id=7, seq=1) / b"ping"))
    dns = ip(4, bytes(IP(src=INNER_CLIENT, dst=INNER_SERVER) / UDP(sport=5000, dport=53) / b"q"))
    ssh6 = ip(41, bytes(IPv6(src="fd00::1", dst="fd00::2") / TCP(sport=40000, dport=22, flags="S")))
    web6 = ip(41, bytes(IPv6(src="fd00::1", dst="fd00::2") / TCP(sport=40000, dport=80, flags="S")))
    wire.send(ssh, ssh_keyed, web, ping, dns, ssh6, web6)
    wire.flush()
    arrived = wire.arrived()

    for name, packet in [("gre ssh", ssh), ("gre ssh keyed", ssh_keyed), ("ipip ping", ping), ("6in4 ssh", ssh6)]:
        assert forwarded(packet) in arrived, f"{name}: an accepted tunnelled packet must pass byte for byte"
    for name, packet in [("gre web", web), ("ipip dns", dns), ("6in4 web", web6)]:
        assert forwarded(packet) not in arrived, f"{name}: passed without an inner rule"

    seen = verdicts_with_inner(flt)
    by_port = {(e["proto"], e["inner"]["proto"], e["inner"].get("dest_port")): e for e in seen}
    accepted = by_port[("GRE", "TCP", 22)]
    assert accepted["verdict"] == "accept" and accepted["rule"]["line"] == 4
    assert accepted["inner"] == {"src_ip": INNER_CLIENT, "src_port": 40000, "dest_ip": INNER_SERVER, "dest_port": 22,
                                 "proto": "TCP", "ttl": 64}
    dropped = by_port[("GRE", "TCP", 80)]
    assert dropped["verdict"] == "drop" and dropped["reason"] == "policy"
    icmp = by_port[(4, "ICMP", None)]
    assert icmp["verdict"] == "accept" and icmp["rule"]["line"] == 5 and icmp["inner"]["icmp_type"] == 8
    assert by_port[(4, "UDP", 53)]["verdict"] == "drop"
    v6 = by_port[(41, "TCP", 22)]
    assert v6["verdict"] == "accept" and v6["rule"]["line"] == 6
    assert v6["inner"]["src_ip"] == "fd00::1" and v6["inner"]["dest_ip"] == "fd00::2"
    assert by_port[(41, "TCP", 80)]["verdict"] == "drop"
    assert not [e for e in flt.events("verdict") if e["reason"] == "decode"], "a well-formed tunnel was refused"


MALFORMED = [
    # (name, datagram, (layer, field, offset, reason))
    ("gre bad checksum", gre(inner_tcp(22), chksum_present=1, chksum=0x1234), ("gre", "checksum", 24, "bad-checksum")),
    ("gre version 1 (pptp)", ip(47, bytes(GRE_PPTP(call_id=1) / b"ppp!")), ("gre", "version", 21, "bad-version")),
    ("gre rfc 1701 routing", gre(inner_tcp(22), routing_present=1), ("gre", "flags", 20, "bad-gre-flags")),
    ("gre transparent ethernet", ip(47, bytes(GRE(proto=0x6558) / Ether() / inner_tcp(22))),
     ("gre", "protocol", 22, "unknown-protocol")),
    ("ip-in-ip three deep", ip(4, bytes(IP(src=INNER_CLIENT, dst=INNER_SERVER) / IP(src=INNER_CLIENT, dst=INNER_SERVER)
                                        / IP(src=INNER_CLIENT, dst=INNER_SERVER) / ICMP())),
     ("ipv4", "protocol", 49, "tunnel-too-deep")),
    ("inner tcp bad checksum", gre(IP(src=INNER_CLIENT, dst=INNER_SERVER) / TCP(dport=22, chksum=0xBAD)),
     ("tcp", "checksum", 24 + 20 + 16, "bad-checksum")),
    ("6in4 carrying ipv4", ip(41, bytes(inner_tcp(22) / (b"\0" * 20))), ("ipv6", "version", 20, "bad-version")),
]


def test_malformed_tunnels_are_refused_with_their_reason(topology, start_filter, tmp_path):
    rules = tmp_path / "accept-all.rules"
    rules.write_text("policy accept\nlog all\n")
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)
    wire.send(*(packet for _, packet, _ in MALFORMED))
    wire.flush()
    arrived = wire.arrived()
    for name, packet, _ in MALFORMED:
        assert forwarded(packet) not in arrived, f"{name}: a malformed tunnel passed"
    refused = sorted((e["decode_error"]["layer"], e["decode_error"]["field"], e["decode_error"]["offset"],
                      e["decode_error"]["reason"]) for e in flt.events("verdict") if e["reason"] == "decode")
    assert refused == sorted(expected for _, _, expected in MALFORMED)


def test_an_inner_normalization_is_rebuilt_inside_the_tunnel(topology, start_filter, tmp_path):
    rules = tmp_path / "tunnel.rules"
    rules.write_text(RULES)
    flt = start_filter(rules)
    wire = Wire(topology, tmp_path)
    # The inner IPv4 header sets the reserved ("evil") flag: the rebuild clears it, recomputes
    # the inner header checksum and the GRE checksum.
    sent = gre(inner_tcp(22, flags="evil"), chksum_present=1)
    expected = gre(inner_tcp(22), chksum_present=1)
    wire.send(sent)
    wire.flush()
    arrived = wire.arrived()
    assert forwarded(expected) in arrived and forwarded(sent) not in arrived
    line = flt.wait_for(lambda e: "inner" in e and e["verdict"] == "accept")[0]
    assert line["normalized"] == ["ipv4_reserved_flag"]


def kernel_tunnel_kinds():
    """The tunnel kinds this kernel can create (each in a throw-away namespace)."""
    kinds = []
    ns = f"pctunprobe{os.getpid() % 100000}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for kind in ("gre", "ipip", "sit"):
            created = subprocess.run(["ip", "-n", ns, "link", "add", f"p{kind}", "type", kind,
                                      "local", "192.0.2.1", "remote", "192.0.2.2"], capture_output=True)
            if created.returncode == 0:
                kinds.append(kind)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    return kinds


KERNEL_KINDS = kernel_tunnel_kinds()
PROTOCOL = {"gre": "gre", "ipip": "ipip", "sit": "ipv6-in-ipv4"}


def tunnel(topology, ns, kind, local, remote, inner, peer):
    topology.exec(ns, "ip", "link", "add", "tun0", "type", kind, "local", local, "remote", remote, "ttl", "64")
    topology.exec(ns, "ip", "link", "set", "tun0", "up")
    topology.exec(ns, "ip", "addr", "add", inner, "dev", "tun0")
    if ":" in inner:
        topology.exec(ns, "sysctl", "-qw", "net.ipv6.conf.tun0.accept_dad=0")
    return peer


@pytest.mark.parametrize("kind", ["gre", "ipip", "sit"])
def test_real_kernel_tunnels_pass_with_an_inner_rule_and_not_without(topology, start_filter, tmp_path, kind):
    if kind not in KERNEL_KINDS:
        pytest.skip(f"this kernel cannot create {kind} tunnels (no {kind} module)")
    v6 = kind == "sit"
    client_inner, server_inner = ("fd08::1", "fd08::2") if v6 else (INNER_CLIENT, INNER_SERVER)
    prefix = "/64" if v6 else "/30"
    tunnel(topology, topology.client, kind, CLIENT_IP, SERVER_IP, client_inner + prefix, server_inner)
    tunnel(topology, topology.server, kind, SERVER_IP, CLIENT_IP, server_inner + prefix, client_inner)
    ping = ["ping", "-6" if v6 else "-4", "-c", "2", "-i", "0.2", "-W", "1", server_inner]

    without = tmp_path / "without.rules"
    without.write_text(f"policy drop\nlog all\naccept {PROTOCOL[kind]} inner udp\n")
    flt = start_filter(without, log_name="without.jsonl")
    refused = topology.exec(topology.client, *ping, check=False, capture_output=True)
    assert refused.returncode != 0, "a ping through the tunnel passed without an inner rule"
    assert flt.wait_for(lambda e: "inner" in e and e["verdict"] == "drop" and e["reason"] == "policy")
    flt.stop()

    allowed = tmp_path / "with.rules"
    allowed.write_text(f"policy drop\nlog all\naccept {PROTOCOL[kind]} inner any\n")
    flt = start_filter(allowed, log_name="with.jsonl")
    passed = topology.exec(topology.client, *ping, check=False, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    accepted = flt.wait_for(lambda e: "inner" in e and e["verdict"] == "accept")
    assert accepted and accepted[0]["inner"]["src_ip"] == client_inner
    assert not [e for e in flt.events("verdict") if e["reason"] == "decode"]
