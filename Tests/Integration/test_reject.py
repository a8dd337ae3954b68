"""`reject`, live: the verdict hands the packet back to the kernel (NF_REPEAT) with the reject
mark, and the REJECT rules installed before the NFQUEUE rule answer the sender. A client
connecting to a port where a server listens is refused at once instead of timing out.
"""
import time

from conftest import background, nettool
from topology import CLIENT_IP, CLIENT_IP6, SERVER_IP, SERVER_IP6, reject_rules

RULES = """policy drop
log all
accept tcp to any port 8080                  label "web"
accept tcp from any port 8080 flags A/A      label "web replies"
reject tcp to any port 9090                  label "no 9090"
reject udp to any port 7000                  label "no 7000"
"""


def write_rules(tmp_path, text=RULES):
    path = tmp_path / "reject.rules"
    path.write_text(text)
    return path


def timed(topology, *args):
    started = time.monotonic()
    answer = nettool(topology, topology.client, *args)
    return answer, time.monotonic() - started


def test_rejected_tcp_is_refused_at_once_and_logged_as_reject(topology, start_filter, tmp_path):
    background(topology, topology.server, "tcp-server", "8080", "9090")
    flt = start_filter(write_rules(tmp_path))

    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP, "8080", "5") == "connected hello"
    # The server listens on 9090: only the filter's reject can refuse the connection.
    answer, seconds = timed(topology, "tcp-connect", SERVER_IP, "9090", "5")
    assert answer == "refused"
    assert seconds < 2, f"the RST came after {seconds:.1f} s"

    rejects = flt.wait_for(lambda e: e.get("dest_port") == 9090)
    assert rejects, flt.events()
    line = rejects[0]
    assert line["verdict"] == "reject" and line["reason"] == "rule"
    assert line["rule"]["label"] == "no 9090" and line["rule"]["line"] == 5
    assert line["src_ip"] == CLIENT_IP and line["proto"] == "TCP"
    assert len(rejects) == 1, "the repeated packet met the REJECT rule, not the queue again"

    assert flt.stop() == 0
    counters = flt.events("stop")[0]["counters"]
    assert counters["rejected"] == 1 and counters["rejects_unanswered"] == 0
    assert counters["dropped"] == 0


def test_rejected_udp_gets_icmp_port_unreachable(topology, start_filter, tmp_path):
    background(topology, topology.server, "udp-echo", "7000")
    flt = start_filter(write_rules(tmp_path))

    answer, seconds = timed(topology, "udp-connect", SERVER_IP, "7000", "5")
    assert answer == "refused", "a connected UDP socket hears the ICMP port unreachable"
    assert seconds < 2
    rejects = flt.wait_for(lambda e: e.get("dest_port") == 7000)
    assert [(e["verdict"], e["rule"]["label"]) for e in rejects] == [("reject", "no 7000")]


def test_a_reject_without_the_kernel_rule_is_dropped_and_reported(topology, start_filter, tmp_path):
    # Without the REJECT rules the marked packet comes back to the queue: it must be
    # dropped there (no loop), and the log must say why the client was not answered.
    for rule in reject_rules():
        topology.exec(topology.firewall, "iptables", "-D", *rule)
    background(topology, topology.server, "tcp-server", "9090")
    flt = start_filter(write_rules(tmp_path))

    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP, "9090", "2") == "timeout"
    assert flt.stop() == 0
    anomalies = [e for e in flt.events("anomaly") if e["kind"] == "reject_unanswered"]
    assert anomalies, flt.events("anomaly")
    assert anomalies[0]["mark"] == 0x40000000
    counters = flt.events("stop")[0]["counters"]
    assert counters["rejects_unanswered"] >= 1
    assert counters["rejects_unanswered"] == counters["rejected"] // 2, "each SYN: rejected, back, dropped"


def test_reject_mark_and_state_mark_shift_must_not_overlap(portcullis_bin, tmp_path):
    import subprocess
    result = subprocess.run(
        [portcullis_bin, "run", "--queue", "0", "--rules", str(write_rules(tmp_path)), "--log", "-",
         "--state-mark-shift", "28", "--reject-mark", "0x40000000"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--reject-mark 0x40000000 overlaps the state bits of --state-mark-shift 28" in result.stderr


def test_rejected_ipv6_tcp_is_refused_at_once_and_udp_gets_icmp6_unreachable(topology, start_filter, tmp_path):
    # queue_all_ipv6 puts the ip6tables REJECT rules (tcp-reset, icmp6-port-unreachable)
    # before its NFQUEUE rule, as scripts/install-iptables does for IPv6.
    topology.add_ipv6(static_neighbours=True)
    topology.queue_all_ipv6(0)
    background(topology, topology.server, "tcp-server6", "8080", "9090")
    background(topology, topology.server, "udp-echo6", "7000")
    flt = start_filter(write_rules(tmp_path))

    assert nettool(topology, topology.client, "tcp-connect", SERVER_IP6, "8080", "5") == "connected hello"
    answer, seconds = timed(topology, "tcp-connect", SERVER_IP6, "9090", "5")
    assert answer == "refused"
    assert seconds < 2, f"the RST came after {seconds:.1f} s"
    answer, seconds = timed(topology, "udp-connect", SERVER_IP6, "7000", "5")
    assert answer == "refused", "a connected UDP socket hears the ICMPv6 port unreachable"
    assert seconds < 2

    assert flt.wait_for(lambda e: e.get("dest_port") == 7000), flt.events()
    rejects = [e for e in flt.events("verdict") if e["verdict"] == "reject"]
    assert [(e["src_ip"], e["proto"], e["rule"]["label"]) for e in rejects] == [
        (CLIENT_IP6, "TCP", "no 9090"), (CLIENT_IP6, "UDP", "no 7000")], flt.events()
    assert flt.stop() == 0
    counters = flt.events("stop")[0]["counters"]
    assert counters["rejected"] == 2 and counters["rejects_unanswered"] == 0
    assert counters["ipv6_packets"] >= 2
