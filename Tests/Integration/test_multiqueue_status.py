"""Several queues, as an operator sees them: `--queues 0:1` (iptables' spelling), one start
line per worker, `status` over the per-queue metrics files, and a failed reload that names
the worker it happened in."""
import signal
import subprocess
import time

from topology import reject_rules


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_queues_status_and_a_failed_reload_per_worker(topology, start_filter, portcullis_bin, tmp_path):
    topology.exec(topology.firewall, "iptables", "-F", "FORWARD")
    for rule in reject_rules():
        topology.exec(topology.firewall, "iptables", "-A", *rule)
    topology.exec(topology.firewall, "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-balance", "0:1")
    rules = tmp_path / "mq.rules"
    rules.write_text("policy drop\naccept icmp\n")
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    # start_filter passes --queue 0; --queues 0:1 adds queue 1 (and 0 again, once).
    flt = start_filter(rules, extra=["--queues", "0:1", "--metrics-file", str(metrics / "mq.prom"),
                                     "--metrics-interval", "1"])
    wait_until(lambda: len(flt.events("start")) == 2)
    pids = {e["queue"]: e["pid"] for e in flt.events("start")}
    assert set(pids) == {0, 1}
    wait_until(lambda: len(list(metrics.glob("*.prom"))) == 2)

    status = subprocess.run([portcullis_bin, "status", str(metrics)], capture_output=True, text=True, timeout=10)
    assert status.returncode == 0, status.stdout + status.stderr
    heads = [line for line in status.stdout.splitlines() if line.startswith("queue ")]
    assert [h.split(" (")[0] for h in heads] == ["queue 0: running", "queue 1: running"]
    assert f"(pid {pids[0]}, up " in heads[0] and f"(pid {pids[1]}, up " in heads[1]

    rules.write_text("policy drop\naccept icmp port 22\n")
    flt.process.send_signal(signal.SIGHUP)
    wait_until(lambda: len(flt.events("reload")) == 2)
    assert not any(e["success"] for e in flt.events("reload"))
    assert flt.stop(signal.SIGTERM) == 0
    stderr = flt.process.stderr.read()
    for queue, pid in pids.items():
        assert f"portcullis: queue {queue} started: pid {pid}, rules {rules} (1 rule, sha256 " in stderr, stderr
        assert f"portcullis: queue {queue} (pid {pid}): reload failed, keeping the running rules:" in stderr, stderr
