"""The verdict log under real conditions: stats, a log that cannot be written, rotation
under traffic with the hash chain intact across the rotated files."""
import hashlib
import json
import os
import signal
import subprocess
import time

from conftest import ROOT, nettool
from topology import SERVER_IP

DEMO_RULES = ROOT / "rules" / "demo.rules"


def wait_bound(topology, queue=0, timeout=10):
    """Waits until the firewall namespace's kernel shows `queue` bound to a process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = topology.exec(topology.firewall, "cat", "/proc/net/netfilter/nfnetlink_queue", check=False).stdout
        if any(line.split() and line.split()[0] == str(queue) for line in text.splitlines()):
            return
        time.sleep(0.05)
    raise AssertionError("the queue was never bound")


def ping(topology, count=1, interval=None, wait=1):
    args = ["ping", "-c", str(count), "-W", str(wait)]
    if interval:
        args += ["-i", str(interval)]
    return topology.exec(topology.client, *args, SERVER_IP, check=False, timeout=60).returncode == 0


def verify_chain(lines):
    """An independent check of the hash chain: SHA-256(previous value || content), per queue,
    restarting from 32 zero bytes at each start event. Returns the index of the first bad line."""
    heads = {}
    for index, line in enumerate(lines):
        cut = line.rindex(',"chain":"')
        content, recorded = line[:cut].encode(), line[cut + 10:-2]
        event = json.loads(line)
        queue = event["queue"]
        if event["event_type"] == "start":
            heads[queue] = bytes(32)
        digest = hashlib.sha256(heads[queue] + content).digest()
        if digest.hex() != recorded:
            return index
        heads[queue] = digest
    return None


def schema_validator():
    jsonschema = __import__("jsonschema")
    schema = json.loads((ROOT / "docs" / "verdict-log.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def assert_valid(events):
    validator = schema_validator()
    for event in events:
        errors = sorted(validator.iter_errors(event), key=str)
        assert not errors, f"{event}: {errors[0].message}"


def test_stats_events_carry_counters_by_reason_and_rule(topology, start_filter):
    flt = start_filter(DEMO_RULES, extra=["--stats-interval", "1"])
    assert ping(topology, count=2)
    nettool(topology, topology.client, "udp-ask", SERVER_IP, "5454", "1")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stats = [e for e in flt.events("stats") if e["counters"]["packets"] >= 5]
        if stats:
            break
        time.sleep(0.1)
    assert stats, flt.events()
    latest = stats[-1]
    assert latest["interval"] == 1
    counters, by_reason = latest["counters"], latest["by_reason"]
    assert counters["packets"] == counters["accepted"] + counters["dropped"]
    assert by_reason["policy_drop"] >= 1 and by_reason["rule_accept"] >= 4
    ping_rule = [r for r in latest["rules"] if r.get("label") == "ping"]
    assert ping_rule and ping_rule[0]["hits"] >= 4 and ping_rule[0]["line"] == 11
    assert set(latest["decode_errors"]) == {"ipv4", "tcp", "udp", "icmp", "ipv6", "ipv6_hop_by_hop", "ipv6_routing",
                                           "ipv6_fragment", "ipv6_destination_options", "icmpv6", "igmp", "esp", "ah", "vrrp", "sctp",
                                           "gre", "dns"}


def test_unwritable_log_is_reported_and_judging_goes_on(topology, portcullis_bin):
    proc = topology.popen(topology.firewall, portcullis_bin, "run", "--queue", "0", "--rules",
                          str(DEMO_RULES), "--log", "/dev/full", stderr=subprocess.PIPE, text=True)
    try:
        wait_bound(topology)
        assert ping(topology, count=2)
        nettool(topology, topology.client, "udp-ask", SERVER_IP, "5454", "1")  # a drop to log
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "portcullis: cannot write the verdict log;" in stderr
    assert "lines lost so far" in stderr


def test_require_log_fails_closed_when_the_log_cannot_be_written(topology, portcullis_bin):
    proc = topology.popen(topology.firewall, portcullis_bin, "run", "--queue", "0", "--rules",
                          str(DEMO_RULES), "--log", "/dev/full", "--require-log",
                          stderr=subprocess.PIPE, text=True)
    try:
        wait_bound(topology)
        assert not ping(topology, count=2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert "dropping packets until it can (--require-log)" in stderr


def test_rotation_under_traffic_loses_and_tears_no_line(topology, start_filter, tmp_path, portcullis_bin):
    rules = tmp_path / "all.rules"
    rules.write_text("policy drop\nlog all\naccept icmp\n")
    log = tmp_path / "verdicts.jsonl"
    flt = start_filter(rules, log_path=log)
    pinger = topology.popen(topology.client, "ping", "-c", "400", "-i", "0.005", "-W", "1", SERVER_IP,
                            stdout=subprocess.DEVNULL)
    rotated = []
    for n in range(1, 4):
        time.sleep(0.4)
        target = tmp_path / f"verdicts.jsonl.{n}"
        log.rename(target)  # what logrotate does, then it signals
        rotated.append(target)
        flt.process.send_signal(signal.SIGUSR1)
    pinger.wait(timeout=60)
    assert flt.stop() == 0

    files = rotated + [log]
    lines = [line for path in files for line in path.read_text().split("\n")[:-1]]
    assert all(path.read_text().endswith("\n") for path in files)
    events = [json.loads(line) for line in lines]  # every line is whole JSON
    assert all(len(path.read_text()) > 0 for path in files), "each rotated file got lines"
    verdicts = [e for e in events if e["event_type"] == "verdict"]
    ids = [e["packet_id"] for e in verdicts]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "a verdict line is missing"
    stop = events[-1]
    assert stop["event_type"] == "stop" and stop["counters"]["packets"] == len(verdicts) == 800
    assert verify_chain(lines) is None
    # And the check can fail: one altered byte breaks it at that line.
    tampered = list(lines)
    tampered[10] = tampered[10].replace('"verdict":"accept"', '"verdict":"drop"', 1)
    assert verify_chain(tampered) == 10

    # portcullis report --verify agrees, across the rotated files (one of them gzipped).
    subprocess.run(["gzip", "-k", str(rotated[0])], check=True)
    ordered = [str(rotated[0]) + ".gz"] + [str(p) for p in rotated[1:]] + [str(log)]
    result = subprocess.run([portcullis_bin, "report", "--verify", *ordered], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"chain intact: {len(lines)} lines, 1 start anchor, 4 files")
    altered = tmp_path / "altered.jsonl"
    altered.write_text("\n".join(tampered) + "\n")
    result = subprocess.run([portcullis_bin, "report", "--verify", str(altered)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.strip() == f"chain broken: {altered}:11: this line was altered, or lines just before it were removed"
    removed = tmp_path / "removed.jsonl"
    removed.write_text("\n".join(lines[:20] + lines[21:]) + "\n")
    result = subprocess.run([portcullis_bin, "report", "--verify", str(removed)], capture_output=True, text=True)
    assert result.returncode == 1 and f"{removed}:21:" in result.stdout


def test_full_disk_loses_whole_lines_reports_them_and_recovers(topology, start_filter, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)], check=True)
    try:
        log = small / "verdicts.jsonl"
        flt = start_filter(DEMO_RULES, log_path=log)
        filler = small / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the file system to the last byte
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
        os.close(fd)
        # And the log file's own last page: append to it directly until that fails too.
        with open(log, "ab", buffering=0) as f:
            try:
                while True:
                    f.write(b"\n")
            except OSError:
                pass
        # (Those padding newlines are skipped when the log is read back below.)
        # Drops, each a verdict line that cannot be written now.
        for port in range(6000, 6010):
            nettool(topology, topology.client, "udp-ask", SERVER_IP, str(port), "0.05")
        time.sleep(1.2)
        filler.unlink()
        deadline = time.monotonic() + 5
        while not [e for e in flt.events("anomaly") if e["kind"] == "log_write_failed"]:
            assert time.monotonic() < deadline, flt.events()
            time.sleep(0.1)
        assert ping(topology)  # judging went on all along
        assert flt.stop() == 0
        lines = [line for line in log.read_text().split("\n")[:-1] if line]
        events = [json.loads(line) for line in lines]  # no torn line
        # A short anomaly line may fit where a longer verdict line did not, so the loss can be
        # reported in several anomalies; together they account for every lost line.
        anomalies = [e for e in events if e.get("kind") == "log_write_failed"]
        assert sum(a["count"] for a in anomalies) == anomalies[-1]["total"] >= 3
        assert events[-1]["counters"]["log_lines_lost"] >= anomalies[-1]["total"]
        assert verify_chain(lines) is None  # what reached the disk is still one verifiable chain
        assert_valid(events)  # the anomaly line included
        stderr = flt.process.stderr.read()
        assert "cannot write the verdict log" in stderr
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)


def test_every_event_type_matches_the_schema(topology, start_filter, tmp_path):
    validator = schema_validator()
    rules = tmp_path / "schema.rules"
    rules.write_text("policy drop\nlog all\naccept icmp label \"ping\"\ndrop udp to any port 5454\n")
    flt = start_filter(rules, extra=["--stats-interval", "1"])
    assert ping(topology)
    nettool(topology, topology.client, "udp-ask", SERVER_IP, "5454", "0.5")
    nettool(topology, topology.client, "udp-ask", SERVER_IP, "5455", "0.5")
    nettool(topology, topology.client, "raw-send", SERVER_IP, "47")
    rules.write_text("policy drop\nlog all\naccept icmp from 300.1.1.1\n")
    flt.process.send_signal(signal.SIGHUP)
    rules.write_text("policy drop\nlog drops\naccept icmp\n")
    time.sleep(0.3)
    flt.process.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    assert flt.stop() == 0
    events = flt.events()
    kinds = {e["event_type"] for e in events}
    assert kinds >= {"start", "verdict", "reload", "stats", "stop"}
    reasons = {e.get("reason") for e in events if e["event_type"] == "verdict"}
    assert reasons >= {"rule", "policy", "decode"}
    assert_valid(events)
    # The schema is strict: an unknown field or a wrong type is refused.
    bad = dict(events[0], surprise=1)
    assert list(validator.iter_errors(bad))
    bad = dict(events[0], queue="0")
    assert list(validator.iter_errors(bad))
