"""Issue 13 on real paths: output files that refuse planted symlinks (as root), the capture
file's mode, replay's refusal to add to a log, and the SIGUSR1 rotation marker that lets
`report --verify old new` run across a rotation without a warning."""
import json
import os
import signal
import subprocess
import time

from conftest import ROOT, background, nettool
from pcaps import LINKTYPE_RAW, pcap, udp
from test_log import assert_valid
from topology import SERVER_IP

NOBODY = 65534
DEMO_RULES = ROOT / "rules" / "demo.rules"


def planted(tmp_path):
    """A sticky world-writable directory (like /var/tmp) where "nobody" planted symlinks to
    a root-owned file elsewhere; returns (directory, victim, make_link)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    private = tmp_path / "etc"
    private.mkdir()
    victim = private / "victim"
    victim.write_text("precious\n")

    def link(name):
        path = shared / name
        os.symlink(victim, path)
        os.lchown(path, NOBODY, NOBODY)
        return path

    return shared, victim, link


def run_once(topology, portcullis_bin, *args):
    return topology.exec(topology.firewall, portcullis_bin, "run", "--queue", "0", "--rules", str(DEMO_RULES),
                         *args, check=False, timeout=20)


def test_run_refuses_symlinked_log_and_capture_files(topology, portcullis_bin, tmp_path):
    shared, victim, link = planted(tmp_path)
    good_log = tmp_path / "verdicts.jsonl"
    cases = [
        ["--log", str(link("verdicts.jsonl"))],
        ["--log", str(good_log), "--capture", "drops", "--capture-file", str(link("capture.pcap"))],
        ["--log", str(good_log), "--capture", "all", "--capture-file", str(tmp_path / "c.pcap"),
         "--capture-rebuilt", str(link("rebuilt.pcap"))],
    ]
    for args in cases:
        result = run_once(topology, portcullis_bin, *args)
        assert result.returncode == 3, (args, result.stderr)
        assert "symbolic link" in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert victim.read_text() == "precious\n"
    # A world-writable directory without the sticky bit: anyone could swap the file.
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    result = run_once(topology, portcullis_bin, "--log", str(open_dir / "verdicts.jsonl"))
    assert result.returncode == 3 and "writable by everyone and not sticky" in result.stderr, result.stderr
    assert not (open_dir / "verdicts.jsonl").exists()


def test_replay_and_report_refuse_symlinked_outputs(portcullis_bin, tmp_path):
    shared, victim, link = planted(tmp_path)
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(LINKTYPE_RAW, [(1700000000, 1, udp("10.1.0.2", "10.2.0.2", 40000, 53))]))
    log = tmp_path / "ok.jsonl"
    subprocess.run([portcullis_bin, "replay", "--rules", str(DEMO_RULES), str(capture), "--log", str(log)],
                   check=True, capture_output=True)
    for argv in [
        ["replay", "--rules", str(DEMO_RULES), str(capture), "--log", str(link("replay.jsonl"))],
        ["replay", "--rules", str(DEMO_RULES), str(capture), "--log", str(link("append.jsonl")), "--append"],
        ["replay", "--rules", str(DEMO_RULES), str(capture), "--write-accepted", str(link("accepted.pcap"))],
        ["report", str(log), "--output", str(link("report.html")), "--format", "html"],
    ]:
        result = subprocess.run([portcullis_bin, *argv], capture_output=True, text=True, timeout=30)
        assert result.returncode == 3, (argv, result.stderr)
        assert "symbolic link" in result.stderr, result.stderr
        assert victim.read_text() == "precious\n"


def test_capture_and_log_files_are_created_0640(topology, start_filter, tmp_path):
    capture = tmp_path / "all.pcap"
    os.umask(0o022)
    flt = start_filter(DEMO_RULES, extra=["--capture", "all", "--capture-file", str(capture)])
    topology.exec(topology.client, "ping", "-c", "1", "-W", "1", SERVER_IP, check=False)
    assert flt.stop() == 0
    assert os.stat(capture).st_mode & 0o7777 == 0o640
    assert os.stat(flt.log_path).st_mode & 0o7777 == 0o640
    assert capture.stat().st_size > 24, "the capture holds the packet"


def test_replay_refuses_a_non_empty_log_unless_append_and_the_chain_continues(portcullis_bin, tmp_path):
    capture = tmp_path / "in.pcap"
    capture.write_bytes(pcap(LINKTYPE_RAW, [(1700000000, i, udp("10.1.0.2", "10.2.0.2", 40000 + i, 9)) for i in range(3)]))
    rules = tmp_path / "all.rules"
    rules.write_text("policy drop\nlog all\n")
    log = tmp_path / "replay.jsonl"
    base = [portcullis_bin, "replay", "--rules", str(rules), str(capture), "--log", str(log)]
    assert subprocess.run(base, capture_output=True).returncode == 0
    before = log.read_bytes()
    again = subprocess.run(base, capture_output=True, text=True)
    assert again.returncode == 3
    assert again.stderr.strip() == f"portcullis: refusing to add to {log}: it is not empty (give --append to add to it, or another file)"
    assert log.read_bytes() == before
    assert subprocess.run(base + ["--append"], capture_output=True).returncode == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 6 and all(json.loads(line)["event_type"] == "verdict" for line in lines)
    verify = subprocess.run([portcullis_bin, "report", "--verify", str(log)], capture_output=True, text=True)
    assert verify.returncode == 0 and verify.stdout.startswith("chain intact: 6 lines"), verify.stdout + verify.stderr


def test_rotation_marker_lets_verify_cross_the_rotation_without_warning(topology, start_filter, portcullis_bin, tmp_path):
    rules = tmp_path / "all.rules"
    rules.write_text("policy drop\nlog all\naccept icmp\n")
    log = tmp_path / "verdicts.jsonl"
    flt = start_filter(rules, log_path=log)
    topology.exec(topology.client, "ping", "-c", "3", "-i", "0.2", "-W", "1", SERVER_IP, check=False)
    rotated = tmp_path / "verdicts.jsonl.1"
    log.rename(rotated)
    flt.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    topology.exec(topology.client, "ping", "-c", "3", "-i", "0.2", "-W", "1", SERVER_IP, check=False)
    assert flt.stop() == 0

    first = json.loads(log.read_text().splitlines()[0])
    assert first["event_type"] == "reopen" and first["queue"] == 0
    assert_valid([json.loads(line) for path in (rotated, log) for line in path.read_text().splitlines()])

    both = subprocess.run([portcullis_bin, "report", "--verify", str(rotated), str(log)], capture_output=True, text=True)
    assert both.returncode == 0 and both.stderr == "", both.stdout + both.stderr
    total = len(rotated.read_text().splitlines()) + len(log.read_text().splitlines())
    assert both.stdout.strip() == f"chain intact: {total} lines, 1 start anchor, 2 files"
    # The new file alone: picked up at its marker, said so, and intact.
    alone = subprocess.run([portcullis_bin, "report", "--verify", str(log)], capture_output=True, text=True)
    assert alone.returncode == 0 and f"{log}:1: chain picked up" in alone.stderr
    # The check can fail: a forged line appended under a queue that never started.
    forged = tmp_path / "forged.jsonl"
    line = log.read_text().splitlines()[-1].replace('"queue":0,', '"queue":9,')
    forged.write_text(rotated.read_text() + log.read_text() + line + "\n")
    broken = subprocess.run([portcullis_bin, "report", "--verify", str(forged)], capture_output=True, text=True)
    assert broken.returncode == 1 and f"{forged}:{total + 1}: this line belongs to no chain" in broken.stdout


def test_rotation_with_two_workers_marks_each_queue(topology, start_filter, portcullis_bin, tmp_path):
    topology.exec(topology.firewall, "iptables", "-F", "FORWARD")
    topology.exec(topology.firewall, "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-balance", "0:1")
    rules = tmp_path / "mq.rules"
    rules.write_text("policy drop\nlog all\naccept udp to any port 5353\naccept udp from any port 5353\n")
    background(topology, topology.server, "udp-echo", "5353")
    log = tmp_path / "verdicts.jsonl"
    flt = start_filter(rules, log_path=log, extra=["--queue", "1"])
    deadline = time.monotonic() + 10
    while len(flt.events("start")) < 2:
        assert time.monotonic() < deadline, "two workers never started"
        time.sleep(0.05)
    sources = [f"10.99.1.{n}" for n in range(10, 18)]
    for source in sources:
        topology.exec(topology.client, "ip", "addr", "add", f"{source}/24", "dev", "eth0")

    def exchange():
        for source in sources:
            nettool(topology, topology.client, "udp-ask", SERVER_IP, "5353", "2", source)

    exchange()
    rotated = tmp_path / "verdicts.jsonl.1"
    log.rename(rotated)
    flt.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while {e["queue"] for e in flt.events("reopen")} != {0, 1}:
        assert time.monotonic() < deadline, "each worker writes its reopen line"
        time.sleep(0.05)
    exchange()
    assert flt.stop() == 0

    both = subprocess.run([portcullis_bin, "report", "--verify", str(rotated), str(log)], capture_output=True, text=True)
    assert both.returncode == 0 and both.stderr == "", both.stdout + both.stderr
    assert both.stdout.startswith("chain intact:") and "2 start anchors, 2 files" in both.stdout
    alone = subprocess.run([portcullis_bin, "report", "--verify", str(log)], capture_output=True, text=True)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert alone.stderr.count("chain picked up") == 2
