"""Fixtures for the integration tests: the built binary, a private namespace topology
per test, and a Portcullis process running in its firewall namespace.

Every namespace a test creates carries a prefix unique to this run and test, and is
removed on teardown, at interpreter exit and on SIGTERM/SIGINT, whichever comes first.
"""
import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from topology import Topology  # noqa: E402

NETTOOL = str(ROOT / "scripts" / "nettool.py")
_live = []
_counter = itertools.count()


def _cleanup_all(*_):
    while _live:
        _live.pop().down()


atexit.register(_cleanup_all)
for _sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(_sig, lambda signum, frame: (_cleanup_all(), sys.exit(128 + signum)))


@pytest.fixture(scope="session")
def portcullis_bin():
    path = os.environ.get("PORTCULLIS_BIN")
    if not path:
        bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
        path = os.path.join(bin_dir, "portcullis")
    assert os.access(path, os.X_OK), f"build Portcullis first: {path} is missing"
    return path


@pytest.fixture
def topology():
    prefix = f"pcit{os.getpid() % 100000}x{next(_counter)}"
    topo = Topology(prefix)
    _live.append(topo)
    topo.up()
    topo.queue_all(0)
    yield topo
    topo.down()
    if topo in _live:
        _live.remove(topo)


class Filter:
    """A `portcullis run` process in the firewall namespace, and its verdict log."""

    def __init__(self, binary, topology, rules, log_path, queue=0, extra=(), env=None):
        self.binary = binary
        self.env = env
        self.extra = list(extra)
        self.topology = topology
        self.rules = str(rules)
        self.log_path = Path(log_path)
        self.queue = queue
        self.process = None

    def start(self, timeout=10):
        self.process = self.topology.popen(
            self.topology.firewall, self.binary, "run", "--queue", str(self.queue),
            "--rules", self.rules, "--log", str(self.log_path), *self.extra,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=None if self.env is None else {**os.environ, **self.env})
        started_before = len(self.events("start"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.events("start")) > started_before:
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"portcullis exited {self.process.returncode}: {self.process.stderr.read()}")
            time.sleep(0.05)
        raise AssertionError("portcullis wrote no start event")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        return self.process.returncode

    def events(self, event_type=None):
        if not self.log_path.exists():
            return []
        # Read while the filter writes: a batch can be caught half-written, so only lines
        # that already end in a newline count.
        complete = self.log_path.read_text().rpartition("\n")[0]
        lines = [json.loads(line) for line in complete.split("\n") if line]
        return [e for e in lines if event_type is None or e["event_type"] == event_type]

    def wait_for(self, predicate, timeout=5):
        """The first verdict event matching `predicate`, waiting for the log to catch up."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events("verdict") if predicate(e)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture
def start_filter(portcullis_bin, topology, tmp_path):
    filters = []

    def start(rules, log_name="verdicts.jsonl", extra=(), log_path=None, env=None):
        f = Filter(portcullis_bin, topology, rules, log_path or tmp_path / log_name, extra=extra, env=env).start()
        filters.append(f)
        return f

    yield start
    for f in filters:
        if f.process and f.process.poll() is None:
            f.process.kill()
            f.process.wait()


def nettool(topology, ns, *args, timeout=20):
    """Runs a bounded nettool command in `ns` and returns its stdout, stripped."""
    return topology.exec(ns, sys.executable, NETTOOL, *args, timeout=timeout).stdout.strip()


def background(topology, ns, *args):
    """Starts a long-running nettool (server, sniffer) and waits for its ready line."""
    proc = topology.popen(ns, sys.executable, NETTOOL, *args, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    return proc
