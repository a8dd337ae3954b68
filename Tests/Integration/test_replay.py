"""`portcullis replay`: a capture built here, with known verdicts, judged offline."""
import json
import subprocess

import pytest

from conftest import ROOT
from pcaps import (ARP_FRAME, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_RAW,
                   ethernet, linux_cooked, pcap, read_pcap, tcp, udp, ipv4)

DEMO_RULES = ROOT / "rules" / "demo.rules"
CLIENT, SERVER = "10.99.1.2", "10.99.2.2"
BASE = 1767225600   # 2026-01-01T00:00:00Z
VERSION_5_FRAME = bytes([0x50]) + bytes(19)   # neither IPv4 nor IPv6: not judged on a raw link
LLDP_FRAME = bytes(40)

# (packet or non-IP marker, expected verdict, reason, rule label or decode reason); IPv6 is
# judged too, in test_replay_ipv6.py.
PACKETS = [
    (tcp(CLIENT, SERVER, 40000, 8080), "accept", "rule", "web"),
    ("arp", None, None, None),
    (tcp(CLIENT, SERVER, 40001, 23), "drop", "rule", "telnet"),
    (udp(CLIENT, SERVER, 40002, 9999), "drop", "policy", None),
    ("lldp", None, None, None),
    (ipv4(6, tcp(CLIENT, SERVER, 40003, 8080)[20:], CLIENT, SERVER, bad_checksum=True), "drop", "decode", "bad-checksum"),
    (udp(CLIENT, SERVER, 40004, 5353), "accept", "rule", "dns-ish"),
]


def frames(kind):
    """The PACKETS as frames of link type `kind`, with their timestamps."""
    out = []
    for number, (packet, *_rest) in enumerate(PACKETS, start=1):
        if kind == LINKTYPE_RAW:
            frame = {"arp": VERSION_5_FRAME, "lldp": VERSION_5_FRAME}.get(packet, packet)
        else:
            wrap = ethernet if kind == LINKTYPE_ETHERNET else linux_cooked
            frame = {"arp": wrap(0x0806, ARP_FRAME), "lldp": wrap(0x88CC, LLDP_FRAME)}.get(packet) \
                or wrap(0x0800, packet)
        out.append((BASE + number, number * 1000, frame))
    return out


def replay(binary, *args):
    return subprocess.run([binary, "replay", *map(str, args)], capture_output=True, text=True, timeout=60)


def summary(stdout):
    return dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line and not line.startswith("frame "))


@pytest.mark.parametrize("kind", [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL])
def test_replay_logs_the_verdicts_run_would_with_capture_time_and_frame(portcullis_bin, tmp_path, kind):
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(kind, frames(kind)))
    log = tmp_path / "replay.jsonl"
    result = replay(portcullis_bin, "--rules", DEMO_RULES, capture, "--log", log)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    # demo.rules logs drops only: frames 3 (telnet), 4 (policy) and 6 (bad checksum).
    assert [line["frame"] for line in lines] == [3, 4, 6]
    for line in lines:
        number = line["frame"]
        _packet, verdict, reason, detail = PACKETS[number - 1]
        assert line["event_type"] == "verdict"
        assert line["timestamp"] == f"2026-01-01T00:00:0{number}.00{number}000Z"
        assert (line["verdict"], line["reason"]) == (verdict, reason)
        assert line["queue"] == 0 and line["packet_id"] == number
        assert line["src_ip"] == CLIENT and line["dest_ip"] == SERVER
        if reason == "rule":
            assert line["rule"]["label"] == detail and line["rule"]["file"] == str(DEMO_RULES)
        if reason == "decode":
            assert line["decode_error"]["reason"] == detail
    counts = summary(result.stdout)
    assert counts["frames"] == "7" and counts["ipv4"] == "5 (accepted 2, dropped 3)"
    assert counts["ipv6"] == "0 (accepted 0, dropped 0)"
    assert counts["accepted"] == "2 (rebuilt 0)"
    assert counts["dropped"] == "3 (rule 1, policy 1, decode 1, internal 0)"
    expected_other = "ip version 5 2" if kind == LINKTYPE_RAW else "arp 1, ethertype 0x88cc 1"
    assert counts["not_ip"] == f"2 ({expected_other})"
    assert counts["log_lines"] == "3"
    if kind == LINKTYPE_ETHERNET:
        assert int(counts["padding_trimmed"]) >= 1   # short frames carry Ethernet padding


def test_replay_writes_the_accepted_packets(portcullis_bin, tmp_path):
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(LINKTYPE_ETHERNET, frames(LINKTYPE_ETHERNET)))
    out = tmp_path / "accepted.pcap"
    result = replay(portcullis_bin, "--rules", DEMO_RULES, capture, "--write-accepted", out)
    assert result.returncode == 0, result.stderr
    linktype, records = read_pcap(out.read_bytes())
    assert linktype == LINKTYPE_RAW
    assert [(seconds, micros, data) for seconds, micros, data, _ in records] == [
        (BASE + 1, 1000, PACKETS[0][0]), (BASE + 7, 7000, PACKETS[6][0])]
    assert f"accepted_written: 2 to {out}" in result.stdout


def test_replay_rebuilds_what_it_accepts(portcullis_bin, tmp_path):
    # TCP reserved bits set: accepted, and written as rebuilt with the bits cleared.
    odd = tcp(CLIENT, SERVER, 40010, 8080, reserved=0x0E)
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(LINKTYPE_RAW, [(BASE, 0, odd)]))
    out, log = tmp_path / "accepted.pcap", tmp_path / "log.jsonl"
    rules = tmp_path / "all.rules"
    rules.write_text(DEMO_RULES.read_text().replace("log drops", "log all"))
    result = replay(portcullis_bin, "--rules", rules, capture, "--write-accepted", out, "--log", log)
    assert result.returncode == 0, result.stderr
    line = json.loads(log.read_text())
    assert line["verdict"] == "accept"
    _, records = read_pcap(out.read_bytes())
    if line.get("normalized"):
        assert records[0][2] != odd and records[0][2][32] & 0x0E == 0
        assert summary(result.stdout)["accepted"] == "1 (rebuilt 1)"
    else:
        assert records[0][2] == odd


def test_compare_reports_every_packet_whose_verdict_differs(portcullis_bin, tmp_path):
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(LINKTYPE_ETHERNET, frames(LINKTYPE_ETHERNET)))
    other = tmp_path / "other.rules"
    other.write_text('policy drop\naccept tcp to any port 23 label "telnet ok"\naccept udp to any port 9999\n')
    result = replay(portcullis_bin, "--rules", DEMO_RULES, capture, "--compare", other)
    assert result.returncode == 0, result.stderr
    diffs = [line for line in result.stdout.splitlines() if line.startswith("frame ")]
    assert [int(line.split()[1]) for line in diffs] == [1, 3, 4, 7]
    assert diffs[1] == (f"frame 3 2026-01-01T00:00:03.003000Z TCP {CLIENT}:40001 -> {SERVER}:23: "
                        f'drop by rule {DEMO_RULES}:8 "telnet" ({DEMO_RULES}) | '
                        f'accept by rule {other}:2 "telnet ok" ({other})')
    assert f"accept by rule {DEMO_RULES}:6 \"web\"" in diffs[0] and f"drop by policy ({other})" in diffs[0]
    assert summary(result.stdout)["differences"] == f"4 of 5 packets ({DEMO_RULES} vs {other})"


def test_pcapng_is_read_too(portcullis_bin, tmp_path):
    import struct
    packet = PACKETS[2][0]
    def block(kind, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
    section = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    interface = block(1, struct.pack("<HHI", LINKTYPE_RAW, 0, 65535))
    micros = (BASE + 5) * 1_000_000 + 42
    packet_block = block(6, struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(packet), len(packet)) + packet)
    capture = tmp_path / "in.pcapng"
    capture.write_bytes(section + interface + packet_block)
    log = tmp_path / "log.jsonl"
    result = replay(portcullis_bin, "--rules", DEMO_RULES, capture, "--log", log)
    assert result.returncode == 0, result.stderr
    line = json.loads(log.read_text())
    assert (line["frame"], line["timestamp"], line["rule"]["label"]) == (1, "2026-01-01T00:00:05.000042Z", "telnet")


def test_unreadable_or_unsupported_captures_exit_3(portcullis_bin, tmp_path):
    result = replay(portcullis_bin, "--rules", DEMO_RULES, tmp_path / "missing.pcap")
    assert result.returncode == 3 and result.stderr.startswith("portcullis: ")
    odd = tmp_path / "ppp.pcap"
    odd.write_bytes(pcap(9, [(BASE, 0, b"\xff\x03\0\x21")]))
    result = replay(portcullis_bin, "--rules", DEMO_RULES, odd)
    assert result.returncode == 3 and "unsupported link type" in result.stderr
