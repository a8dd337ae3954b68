"""`portcullis status`: what a running filter is doing, read back from its metrics file, and
`run`'s start line; `--metrics-file` refused at start with its cause."""
import re
import subprocess
import time

from conftest import nettool
from topology import SERVER_IP

RULES = 'policy drop\nlog drops\naccept icmp label "ping"\nreject udp to any port 7000 label "no 7000"\n'


def status(portcullis_bin, *paths):
    return subprocess.run([portcullis_bin, "status", *map(str, paths)], capture_output=True, text=True, timeout=10)


def wait_for(predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_status_of_a_running_then_stopped_filter(topology, start_filter, portcullis_bin, tmp_path):
    rules = tmp_path / "status.rules"
    rules.write_text(RULES)
    metrics = tmp_path / "portcullis.prom"
    flt = start_filter(rules, extra=["--metrics-file", str(metrics), "--metrics-interval", "1"])
    assert topology.exec(topology.client, "ping", "-c", "2", "-i", "0.2", "-W", "1", SERVER_IP,
                         check=False).returncode == 0
    assert nettool(topology, topology.client, "udp-connect", SERVER_IP, "7000", "3") == "refused"
    topology.exec(topology.client, "python3", "-c",
                  "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                  f"s.sendto(b'x', ('{SERVER_IP}', 7001))")
    wait_for(lambda: metrics.exists() and 'verdict="drop",reason="policy"} 1' in metrics.read_text())

    result = status(portcullis_bin, metrics)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    pid = flt.process.pid
    sha = flt.events("start")[0]["ruleset"]
    assert re.fullmatch(rf"queue 0: running \(pid {pid}, up \d+s\), portcullis 0\.1\.0", lines[0]), lines[0]
    assert lines[1] == f"  rules    {rules} (sha256 {sha})"
    assert lines[2] == "  packets  6 packets: 4 accepted, 1 dropped, 1 rejected (0 failed to decode), 0 rebuilt"
    assert lines[3] == "  losses   none"
    assert lines[4] == f"  log      {flt.log_path}: healthy"
    assert lines[5] == "  reloads  0 succeeded, 0 failed"
    assert re.fullmatch(rf"  metrics  {metrics}, written \d+s ago", lines[6]), lines[6]

    # The start line, once, on standard error (the journal under systemd).
    assert flt.stop() == 0
    stderr = flt.process.stderr.read()
    assert stderr.splitlines()[0] == (f"portcullis: queue 0 started: pid {pid}, rules {rules} "
                                      f"(2 rules, sha256 {sha[:12]}), log {flt.log_path}")

    stopped = status(portcullis_bin, tmp_path)  # a directory: its *.prom files
    assert stopped.returncode == 1
    assert stopped.stdout.startswith(f"queue 0: NOT RUNNING (pid {pid} is gone; these figures are ")


def test_status_without_metrics_says_where_it_looked(portcullis_bin, tmp_path):
    result = status(portcullis_bin, tmp_path)
    assert result.returncode == 3
    assert result.stderr == (f"portcullis: no metrics file found in {tmp_path}: "
                             "is portcullis running with --metrics-file?\n")


def test_metrics_file_is_checked_at_start_with_its_cause(portcullis_bin, tmp_path):
    rules = tmp_path / "status.rules"
    rules.write_text(RULES)
    missing = tmp_path / "missing" / "portcullis.prom"
    result = subprocess.run([portcullis_bin, "run", "--queue", "0", "--rules", str(rules), "--log", "-",
                             "--metrics-file", str(missing)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 3
    assert result.stderr.startswith(f"portcullis: cannot write metrics to {missing}: cannot open ")
    assert result.stderr.endswith(": No such file or directory\n")


def test_queues_accepts_the_iptables_spelling(portcullis_bin, tmp_path):
    def run(queues):
        return subprocess.run([portcullis_bin, "run", "--queues", queues, "--rules", str(tmp_path / "none.rules"),
                               "--log", "-"], capture_output=True, text=True, timeout=10)
    # Accepted: it gets as far as reading the (missing) rules file.
    for spelling in ("0:1", "0-1"):
        result = run(spelling)
        assert result.returncode == 3 and "none.rules" in result.stderr, result.stderr
    result = run("3:1")
    assert result.returncode == 2
    assert "--queues needs a range like 0-3 (or iptables' 0:3)" in result.stderr
