"""Fail safe under faults: an internal error on one packet, a storm of malformed packets."""
import json
import signal
import subprocess
import time

from conftest import ROOT, background, nettool
from topology import SERVER_IP


def test_internal_error_drops_that_packet_only(topology, start_filter, tmp_path):
    # The firewall marks UDP to port 7777; the test build's fault injection fails on that mark.
    topology.exec(topology.firewall, "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "udp",
                  "--dport", "7777", "-j", "MARK", "--set-mark", "0xfa17")
    rules = tmp_path / "udp.rules"
    rules.write_text("policy drop\nlog drops\naccept udp\n")
    background(topology, topology.server, "udp-echo", "7777")
    background(topology, topology.server, "udp-echo", "5353")
    flt = start_filter(rules, env={"PORTCULLIS_FAULT_MARK": "0xfa17"})
    assert flt.events("start")[0]["fault_injection_mark"] == 0xFA17

    assert nettool(topology, topology.client, "udp-ask", SERVER_IP, "7777", "1") == "timeout"
    assert nettool(topology, topology.client, "udp-ask", SERVER_IP, "5353", "3") == "reply ping-udp"
    internal = flt.wait_for(lambda e: e["reason"] == "internal")
    assert internal and internal[0]["verdict"] == "drop" and internal[0]["proto"] == "UDP"
    assert len(internal) == 1 and internal[0]["dest_ip"] == SERVER_IP
    anomalies = [e for e in flt.events("anomaly") if e["kind"] == "internal_error"]
    assert anomalies and anomalies[0]["count"] >= 1
    assert flt.stop() == 0
    counters = flt.events("stop")[0]["counters"]
    assert counters["internal_errors"] >= 1 and counters["accepted"] >= 2


def test_fault_injection_is_off_unless_asked(topology, start_filter, tmp_path):
    topology.exec(topology.firewall, "iptables", "-t", "mangle", "-A", "FORWARD", "-p", "udp",
                  "--dport", "7777", "-j", "MARK", "--set-mark", "0xfa17")
    rules = tmp_path / "udp.rules"
    rules.write_text("policy drop\naccept udp\n")
    background(topology, topology.server, "udp-echo", "7777")
    flt = start_filter(rules)
    assert "fault_injection_mark" not in flt.events("start")[0]
    assert nettool(topology, topology.client, "udp-ask", SERVER_IP, "7777", "3") == "reply ping-udp"


def test_storm_of_malformed_packets_never_reaches_the_server(topology, start_filter, tmp_path):
    # Even a ruleset that accepts everything passes nothing it cannot decode.
    rules = tmp_path / "open.rules"
    rules.write_text("policy accept\nlog drops\naccept any\n")
    capture = tmp_path / "server.txt"
    background(topology, topology.server, "sniff", "eth0", str(capture))
    flt = start_filter(rules)
    mac = json.loads(topology.exec(topology.firewall, "ip", "-j", "link", "show", "c0").stdout)[0]["address"]
    sent = nettool(topology, topology.client, "storm", "eth0", mac, "3000", "20261127", timeout=120)
    kinds = dict(item.split("=") for item in sent.split())
    assert sum(int(v) for v in kinds.values()) == 3000 and len(kinds) == 9

    # A valid packet afterwards proves the path and flushes the sniffer.
    assert topology.exec(topology.client, "ping", "-c", "1", "-W", "2", SERVER_IP, check=False).returncode == 0
    assert flt.process.poll() is None, "the filter died"
    assert flt.stop() == 0
    counters = flt.events("stop")[0]["counters"]
    queued = counters["packets"]
    hook = topology.exec(topology.firewall, "iptables", "-L", "FORWARD", "-v", "-x", "-n").stdout
    hooked = int([line for line in hook.splitlines() if "NFQUEUE" in line][0].split()[0])
    assert hooked == queued, f"the kernel lost packets before Portcullis saw them: {flt.events('anomaly')}"
    verdicts = flt.events("verdict")
    # The kernel itself drops nothing here (every header is valid IPv4), so all 3000 were queued
    # and each has a decode drop line; the accepted ones are the ping and its reply.
    assert queued == 3000 + 2
    assert len(verdicts) == 3000 and all(v["reason"] == "decode" and v["verdict"] == "drop" for v in verdicts)
    assert counters["decode_errors"] == 3000 and counters["accepted"] == 2
    reasons = {v["decode_error"]["reason"] for v in verdicts}
    assert {"unknown-protocol", "truncated", "bad-checksum"} <= reasons
    seen = [line.split() for line in capture.read_text().splitlines()]
    assert [p for p in seen if p[0] == "1"] and all(p[0] == "1" and p[3] == "84" for p in seen), seen[:5]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int([line for line in f if line.startswith("VmRSS:")][0].split()[1])


def test_flood_for_a_minute(topology, start_filter, tmp_path):
    rules = tmp_path / "flood.rules"
    rules.write_text("policy drop\nlog drops\naccept udp to any port 5353\n"
                     "accept udp to any port 5355\naccept udp from any port 5355\n")
    capture = tmp_path / "server.txt"
    background(topology, topology.server, "sniff", "eth0", str(capture))
    background(topology, topology.server, "udp-echo", "5355")
    # A small socket buffer so the flood must overflow it: the overflow has to be seen and logged.
    flt = start_filter(rules, extra=["--socket-buffer", "65536", "--stats-interval", "10"])
    warm = nettool(topology, topology.client, "udp-flood", SERVER_IP, "1", "5353", "5454")
    rss_start = rss_kib(flt.process.pid)
    result = nettool(topology, topology.client, "udp-flood", SERVER_IP, "60", "5353", "5454", timeout=120)
    rss_end = rss_kib(flt.process.pid)
    print(f"\nflood: warm-up {warm}; {result}; RSS {rss_start} KiB after warm-up, {rss_end} KiB at the end")
    assert flt.process.poll() is None, "the filter died under the flood"
    # Still judging: an accepted exchange goes through right after the flood.
    assert nettool(topology, topology.client, "udp-ask", SERVER_IP, "5355", "3") == "reply ping-udp"
    assert flt.stop() == 0
    counters = flt.events("stop")[0]["counters"]
    print(f"counters: {counters}")
    anomalies = {e["kind"] for e in flt.events("anomaly")}
    assert counters["socket_overflows"] > 0 and "socket_overflow" in anomalies
    assert "packet_id_gap" in anomalies and counters["packet_id_gaps"] > 0
    assert counters["received"] == counters["verdicts_sent"] == counters["packets"] + counters["dropped_while_binding"]
    assert rss_end <= rss_start * 1.2 + 4096, f"memory grew: {rss_start} -> {rss_end} KiB"
    # Whatever reached the server was UDP to 5353 or 5355, the only things accepted.
    arrived = [line.split() for line in capture.read_text().splitlines() if line.split()[2] == SERVER_IP]
    assert arrived
    for proto, src, dst, length, *ports in arrived:
        assert proto == "17" and int(ports[1]) in (5353, 5355), (proto, src, dst, ports)
    assert not [e for e in flt.events("verdict") if e["verdict"] == "accept"]
    dports = {e.get("dest_port") for e in flt.events("verdict")}
    assert 5353 not in dports



def test_sigterm_under_traffic_answers_everything_received(topology, start_filter, tmp_path):
    rules = tmp_path / "t.rules"
    rules.write_text("policy drop\nlog drops\naccept udp to any port 5353\n")
    flt = start_filter(rules)
    flood = topology.popen(topology.client, "python3", str(ROOT / "scripts" / "nettool.py"), "udp-flood",
                           SERVER_IP, "6", "5353", "5454", stdout=subprocess.DEVNULL)
    try:
        time.sleep(2)
        assert flt.stop(signal.SIGTERM) == 0
    finally:
        flood.wait(timeout=30)
    stop = flt.events("stop")[0]
    assert stop["signal"] == "SIGTERM"
    counters = stop["counters"]
    assert counters["packets"] > 1000
    # Every packet received got a verdict: judged ones, plus those that arrived while the
    # queue was being unbound, which are dropped unjudged.
    assert counters["verdicts_sent"] == counters["received"]
    assert counters["received"] == counters["packets"] + counters["dropped_while_binding"]
    # Unbound: the kernel no longer lists the queue, and with no listener traffic stops.
    text = topology.exec(topology.firewall, "cat", "/proc/net/netfilter/nfnetlink_queue").stdout
    assert not [line for line in text.splitlines() if line.split() and line.split()[0] == "0"]
