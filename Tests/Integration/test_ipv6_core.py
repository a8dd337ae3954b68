"""IPv6 through the filter, end to end (issue 11): a real IPv6 TCP connection and ping6 pass
an ip6tables FORWARD NFQUEUE judged by IPv6 rules, and a refused connection is logged with
its RFC 5952 addresses and a Community ID computed independently by the `communityid` package.
The broad IPv6 integration tests are in their own files; this is the core's smoke test."""
import subprocess
import sys
import time

import pytest

from test_end_to_end import write_rules
from test_log import assert_valid
from topology import CLIENT_IP6, SERVER_IP6

communityid = pytest.importorskip("communityid", reason="scripts/deps installs the communityid package")

SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))
s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"hello6")
    c.close()
"""

CLIENT = """
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[3]))
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected", s.recv(16).decode())
except OSError as error:
    print("failed", type(error).__name__)
"""

RULES = f"""policy drop
log all
accept icmp6 type {{ echo-request, echo-reply }} label "ping6"
accept tcp from fd99:1::/64 to {SERVER_IP6} port 8080 label "web6"
accept tcp from {SERVER_IP6} port 8080 to fd99:1::/64 label "web6 replies"
drop log inet6 tcp to any port 9090 label "blocked6"
"""


def connect(topology, port, seconds):
    return topology.exec(topology.client, sys.executable, "-c", CLIENT, SERVER_IP6, str(port), str(seconds),
                         timeout=seconds + 10).stdout.strip()


@pytest.fixture
def dual_stack(topology, start_filter, tmp_path):
    topology.add_ipv6()
    topology.queue_all_ipv6(0)
    server = topology.popen(topology.server, sys.executable, "-c", SERVER, "8080", stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    flt = start_filter(write_rules(tmp_path, RULES))
    yield topology, flt
    server.kill()
    server.wait()


def test_ipv6_tcp_and_ping6_pass_and_a_refused_connection_is_logged(dual_stack):
    topology, flt = dual_stack
    assert connect(topology, 8080, 5) == "connected hello6"
    ping = topology.exec(topology.client, "ping", "-6", "-c", "2", "-W", "2", SERVER_IP6, check=False, timeout=15)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert connect(topology, 9090, 2) == "failed TimeoutError"
    blocked = flt.wait_for(lambda e: e.get("rule", {}).get("label") == "blocked6")
    assert blocked, flt.events("verdict")
    time.sleep(0.3)
    flt.stop()
    events = flt.events()
    assert_valid(events)
    verdicts = [e for e in events if e["event_type"] == "verdict"]

    line = blocked[0]
    assert (line["verdict"], line["reason"], line["proto"]) == ("drop", "rule", "TCP")
    assert (line["src_ip"], line["dest_ip"], line["dest_port"]) == (CLIENT_IP6, SERVER_IP6, 9090)
    assert line["tcp"]["syn"] is True and line["ttl"] == 63, "the hop limit after one router"
    assert line["community_id"] == communityid.CommunityID().calc(
        communityid.FlowTuple.make_tcp(CLIENT_IP6, SERVER_IP6, line["src_port"], 9090))

    web = [e for e in verdicts if e.get("rule", {}).get("label") in ("web6", "web6 replies")]
    assert {e["verdict"] for e in web} == {"accept"} and len(web) >= 4, web
    assert len({e["community_id"] for e in web}) == 1, "both directions are one flow"
    pings = [e for e in verdicts if e.get("proto") == "IPv6-ICMP"]
    assert {(e["icmp_type"], e["verdict"]) for e in pings} == {(128, "accept"), (129, "accept")}, pings
    for event in pings:
        assert event["community_id"] == communityid.CommunityID().calc(communityid.FlowTuple.make_icmp6(
            event["src_ip"], event["dest_ip"], event["icmp_type"], event["icmp_code"]))
    # Nothing else was dropped: the IPv6 path decoded every packet the hosts sent.
    assert [e for e in verdicts if e["reason"] == "decode"] == []
    stop = flt.events("stop")[-1]
    assert stop["counters"]["ipv6_packets"] >= 8 and stop["counters"]["ipv4_packets"] == 0, stop["counters"]
