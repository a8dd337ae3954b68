"""`portcullis replay` on IPv6: crafted dual-stack captures of every link type replay reads,
with known verdicts, per-family counts in the summary, RFC 5952 addresses in the log and in
--compare, and the accepted IPv6 packets written to a raw-IP pcap beside the IPv4 ones."""
import json
import struct
import subprocess

import pytest

import ipv6pkt as p6
from pcaps import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_RAW, ethernet, linux_cooked, pcap, read_pcap, tcp

LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
BASE = 1767225600   # 2026-01-01T00:00:00Z
C6, S6 = "2001:db8:1::2", "2001:db8:2::2"
C4, S4 = "10.99.1.2", "10.99.2.2"

RULES = """\
policy drop
log all
accept tcp from 2001:db8:1::/48 to 2001:db8:2::2 port 443   label "web6"
accept udp to 2001:db8:2::2 port 53                         label "dns6"
accept icmp6 type echo-request                              label "ping6"
accept tcp to 10.99.2.2 port 443                            label "web4"
"""

# (packet, family, verdict, reason, rule label or decode reason)
PACKETS = [
    (p6.ipv6(C6, S6, 6, p6.tcp_syn(C6, S6, 40000, 443)), 6, "accept", "rule", "web6"),
    (p6.ipv6(C6, S6, 17, p6.udp(C6, S6, 40001, 53, b"query")), 6, "accept", "rule", "dns6"),
    (p6.ipv6(C6, S6, 6, p6.tcp_syn(C6, S6, 40002, 22)), 6, "drop", "policy", None),
    (p6.ipv6(C6, S6, 58, p6.icmpv6(C6, S6, 128, 0, 0x00010001, b"ping")), 6, "accept", "rule", "ping6"),
    (p6.ipv6(C6, S6, 17, p6.udp(C6, S6, 40003, 53, b"zero", zero_checksum=True)), 6, "drop", "decode", "zero-checksum"),
    (tcp(C4, S4, 40004, 443), 4, "accept", "rule", "web4"),
    (tcp(C4, S4, 40005, 22), 4, "drop", "policy", None),
]


def sll2(ethertype, payload):
    # protocol | reserved | interface index | ARPHRD_ETHER | packet type | address length | address (8)
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01") + payload


def frames(kind):
    out = []
    for number, (packet, family, *_rest) in enumerate(PACKETS, start=1):
        ethertype = 0x86DD if family == 6 else 0x0800
        if kind in (LINKTYPE_RAW, LINKTYPE_IPV6):
            frame = packet
        elif kind == LINKTYPE_ETHERNET:
            frame = ethernet(ethertype, packet)
        elif kind == LINKTYPE_LINUX_SLL:
            frame = linux_cooked(ethertype, packet)
        else:
            frame = sll2(ethertype, packet)
        out.append((BASE + number, 0, frame))
    return out


def replay(binary, *args):
    return subprocess.run([binary, "replay", *map(str, args)], capture_output=True, text=True, timeout=60)


def summary(stdout):
    return dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line and not line.startswith("frame "))


@pytest.mark.parametrize("kind", [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2])
def test_every_link_type_judges_both_families(portcullis_bin, tmp_path, kind):
    capture, rules, log = tmp_path / "in.pcap", tmp_path / "dual.rules", tmp_path / "log.jsonl"
    capture.write_bytes(pcap(kind, frames(kind)))
    rules.write_text(RULES)
    result = replay(portcullis_bin, "--rules", rules, capture, "--log", log)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["frame"] for line in lines] == list(range(1, len(PACKETS) + 1))
    for line, (_packet, family, verdict, reason, detail) in zip(lines, PACKETS):
        assert (line["verdict"], line["reason"]) == (verdict, reason), line
        assert (line["src_ip"], line["dest_ip"]) == ((C6, S6) if family == 6 else (C4, S4))
        if reason == "rule":
            assert line["rule"]["label"] == detail
        if reason == "decode":
            assert line["decode_error"]["reason"] == detail
    counts = summary(result.stdout)
    assert counts["frames"] == "7"
    assert counts["ipv6"] == "5 (accepted 3, dropped 2)"
    assert counts["ipv4"] == "2 (accepted 1, dropped 1)"
    assert counts["not_ip"] == "0"
    assert counts["dropped"] == "3 (rule 0, policy 2, decode 1, internal 0)"


def test_a_raw_ipv6_capture_is_ipv6_only(portcullis_bin, tmp_path):
    capture, rules = tmp_path / "in.pcap", tmp_path / "dual.rules"
    capture.write_bytes(pcap(LINKTYPE_IPV6, frames(LINKTYPE_IPV6)))
    rules.write_text(RULES)
    result = replay(portcullis_bin, "--rules", rules, capture)
    assert result.returncode == 0, result.stderr
    counts = summary(result.stdout)
    assert counts["replay"].startswith(f"{capture} (raw IPv6)")
    assert counts["ipv6"] == "5 (accepted 3, dropped 2)" and counts["not_ip"] == "2 (ip version 4 2)"


def test_compare_brackets_ipv6_endpoints_and_accepted_packets_keep_both_families(portcullis_bin, tmp_path):
    capture, rules, other, out = tmp_path / "in.pcap", tmp_path / "dual.rules", tmp_path / "other.rules", tmp_path / "acc.pcap"
    capture.write_bytes(pcap(LINKTYPE_ETHERNET, frames(LINKTYPE_ETHERNET)))
    rules.write_text(RULES)
    other.write_text(RULES.replace('label "web6"', 'label "web6"\naccept tcp to any port 22 label "ssh"'))
    result = replay(portcullis_bin, "--rules", rules, capture, "--compare", other, "--write-accepted", out)
    assert result.returncode == 0, result.stderr
    diffs = [line for line in result.stdout.splitlines() if line.startswith("frame ")]
    assert diffs[0] == (f"frame 3 2026-01-01T00:00:03.000000Z TCP [{C6}]:40002 -> [{S6}]:22: "
                        f"drop by policy ({rules}) | accept by rule {other}:4 \"ssh\" ({other})")
    assert diffs[1].startswith(f"frame 7 2026-01-01T00:00:07.000000Z TCP {C4}:40005 -> {S4}:22: ")
    assert summary(result.stdout)["differences"] == f"2 of 7 packets ({rules} vs {other})"
    linktype, records = read_pcap(out.read_bytes())
    assert linktype == LINKTYPE_RAW
    assert [data for _s, _m, data, _l in records] == [PACKETS[i][0] for i in (0, 1, 3, 5)]
