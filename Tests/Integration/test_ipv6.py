"""IPv6 through Portcullis on real namespaces: TCP, UDP and ICMPv6 echo forwarded both ways
beside IPv4 (one queue for iptables and ip6tables), crafted malformed IPv6 packets that never
reach the server and are logged with their reason, a host judged on its INPUT and OUTPUT queue
under rules/ipv6-host.rules (neighbour discovery, packet too big, a real TCP connection), and
replay of a dual-stack capture made here with tcpdump."""
import signal
import time

import pytest

import ipv6pkt as p6
from conftest import ROOT, background, nettool
from topology import CLIENT_IP, CLIENT_IP6, FIREWALL_CLIENT_IP6, SERVER_IP, SERVER_IP6

HOST_RULES = ROOT / "rules" / "ipv6-host.rules"

FORWARD_RULES = """\
policy drop
log all
accept tcp to fd99:2::2 port 8080                 label "web6"
accept tcp from fd99:2::2 port 8080               label "web6 replies"
accept udp to fd99:2::2 port 5353                 label "udp6"
accept udp from fd99:2::2 port 5353               label "udp6 replies"
accept icmp6 type { echo-request, echo-reply }    label "ping6"
accept tcp to 10.99.2.2 port 8080                 label "web4"
accept tcp from 10.99.2.2 port 8080               label "web4 replies"
"""


@pytest.fixture
def dual(topology):
    """The topology with IPv6 beside IPv4 (static neighbours) and both families' FORWARD
    traffic on queue 0."""
    topology.add_ipv6(static_neighbours=True)
    topology.queue_all_ipv6(0)
    return topology


def label(name):
    return lambda e: (e.get("rule") or {}).get("label") == name


def ping6(topology, ns, target):
    result = topology.exec(ns, "ping", "-6", "-c", "1", "-W", "2", target, check=False, timeout=30)
    return result.returncode == 0


def test_tcp_udp_and_ping_pass_both_ways_beside_ipv4(dual, start_filter, tmp_path):
    rules = tmp_path / "dual.rules"
    rules.write_text(FORWARD_RULES)
    f = start_filter(rules)
    background(dual, dual.server, "tcp-server6", "8080", "9999")
    background(dual, dual.server, "tcp-server", "8080")
    background(dual, dual.server, "udp-echo6", "5353")

    assert nettool(dual, dual.client, "tcp-connect", SERVER_IP6, "8080", "3") == "connected hello"
    assert nettool(dual, dual.client, "tcp-connect", SERVER_IP, "8080", "3") == "connected hello"
    assert nettool(dual, dual.client, "udp-ask", SERVER_IP6, "5353", "3") == "reply ping-udp"
    assert ping6(dual, dual.client, SERVER_IP6), "echo request out, reply back"
    assert ping6(dual, dual.server, CLIENT_IP6), "and the other way"
    assert nettool(dual, dual.client, "tcp-connect", SERVER_IP6, "9999", "2") == "timeout"

    web6 = f.wait_for(label("web6"))[0]
    assert (web6["src_ip"], web6["dest_ip"], web6["proto"], web6["dest_port"]) == (CLIENT_IP6, SERVER_IP6, "TCP", 8080)
    assert f.wait_for(label("web6 replies"))[0]["src_ip"] == SERVER_IP6
    assert f.wait_for(label("web4"))[0]["src_ip"] == CLIENT_IP
    udp6 = f.wait_for(label("udp6"))[0]
    assert (udp6["proto"], udp6["verdict"]) == ("UDP", "accept")
    pings = f.wait_for(label("ping6"))
    assert {e["proto"] for e in pings} == {"IPv6-ICMP"}
    assert {(e["src_ip"], e["dest_ip"]) for e in pings} >= {(CLIENT_IP6, SERVER_IP6), (SERVER_IP6, CLIENT_IP6)}
    refused = f.wait_for(lambda e: e.get("dest_port") == 9999)
    assert refused and all((e["verdict"], e["reason"], e["src_ip"]) == ("drop", "policy", CLIENT_IP6) for e in refused)


def malformed_cases():
    """(name, packet, decode_error layer, reason): each is forwarded by the firewall's kernel
    (ipv6_rcv checks none of this when the packet is not for it) and refused by Portcullis.
    Every one carries its own marker in its payload, so the server's capture can be searched."""
    src, dst = CLIENT_IP6, SERVER_IP6
    cases = []

    def marker(index):
        return b"bad-%04d" % index

    # The payload length cuts into the UDP datagram: ipv6_rcv trims the packet to it, and the
    # UDP length then reaches past the IP payload.
    data = marker(1) + bytes(8)
    cases.append(("short payload length", p6.ipv6(src, dst, 17, p6.udp(src, dst, 41001, 5353, data), payload_length=16),
                  "udp", "truncated"))
    # Routing type 0 (RFC 5095 §3), segments left 1.
    rh0 = p6.routing_type0(17, ["fd99:2::99"], 1)
    cases.append(("routing header type 0", p6.ipv6(src, dst, 43, rh0 + p6.udp(src, "fd99:2::99", 41002, 5353, marker(2))),
                  "ipv6_routing", "ipv6-routing-type-0"))
    # An unknown destination option (type 0x1e: "skip" action bits, so no router would object).
    dest_opts = p6.extension(17, bytes([0x1E, 2, 0xAA, 0xBB, 1, 0]))
    cases.append(("unknown option", p6.ipv6(src, dst, 60, dest_opts + p6.udp(src, dst, 41003, 5353, marker(3))),
                  "ipv6_destination_options", "ipv6-option-unknown"))
    # Hop-by-hop after a destination options header (RFC 8200 §4.1: only right after the
    # fixed header); both headers well formed (tunnel limit + PadN; router alert + 2 Pad1).
    first = p6.extension(0, bytes([4, 1, 4, 1, 1, 0]))
    hop = p6.extension(17, bytes([5, 2, 0, 0, 0, 0]))
    cases.append(("hop-by-hop not first", p6.ipv6(src, dst, 60, first + hop + p6.udp(src, dst, 41004, 5353, marker(4))),
                  "ipv6_hop_by_hop", "bad-extension-order"))
    # UDP checksum 0 (mandatory over IPv6, RFC 8200 §8.1).
    cases.append(("udp checksum 0", p6.ipv6(src, dst, 17, p6.udp(src, dst, 41005, 5353, marker(5), zero_checksum=True)),
                  "udp", "zero-checksum"))
    # ICMPv6 echo request with its checksum complemented.
    cases.append(("icmpv6 bad checksum", p6.ipv6(src, dst, 58, p6.icmpv6(src, dst, 128, 0, 0x77770001, marker(6), bad_checksum=True)),
                  "icmpv6", "bad-checksum"))
    # A real fragment (more fragments set): refused without `accept fragments`.
    frag = p6.fragment(17, more=True)
    cases.append(("fragment", p6.ipv6(src, dst, 44, frag + p6.udp(src, dst, 41007, 5353, marker(7) + bytes(8))),
                  "ipv6_fragment", "fragment"))
    return cases


def test_malformed_ipv6_never_reaches_the_server_and_is_logged_with_its_reason(dual, start_filter, tmp_path):
    rules = tmp_path / "dual.rules"
    rules.write_text(FORWARD_RULES)
    f = start_filter(rules)
    seen = tmp_path / "server.hex"
    background(dual, dual.server, "sniff-hex6", "eth0", str(seen))
    cases = malformed_cases()
    src, dst = CLIENT_IP6, SERVER_IP6
    good = p6.ipv6(src, dst, 17, p6.udp(src, dst, 41100, 5353, b"good-0001"))
    # An atomic fragment (offset 0, no more fragments) is a whole packet (RFC 6946 §4): judged and passed.
    atomic = p6.ipv6(src, dst, 44, p6.fragment(17) + p6.udp(src, dst, 41101, 5353, b"good-0002"))
    frames = [packet.hex() for _, packet, _, _ in cases] + [good.hex(), atomic.hex()]
    assert nettool(dual, dual.client, "eth-send", "eth0", dual.mac(dual.firewall, "c0"), "0x86dd", *frames) == "sent"

    for name, _packet, layer, reason in cases:
        found = f.wait_for(lambda e, r=reason, l=layer: (e.get("decode_error") or {}).get("reason") == r
                           and e["decode_error"]["layer"] == l)
        assert found, f"{name}: no drop logged as {layer} {reason}"
        assert found[0]["verdict"] == "drop" and found[0]["reason"] == "decode"
    assert f.wait_for(lambda e: e.get("src_port") == 41101 and e["verdict"] == "accept"), "the atomic fragment passed"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and b"good-0002".hex() not in seen.read_text():
        time.sleep(0.1)
    arrived = seen.read_text()
    assert b"good-0001".hex() in arrived and b"good-0002".hex() in arrived, "the valid packets arrived"
    for index, (name, *_rest) in enumerate(cases, start=1):
        assert (b"bad-%04d" % index).hex() not in arrived, f"{name} reached the server"


def test_a_host_under_ipv6_host_rules_keeps_neighbour_discovery_path_mtu_and_tcp(topology, start_filter, tmp_path):
    # Neighbour discovery for real: no static neighbours. The firewall is the host: its
    # INPUT and OUTPUT on c0 go to the queue, for both families.
    topology.add_ipv6(static_neighbours=False)
    fw = topology.firewall
    for chain, direction in (("INPUT", "-i"), ("OUTPUT", "-o")):
        topology.exec(fw, "ip6tables", "-A", chain, direction, "c0", "-j", "NFQUEUE", "--queue-num", "0")
    rules = tmp_path / "host.rules"
    rules.write_text(HOST_RULES.read_text().replace("log drops", "log all"))
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "ipv6-icmp.rules").write_text((ROOT / "rules" / "include" / "ipv6-icmp.rules").read_text())
    f = start_filter(rules)
    background(topology, fw, "tcp-server6", "22", "2222")

    assert nettool(topology, topology.client, "tcp-connect", FIREWALL_CLIENT_IP6, "22", "5") == "connected hello"
    assert nettool(topology, topology.client, "tcp-connect", FIREWALL_CLIENT_IP6, "2222", "2") == "timeout"
    nd = f.wait_for(label("neighbour discovery"))
    assert nd and all(e["verdict"] == "accept" and e["proto"] == "IPv6-ICMP" for e in nd)
    assert f.wait_for(label("ssh in")) and f.wait_for(label("ssh replies"))
    refused = f.wait_for(lambda e: e.get("dest_port") == 2222)
    assert refused and refused[0]["reason"] == "policy"

    # Packet too big, quoting an echo reply the host "sent": accepted, and the kernel lowers
    # its path MTU towards the client (icmpv6_err -> ip6_update_pmtu).
    host, client = FIREWALL_CLIENT_IP6, CLIENT_IP6
    quoted = p6.ipv6(host, client, 58, p6.icmpv6(host, client, 129, 0, 0x00420001, bytes(1400)))[:1232]
    too_big = p6.ipv6(client, host, 58, p6.icmpv6(client, host, 2, 0, 1280, quoted))
    assert len(too_big) == 1280
    assert nettool(topology, topology.client, "eth-send", "eth0", topology.mac(fw, "c0"), "0x86dd", too_big.hex()) == "sent"
    ptb = f.wait_for(label("path mtu"))
    assert ptb and ptb[0]["verdict"] == "accept"
    deadline = time.monotonic() + 5
    route = ""
    while time.monotonic() < deadline and "mtu 1280" not in route:
        route = topology.exec(fw, "ip", "-6", "route", "get", client).stdout
        time.sleep(0.1)
    assert "mtu 1280" in route, route
    assert not [e for e in f.events("verdict") if e["reason"] == "decode"], "nothing the host needs was malformed"


REPLAY_RULES = """\
policy drop
log drops
accept ipv6-headers { hop-by-hop }
accept tcp
accept udp
accept icmp
accept icmp6
"""


def test_replay_of_a_dual_stack_capture_has_no_false_drops(topology, portcullis_bin, tmp_path):
    import subprocess
    topology.exec(topology.firewall, "iptables", "-D", "FORWARD", "-j", "NFQUEUE", "--queue-num", "0")
    topology.add_ipv6(static_neighbours=False)
    captures = {"ethernet": tmp_path / "c0.pcap", "cooked": tmp_path / "any.pcap"}
    dumps = [topology.popen(topology.firewall, "tcpdump", "--immediate-mode", "-U", "-n", "-i", iface, "-w", str(path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for iface, path in (("c0", captures["ethernet"]), ("any", captures["cooked"]))]
    for dump in dumps:
        dump.stderr.readline()   # "listening on ...": capturing from here on
    for server in ("tcp-server6", "tcp-server"):
        background(topology, topology.server, server, "8080")
    for server in ("udp-echo6", "udp-echo"):
        background(topology, topology.server, server, "5353")
    for host in (SERVER_IP6, SERVER_IP):
        assert nettool(topology, topology.client, "tcp-connect", host, "8080", "3") == "connected hello"
        assert nettool(topology, topology.client, "udp-ask", host, "5353", "3") == "reply ping-udp"
    assert ping6(topology, topology.client, SERVER_IP6)
    topology.exec(topology.client, "ping", "-c", "1", "-W", "2", SERVER_IP)
    time.sleep(0.5)
    for dump in dumps:
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=10)
    rules = tmp_path / "replay.rules"
    rules.write_text(REPLAY_RULES)
    for kind, capture in captures.items():
        result = subprocess.run([portcullis_bin, "replay", "--rules", str(rules), "--checksum-offload", str(capture)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        summary = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
        ipv4, ipv6 = (int(summary[family].split()[0]) for family in ("ipv4", "ipv6"))
        # A TCP connection (at least SYN, SYN-ACK, ACK), a UDP exchange and a ping per family,
        # and neighbour discovery for IPv6.
        assert ipv4 >= 7 and ipv6 >= 10, f"{kind}: {summary}"
        assert summary["dropped"].startswith("0 "), f"{kind}: a false drop: {result.stdout}"
        assert summary["ipv6"] == f"{ipv6} (accepted {ipv6}, dropped 0)"


def test_run_capture_writes_both_families_to_one_raw_ip_file(dual, start_filter, tmp_path):
    from pcaps import LINKTYPE_RAW, read_pcap
    rules = tmp_path / "dual.rules"
    rules.write_text(FORWARD_RULES)
    capture = tmp_path / "all.pcap"
    f = start_filter(rules, extra=["--capture", "all", "--capture-file", str(capture)])
    background(dual, dual.server, "tcp-server", "8080")
    assert ping6(dual, dual.client, SERVER_IP6)
    assert nettool(dual, dual.client, "tcp-connect", SERVER_IP, "8080", "3") == "connected hello"
    assert f.stop() == 0
    linktype, records = read_pcap(capture.read_bytes())
    assert linktype == LINKTYPE_RAW
    versions = [data[0] >> 4 for _s, _m, data, _l in records]
    assert versions.count(6) == 2 and versions.count(4) >= 3, versions
    request = next(data for _s, _m, data, _l in records if data[0] >> 4 == 6)
    assert request[6] == 58 and request[40] == 128 and request[8:24] == p6.addr(CLIENT_IP6)
