"""Reloading under load: SIGHUP swaps the ruleset between packets, never half of one.

Steady UDP request/reply traffic crosses the filter while the rules file is replaced over
and over with valid and broken versions, each followed by SIGHUP. With `log all`, every
verdict line names the ruleset (SHA-256) that judged it: it must always be one of the valid
files, and the rule it names must be that file's rule. No packet may go unanswered.
"""
import hashlib
import os
import signal
import subprocess
import sys
import time

from conftest import background
from topology import SERVER_IP

# Two valid rulesets that accept the same traffic by different rules (label and line differ),
# and broken ones that would accept everything if they were ever half-applied.
VALID = {
    "A": "policy drop\nlog all\naccept udp to any port 7007 label \"A request\"\n"
         "accept udp from any port 7007 label \"A reply\"\n",
    "B": "# version B\npolicy drop\nlog all\n\naccept udp from any port 7007 label \"B reply\"\n"
         "accept udp to any port 7007 label \"B request\"\n",
}
BROKEN = [
    "policy accept\nlog all\naccept udp to any port 7007 label \"C\"\naccept udp from 10.0.0.300\n",
    "policy accept\nlog all\naccept udp to any port 70000\n",
]
EXPECTED_RULES = {
    "A": {("A request", 3), ("A reply", 4)},
    "B": {("B reply", 5), ("B request", 6)},
}

CLIENT = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
sent = received = 0
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    s.sendto(str(sent).encode(), (sys.argv[1], int(sys.argv[2])))
    sent += 1
    try:
        data, _ = s.recvfrom(100)
        received += 1
    except socket.timeout:
        pass
    time.sleep(0.002)
print(sent, received, flush=True)
"""


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def replace(path, text):
    """Writes the new rules beside the file and renames it in, as an operator should."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_reload_under_traffic_never_mixes_rulesets(topology, start_filter, tmp_path):
    rules = tmp_path / "site.rules"
    rules.write_text(VALID["A"])
    background(topology, topology.server, "udp-echo", "7007")
    flt = start_filter(rules)
    client = topology.popen(topology.client, sys.executable, "-c", CLIENT, SERVER_IP, "7007", "4",
                            stdout=subprocess.PIPE, text=True)
    versions = [VALID["B"], BROKEN[0], VALID["A"], BROKEN[1]] * 6
    written = []
    for text in versions:
        time.sleep(0.12)
        replace(rules, text)
        written.append(text)
        flt.process.send_signal(signal.SIGHUP)
    sent, received = map(int, client.communicate(timeout=30)[0].split())
    assert flt.stop() == 0

    reloads = flt.events("reload")
    assert len(reloads) >= len(versions) - 2  # SIGHUPs that arrive together may coalesce
    valid_shas = {sha(text): name for name, text in VALID.items()}
    for reload in reloads:
        if reload["success"]:
            assert reload["ruleset"] in valid_shas
        else:
            assert reload["errors"] and reload["ruleset"] in valid_shas  # the old one stays
    assert any(r["success"] for r in reloads) and any(not r["success"] for r in reloads)

    verdicts = flt.events("verdict")
    seen = set()
    for verdict in verdicts:
        name = valid_shas.get(verdict["ruleset"])
        assert name is not None, verdict
        assert verdict["verdict"] == "accept" and verdict["reason"] == "rule", verdict
        assert (verdict["rule"]["label"], verdict["rule"]["line"]) in EXPECTED_RULES[name], verdict
        seen.add(name)
    assert seen == {"A", "B"}

    counters = flt.events("stop")[0]["counters"]
    assert counters["received"] == counters["verdicts_sent"] == counters["packets"]
    assert counters["dropped"] == 0 and counters["log_lines_lost"] == 0
    assert len(verdicts) == counters["packets"]
    # Every request got its reply: nothing was dropped or left unanswered mid-reload.
    assert sent > 200 and received == sent
    assert counters["packets"] == 2 * sent
