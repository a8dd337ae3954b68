"""IGMP from a real multicast join (RFC 2236, RFC 3376), judged by `accept igmp`.

The client joins a group with a socket (IP_ADD_MEMBERSHIP): its kernel sends unsolicited
membership reports to the link, with TTL 1 and the router alert option, so they reach the
firewall's INPUT hook rather than FORWARD; this test queues IGMP there too. Linux delivers an
IGMP packet locally only to a host that is a member of its destination group, so the firewall
holds the group and 224.0.0.22 (where v3 reports go) while the client joins.
"""
import subprocess
import textwrap
import time

from topology import CLIENT_IP, FIREWALL_CLIENT_IP

GROUP = "239.1.2.3"


def join(topology, version):
    """Joins GROUP on the client for a moment, its reports forced to IGMP `version`."""
    topology.exec(topology.client, "sysctl", "-qw", f"net.ipv4.conf.eth0.force_igmp_version={version}")
    script = textwrap.dedent(f"""
        import socket, struct, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     struct.pack("4s4s", socket.inet_aton("{GROUP}"), socket.inet_aton("{CLIENT_IP}")))
        time.sleep(1.0)
    """)
    topology.exec(topology.client, "python3", "-c", script)


def listen(topology):
    """A process in the firewall that is a member of GROUP and 224.0.0.22 on the client side."""
    script = textwrap.dedent(f"""
        import socket, struct, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for group in ("{GROUP}", "224.0.0.22"):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("{FIREWALL_CLIENT_IP}")))
        print("joined", flush=True)
        time.sleep(20)
    """)
    process = topology.popen(topology.firewall, "python3", "-c", script, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "joined"
    return process


def igmp_verdicts(flt, verdict):
    return [e for e in flt.events("verdict") if e.get("proto") == "IGMP" and e["verdict"] == verdict]


def test_igmp_reports_from_a_join_are_decoded_and_accepted_by_accept_igmp(topology, start_filter, tmp_path):
    topology.exec(topology.firewall, "iptables", "-I", "INPUT", "-p", "igmp", "-j", "NFQUEUE", "--queue-num", "0")
    rules = tmp_path / "igmp.rules"
    rules.write_text("policy drop\nlog all\naccept ip-options { router-alert }\naccept igmp from 10.99.1.0/24\n")
    flt = start_filter(rules)
    listener = listen(topology)
    for version in (2, 3):
        join(topology, version)
    time.sleep(0.5)
    listener.kill()
    # The firewall's own reports (for its membership) loop back through INPUT too: look at the client's.
    found = flt.wait_for(lambda e: e.get("proto") == "IGMP" and e["src_ip"] == CLIENT_IP and e["verdict"] == "accept", timeout=5)
    assert found, f"no IGMP accepted; verdicts: {flt.events('verdict')}"
    accepted = found[0]
    assert accepted["rule"]["line"] == 4
    assert not [e for e in flt.events("verdict") if e["reason"] == "decode"], "a real IGMP report was refused"
    # Both versions were seen: a v2 report goes to the group, a v3 report to 224.0.0.22.
    destinations = {e["dest_ip"] for e in igmp_verdicts(flt, "accept") if e["src_ip"] == CLIENT_IP}
    assert GROUP in destinations and "224.0.0.22" in destinations, destinations


def test_igmp_is_dropped_by_the_policy_without_accept_igmp(topology, start_filter, tmp_path):
    topology.exec(topology.firewall, "iptables", "-I", "INPUT", "-p", "igmp", "-j", "NFQUEUE", "--queue-num", "0")
    rules = tmp_path / "no-igmp.rules"
    rules.write_text("policy drop\nlog all\naccept ip-options { router-alert }\naccept udp\naccept icmp\n")
    flt = start_filter(rules)
    listener = listen(topology)
    join(topology, 3)
    listener.kill()
    found = flt.wait_for(lambda e: e.get("proto") == "IGMP" and e["src_ip"] == CLIENT_IP, timeout=5)
    assert found, f"no IGMP judged; verdicts: {flt.events('verdict')}"
    dropped = found[0]
    assert dropped["verdict"] == "drop" and dropped["reason"] == "policy"
