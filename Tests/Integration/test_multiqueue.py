"""Several queues: one worker process per queue under a supervisor, matching
`iptables ... --queue-balance 0:1`; restart of a dead worker, signals passed on, one log."""
import os
import signal
import time

from conftest import background, nettool
from test_log import verify_chain
from topology import SERVER_IP


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_one_worker_per_queue_with_restart_reload_and_stop(topology, start_filter, tmp_path):
    topology.exec(topology.firewall, "iptables", "-F", "FORWARD")
    topology.exec(topology.firewall, "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-balance", "0:1")
    rules = tmp_path / "mq.rules"
    rules.write_text("policy drop\nlog all\naccept udp to any port 5353\naccept udp from any port 5353\n")
    background(topology, topology.server, "udp-echo", "5353")
    metrics = tmp_path / "mq.prom"
    flt = start_filter(rules, extra=["--queue", "1", "--metrics-file", str(metrics), "--metrics-interval", "1"])
    wait_until(lambda: len(flt.events("start")) == 2)
    starts = {e["queue"]: e["pid"] for e in flt.events("start")}
    assert set(starts) == {0, 1} and flt.process.pid not in starts.values()

    # --queue-balance hashes the addresses, so flows from several client addresses spread.
    sources = [f"10.99.1.{n}" for n in range(10, 22)]
    for source in sources:
        topology.exec(topology.client, "ip", "addr", "add", f"{source}/24", "dev", "eth0")

    def exchange():
        return [nettool(topology, topology.client, "udp-ask", SERVER_IP, "5353", "2", source) for source in sources]

    assert exchange() == ["reply ping-udp"] * len(sources)
    wait_until(lambda: {e["queue"] for e in flt.events("verdict")} == {0, 1})

    os.kill(starts[1], signal.SIGKILL)  # the supervisor must bring queue 1 back
    wait_until(lambda: len([e for e in flt.events("start") if e["queue"] == 1]) == 2)
    assert exchange() == ["reply ping-udp"] * len(sources)

    flt.process.send_signal(signal.SIGHUP)
    wait_until(lambda: {e["queue"] for e in flt.events("reload")} == {0, 1})
    assert all(e["success"] for e in flt.events("reload"))

    wait_until(lambda: os.path.exists(tmp_path / "mq-q0.prom") and os.path.exists(tmp_path / "mq-q1.prom"))
    assert flt.stop(signal.SIGTERM) == 0
    stops = flt.events("stop")
    assert sorted(e["queue"] for e in stops) == [0, 1]
    assert sum(e["counters"]["packets"] for e in stops) > 0
    lines = flt.log_path.read_text().split("\n")[:-1]
    assert verify_chain(lines) is None  # two writers, one file, two intact chains
