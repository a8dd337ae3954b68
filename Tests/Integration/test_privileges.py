"""Least privilege: after binding, `run --user` keeps CAP_NET_ADMIN and nothing else."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT
from topology import SERVER_IP


@pytest.fixture
def readable_rules():
    """A rules file the unprivileged user can read (reload happens after the drop)."""
    directory = tempfile.mkdtemp(prefix="portcullis-priv-", dir="/tmp")
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "site.rules")
    with open(path, "w") as f:
        f.write("policy drop\naccept icmp\n")
    os.chmod(path, 0o644)
    yield path
    shutil.rmtree(directory)


def status_fields(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def ping(topology):
    return topology.exec(topology.client, "ping", "-c", "1", "-W", "1", SERVER_IP,
                         check=False, timeout=30).returncode == 0


def test_run_as_nobody_keeps_only_net_admin_and_still_judges(topology, start_filter, readable_rules):
    flt = start_filter(readable_rules, extra=["--user", "nobody"])
    status = status_fields(flt.process.pid)
    nobody = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout.strip()
    group = subprocess.run(["id", "-g", "nobody"], capture_output=True, text=True).stdout.strip()
    assert status["Uid"] == [nobody] * 4
    assert status["Gid"] == [group] * 4
    assert status["Groups"] == [group]
    net_admin = f"{1 << 12:016x}"
    assert status["CapEff"] == [net_admin] and status["CapPrm"] == [net_admin]
    assert status["CapBnd"] == [net_admin]
    assert status["CapInh"] == ["0" * 16] and status["CapAmb"] == ["0" * 16]
    assert status["NoNewPrivs"] == ["1"]

    assert ping(topology)  # verdicts still flow without root
    with open(readable_rules, "w") as f:
        f.write("policy drop\naccept tcp to any port 80\n")
    flt.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while not flt.events("reload") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flt.events("reload")[0]["success"] is True  # the user can read its rules
    assert not ping(topology)
    assert flt.stop() == 0


def test_unknown_user_is_refused(portcullis_bin, topology):
    result = topology.exec(topology.firewall, portcullis_bin, "run", "--queue", "0", "--rules",
                           str(ROOT / "rules" / "demo.rules"), "--log", "-", "--user", "no-such-user-xyz",
                           check=False, timeout=20)
    assert result.returncode == 2
    assert result.stderr.strip() == "portcullis: no such user: no-such-user-xyz"
