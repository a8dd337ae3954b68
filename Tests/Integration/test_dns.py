"""`inspect dns` on a real path: dnsmasq answers in the server namespace, dig asks from the
client, Portcullis judges both directions in the firewall (docs/rules.md, DNS).

Allowed names resolve; listed names time out; an answer pointing into private space (DNS
rebinding) is dropped by `dns-response-ip`; malformed queries crafted with scapy never reach
the resolver (a sniffer on the server records every datagram that arrives) and are logged with
their reason and offset; a capture of real dig and dnsmasq traffic replays with no drop.
"""
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import background
from topology import CLIENT_IP, SERVER_IP

pytestmark = pytest.mark.skipif(shutil.which("dnsmasq") is None or shutil.which("dig") is None,
                                reason="dnsmasq and dig are installed by scripts/deps")

BLOCKLIST = """# hosts-file and plain lines
0.0.0.0 ads.test
*.tracker.test
"""

RULES = """policy drop
log all
inspect dns
set blocklist = file "block.list"
drop udp to any port 53 dns-name $blocklist label "blocklist"
drop udp from any port 53 dns-response-ip { 192.168.0.0/16, 172.16.0.0/12 } label "rebinding"
accept udp to any port 53 label "queries"
accept udp from any port 53 label "answers"
"""

# Names dnsmasq answers itself (no upstream): A, AAAA, CNAME, MX, TXT, SRV and an HTTPS record.
DNSMASQ_RECORDS = [
    "--address=/allowed.test/10.99.2.2",
    "--address=/ads.test/10.99.2.3",
    "--address=/x.tracker.test/10.99.2.4",
    "--address=/rebind.test/192.168.7.7",
    "--host-record=v6.test,10.99.2.9,fd00::9",
    "--cname=alias.test,v6.test",
    "--mx-host=mail.test,mx.v6.test,10",
    "--txt-record=txt.test,\"v=spf1 -all\",second",
    "--srv-host=_sip._udp.test,v6.test,5060,1,2",
    # HTTPS (65): priority 1, target ".", alpn "h2" (RFC 9460), in dnsmasq's hex form.
    "--dns-rr=https.test,65,000100000100030268 32",
]


def start_dnsmasq(topology, tmp_path):
    log = tmp_path / "dnsmasq.log"
    process = topology.popen(
        topology.server, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
        f"--listen-address={SERVER_IP}", "--port=53", "--user=root", "--group=root", "--log-queries",
        f"--log-facility={log}", "--pid-file=", *[record.replace(" ", "") for record in DNSMASQ_RECORDS],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dnsmasq exited {process.returncode}: {process.stderr.read()}")
        if log.exists() and "started" in log.read_text():
            return process, log
        time.sleep(0.05)
    raise AssertionError("dnsmasq did not start")


def dig(topology, name, qtype="A"):
    """dig from the client over UDP (dig asks ANY over TCP otherwise), one try of one second: the
    answer section, or None on a timeout."""
    result = topology.exec(topology.client, "dig", f"@{SERVER_IP}", name, qtype, "+tries=1", "+time=1", "+notcp",
                           "+short", timeout=10, check=False)
    if "timed out" in result.stdout or "no servers could be reached" in result.stdout or result.returncode == 9:
        return None
    return result.stdout.split()


@pytest.fixture
def dns(topology, start_filter, tmp_path):
    (tmp_path / "block.list").write_text(BLOCKLIST)
    rules = tmp_path / "dns.rules"
    rules.write_text(RULES)
    server, log = start_dnsmasq(topology, tmp_path)
    portcullis = start_filter(rules)
    yield portcullis, log
    server.terminate()
    server.wait(timeout=5)


def test_allowed_names_resolve_and_are_logged(topology, dns):
    portcullis, _ = dns
    assert dig(topology, "allowed.test") == ["10.99.2.2"]
    assert dig(topology, "v6.test", "AAAA") == ["fd00::9"]
    answers = portcullis.wait_for(lambda e: e.get("dns", {}).get("type") == "answer" and e["dns"]["rrname"] == "allowed.test")
    assert answers and answers[0]["verdict"] == "accept"
    assert answers[0]["dns"]["rrtype"] == "A" and answers[0]["dns"]["rcode"] == "NOERROR"
    assert answers[0]["dns"]["answers"] == ["10.99.2.2"]
    queries = portcullis.wait_for(lambda e: e.get("dns", {}).get("type") == "query" and e["dns"]["rrname"] == "v6.test")
    assert queries and queries[0]["dns"]["rrtype"] == "AAAA" and queries[0]["rule"]["label"] == "queries"


def test_listed_names_time_out(topology, dns):
    portcullis, resolver_log = dns
    assert dig(topology, "ads.test") is None
    assert dig(topology, "x.tracker.test") is None
    dropped = portcullis.wait_for(lambda e: e.get("rule", {}).get("label") == "blocklist")
    assert sorted(e["dns"]["rrname"] for e in dropped) == ["ads.test", "x.tracker.test"]
    assert all(e["verdict"] == "drop" for e in dropped)
    assert "ads.test" not in resolver_log.read_text()


def test_rebinding_answer_is_dropped(topology, dns):
    portcullis, resolver_log = dns
    assert dig(topology, "rebind.test") is None
    dropped = portcullis.wait_for(lambda e: e.get("rule", {}).get("label") == "rebinding")
    assert dropped and dropped[0]["dns"]["answers"] == ["192.168.7.7"] and dropped[0]["verdict"] == "drop"
    # The query itself passed: the resolver saw it and answered.
    assert "rebind.test" in resolver_log.read_text()


# Malformed queries: (name, DNS payload built with scapy or by hand, decode_error).
def malformed_queries():
    from scapy.layers.dns import DNS, DNSQR, DNSRROPT

    def query(name, **fields):
        return bytes(DNS(id=0x4242, rd=1, qd=DNSQR(qname=name), **fields))

    good = query("allowed.test")
    two_questions = bytearray(good)
    two_questions[5] = 2
    opt = bytes(DNSRROPT(rclass=1232))
    two_opts = bytearray(good + opt + opt)
    two_opts[11] = 2
    return [
        ("QDCOUNT 2", bytes(two_questions), ("question_count", 4, "dns-question-count")),
        ("Z bit", query("allowed.test", z=1), ("flags", 2, "dns-z-bit")),
        ("opcode STATUS", query("allowed.test", opcode=2), ("opcode", 2, "dns-opcode")),
        ("pointer loop", good[:12] + b"\xc0\x0c" + good[-4:], ("name", 12, "dns-bad-pointer")),
        ("label of 64", good[:12] + b"\x40" + b"a" * 64 + b"\x00" + good[-4:], ("name", 12, "dns-bad-label")),
        ("OPT twice", bytes(two_opts), ("type", len(good) + len(opt) + 1, "dns-bad-opt")),
        ("trailing byte", good + b"\x00", ("header", len(good), "trailing-bytes")),
    ]


SENDER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("{client}", 47000))
for text in sys.argv[1:]:
    s.sendto(bytes.fromhex(text), ("{server}", 53))
print("sent")
"""


def test_malformed_queries_never_reach_the_resolver(topology, dns, tmp_path):
    portcullis, resolver_log = dns
    cases = malformed_queries()
    arrived = tmp_path / "arrived.hex"
    sniffer = background(topology, topology.server, "sniff_hex", "eth0", str(arrived))
    try:
        topology.exec(topology.client, sys.executable, "-c", SENDER.format(client=CLIENT_IP, server=SERVER_IP),
                      *[payload.hex() for _, payload, _ in cases], timeout=10)
        logged = []
        deadline = time.monotonic() + 5
        while len(logged) < len(cases) and time.monotonic() < deadline:
            logged = [e for e in portcullis.events("verdict") if e.get("reason") == "decode"]
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        sniffer.kill()
        sniffer.wait()
    errors = [(e["decode_error"]["layer"], e["decode_error"]["field"], e["decode_error"]["offset"], e["decode_error"]["reason"])
              for e in logged]
    # IPv4 (20) and UDP (8) headers before the message.
    assert errors == [("dns", field, 28 + offset, reason) for _, _, (field, offset, reason) in cases]
    assert all(e["verdict"] == "drop" and e["src_port"] == 47000 for e in logged)
    reached = [line for line in (arrived.read_text().split() if arrived.exists() else []) if line[18:20] == "11"]
    assert reached == []
    assert "47000" not in resolver_log.read_text()


def test_replay_of_real_dns_traffic_has_no_false_drop(topology, dns, portcullis_bin, tmp_path):
    capture = tmp_path / "dns.pcap"
    sniffer = topology.popen(topology.firewall, "tcpdump", "-i", "s0", "-w", str(capture), "-U", "udp port 53",
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    asked = [("2.2.99.10.in-addr.arpa", "PTR"), ("allowed.test", "A"), ("v6.test", "AAAA"), ("alias.test", "A"), ("mail.test", "MX"),
             ("txt.test", "TXT"), ("_sip._udp.test", "SRV"), ("https.test", "TYPE65"), ("nothing.test", "A"),
             ("allowed.test", "ANY"), ("v6.test", "SOA")]
    for name, qtype in asked:
        dig(topology, name, qtype)
    time.sleep(1)
    sniffer.send_signal(signal.SIGINT)
    sniffer.wait(timeout=5)
    log = tmp_path / "replay.jsonl"
    rules = tmp_path / "replay.rules"
    rules.write_text("policy drop\nlog all\ninspect dns\naccept udp to any port 53\naccept udp from any port 53\n")
    # Taken on a veth, where the senders' UDP checksums are left for offload.
    result = subprocess.run([portcullis_bin, "replay", "--rules", str(rules), str(capture), "--log", str(log),
                             "--checksum-offload"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json
    verdicts = [json.loads(line) for line in log.read_text().splitlines() if '"verdict"' in line]
    verdicts = [v for v in verdicts if v["event_type"] == "verdict"]
    assert [v for v in verdicts if v["verdict"] != "accept"] == []
    # Every question asked, and its answer, is in the capture.
    asked_names = {name.lower() for name, _ in asked}
    queried = {v["dns"]["rrname"] for v in verdicts if v["dns"]["type"] == "query"}
    assert queried == asked_names, (sorted(queried), sorted(asked_names))
    assert {v["dns"]["rrname"] for v in verdicts if v["dns"]["type"] == "answer"} == asked_names
    assert all("dns" in v for v in verdicts)
    rrtypes = {v["dns"]["rrtype"] for v in verdicts}
    assert rrtypes >= {"A", "AAAA", "MX", "TXT", "SRV", "HTTPS", "ANY", "SOA", "PTR"}


def wait_reload(portcullis, count, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reloads = portcullis.events("reload")
        if len(reloads) >= count:
            return reloads[count - 1]
        time.sleep(0.05)
    raise AssertionError("no reload event")


def test_sighup_reloads_the_list_and_a_broken_list_keeps_the_old_rules(topology, dns, tmp_path):
    portcullis, _ = dns
    assert dig(topology, "allowed.test") == ["10.99.2.2"]
    # allowed.test joins the list: after SIGHUP it times out.
    (tmp_path / "block.list.new").write_text(BLOCKLIST + "allowed.test\n")
    (tmp_path / "block.list.new").rename(tmp_path / "block.list")
    portcullis.process.send_signal(signal.SIGHUP)
    first = wait_reload(portcullis, 1)
    assert not first.get("errors"), first
    # The ruleset's digest covers the list: a changed list is a new ruleset in the log.
    assert first["ruleset"] != portcullis.events("start")[0]["ruleset"]
    assert dig(topology, "allowed.test") is None
    # A list with a bad line: the reload fails, names the line, and the rules in force stay.
    (tmp_path / "block.list.new").write_text("v6.test\nnot a name\n")
    (tmp_path / "block.list.new").rename(tmp_path / "block.list")
    portcullis.process.send_signal(signal.SIGHUP)
    second = wait_reload(portcullis, 2)
    assert second["errors"] and "block.list:2:1: error: 'not a name' is not a name" in " ".join(second["errors"])
    assert second["ruleset"] == first["ruleset"]
    assert dig(topology, "allowed.test") is None
    assert dig(topology, "v6.test") == ["10.99.2.9"]
