"""Fail safe under faults: an internal error on one packet, a storm of malformed packets."""
import json
import random
import socket
import struct

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
