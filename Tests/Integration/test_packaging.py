"""Packaging: scripts/install-iptables on real (namespaced) iptables, and the systemd unit.

Every iptables change happens inside a test topology's firewall namespace, never on the
host's own tables. The unit is checked offline with systemd-analyze (no running systemd
needed), and what it grants is checked by running Portcullis the way it would: as an
unprivileged user holding only CAP_NET_ADMIN, and under strace against its syscall filter.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, Filter, background, nettool
from topology import CLIENT_IP, FIREWALL_CLIENT_IP, SERVER_IP

SCRIPT = ROOT / "scripts" / "install-iptables"
UNIT = ROOT / "packaging" / "systemd" / "portcullis.service"
SYSUSERS = ROOT / "packaging" / "systemd" / "portcullis.sysusers"
INSTALLED_BINARY = "/usr/local/bin/portcullis"
PING_RULES = "policy drop\nlog all\naccept icmp label \"ping\"\n"
# What `reject` needs, always first in the chain (the default mark, 0x40000000).
REJECT_RULES = [
    "-A PORTCULLIS -p tcp -m mark --mark 0x40000000/0x40000000 -j REJECT --reject-with tcp-reset",
    "-A PORTCULLIS -m mark --mark 0x40000000/0x40000000 -j REJECT --reject-with icmp-port-unreachable",
]
# The rules already in the firewall before the script runs; they must survive it.
PREEXISTING = [["-A", "INPUT", "-i", "lo", "-j", "ACCEPT"],
               ["-A", "FORWARD", "-p", "udp", "-m", "udp", "--dport", "9", "-j", "DROP"]]


def have_legacy_iptables():
    if not shutil.which("iptables-legacy"):
        return False
    probe = subprocess.run(["unshare", "--net", "iptables-legacy", "-S"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture
def fw(topology):
    """The topology with its firewall's FORWARD chain as a host's would be before install:
    no NFQUEUE rule (the shared fixture adds one), a couple of unrelated rules."""
    topology.unqueue_all(0)
    for rule in PREEXISTING:
        topology.exec(topology.firewall, "iptables", *rule)
    return topology


def install(topology, *args, ssh="", iptables=None, expect=0):
    """Runs scripts/install-iptables in the firewall namespace. `ssh` is SSH_CONNECTION
    (empty: no SSH session, so that the session running these tests never counts)."""
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    env["SSH_CONNECTION"] = ssh
    if iptables:
        env["IPTABLES"] = iptables
    result = topology.exec(topology.firewall, "bash", str(SCRIPT), *args, env=env, check=False, timeout=30)
    assert result.returncode == expect, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def rules(topology, iptables="iptables"):
    return topology.exec(topology.firewall, iptables, "-w", "-S").stdout.splitlines()


def chain_rules(topology, chain, iptables="iptables"):
    return [r for r in rules(topology, iptables) if r.startswith(f"-A {chain} ")]


def ping(topology, wait=1):
    result = topology.exec(topology.client, "ping", "-c", "1", "-W", str(wait), SERVER_IP, check=False, timeout=30)
    return result.returncode == 0


# --- scripts/install-iptables -------------------------------------------------------------

@pytest.mark.parametrize("iptables", ["iptables", pytest.param("iptables-legacy", marks=pytest.mark.skipif(
    not have_legacy_iptables(), reason="iptables-legacy is not usable here"))])
def test_install_is_idempotent_and_remove_restores_the_original_rules(fw, iptables):
    if iptables != "iptables":
        for rule in PREEXISTING:
            fw.exec(fw.firewall, iptables, *rule)
    original = rules(fw, iptables)

    install(fw, "--chain", "FORWARD", "--queue", "3", iptables=iptables)
    first = rules(fw, iptables)
    assert "-N PORTCULLIS" in first
    assert chain_rules(fw, "PORTCULLIS", iptables) == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 3"]
    assert chain_rules(fw, "FORWARD", iptables)[0] == "-A FORWARD -j PORTCULLIS", "the jump comes first"
    assert set(original) <= set(first), "rules that were there stay"
    assert not any("--queue-bypass" in r for r in first)

    install(fw, "--chain", "FORWARD", "--queue", "3", iptables=iptables)
    assert rules(fw, iptables) == first, "a second install changes nothing"

    # A new install says what the rules are now: the FORWARD jump goes, INPUT and OUTPUT come.
    install(fw, "--chain", "INPUT", "--chain", "OUTPUT", "--queue", "4", iptables=iptables)
    assert chain_rules(fw, "PORTCULLIS", iptables) == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 4"]
    assert "-A FORWARD -j PORTCULLIS" not in rules(fw, iptables)
    assert chain_rules(fw, "INPUT", iptables)[0] == "-A INPUT -j PORTCULLIS"
    assert chain_rules(fw, "OUTPUT", iptables) == ["-A OUTPUT -j PORTCULLIS"]

    removed = install(fw, "--remove", iptables=iptables)
    assert "removed PORTCULLIS" in removed.stdout
    assert rules(fw, iptables) == original
    again = install(fw, "--remove", iptables=iptables)
    assert "nothing to remove" in again.stdout
    assert rules(fw, iptables) == original


def test_interfaces_queue_balance_append_and_dry_run(fw):
    original = rules(fw)
    dry = install(fw, "--chain", "FORWARD", "--in-interface", "c0", "--out-interface", "s0", "--dry-run")
    assert "-I FORWARD 1 -i c0 -o s0 -j PORTCULLIS" in dry.stdout
    assert "-A PORTCULLIS -j NFQUEUE --queue-num 0" in dry.stdout
    assert rules(fw) == original, "--dry-run changes nothing"

    install(fw, "--chain", "FORWARD", "--in-interface", "c0", "--out-interface", "s0")
    assert chain_rules(fw, "FORWARD")[0] == "-A FORWARD -i c0 -o s0 -j PORTCULLIS"

    install(fw, "--chain", "FORWARD", "--chain", "INPUT", "--in-interface", "c+", "--queues", "2:5", "--append")
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-balance 2:5"]
    forward = chain_rules(fw, "FORWARD")
    assert forward[-1] == "-A FORWARD -i c+ -j PORTCULLIS" and len(forward) == 2, forward
    assert chain_rules(fw, "INPUT")[-1] == "-A INPUT -i c+ -j PORTCULLIS"

    dry_remove = install(fw, "--remove", "--dry-run")
    assert "-X PORTCULLIS" in dry_remove.stdout and "-N PORTCULLIS" in rules(fw)
    install(fw, "--remove")
    assert rules(fw) == original


def test_installed_rules_fail_closed_and_send_traffic_to_portcullis(fw, portcullis_bin, tmp_path):
    assert ping(fw), "the topology forwards before anything is installed"
    result = install(fw, "--chain", "FORWARD", "--queue", "0")
    assert "no process listens on queue(s) 0" in result.stdout and "drops" in result.stdout
    assert not ping(fw), "no Portcullis on the queue: the kernel drops (fail closed)"

    rules_file = tmp_path / "ping.rules"
    rules_file.write_text(PING_RULES)
    flt = Filter(portcullis_bin, fw, rules_file, tmp_path / "verdicts.jsonl").start()
    try:
        assert ping(fw, wait=2), "Portcullis accepts icmp"
        judged = flt.wait_for(lambda e: e["proto"] == "ICMP" and e["src_ip"] == CLIENT_IP)
        assert judged and judged[0]["verdict"] == "accept" and judged[0]["rule"]["label"] == "ping"
        assert judged[0]["in_iface"] == "c0"
    finally:
        flt.stop(signal.SIGKILL)
    assert not ping(fw), "Portcullis killed: dropped again until it restarts"

    install(fw, "--remove")
    assert ping(fw)


def mangle_rules(topology):
    return topology.exec(topology.firewall, "iptables", "-w", "-t", "mangle", "-S").stdout.splitlines()


def test_state_marks_for_state_rules_on_kernels_without_conntrack_attachment(fw, portcullis_bin, tmp_path):
    original, original_mangle = rules(fw), mangle_rules(fw)
    install(fw, "--chain", "FORWARD", "--state-mark-shift", "16")
    marks = [r for r in mangle_rules(fw) if r.startswith("-A PORTCULLIS_STATE ")]
    assert marks == [
        "-A PORTCULLIS_STATE -m conntrack --ctstate NEW -j MARK --set-xmark 0x10000/0x70000",
        "-A PORTCULLIS_STATE -m conntrack --ctstate ESTABLISHED -j MARK --set-xmark 0x20000/0x70000",
        "-A PORTCULLIS_STATE -m conntrack --ctstate RELATED -j MARK --set-xmark 0x30000/0x70000",
        "-A PORTCULLIS_STATE -m conntrack --ctstate INVALID,UNTRACKED -j MARK --set-xmark 0x40000/0x70000",
    ], marks
    assert "-A FORWARD -j PORTCULLIS_STATE" in mangle_rules(fw)
    first = mangle_rules(fw)
    install(fw, "--chain", "FORWARD", "--state-mark-shift", "16")
    assert mangle_rules(fw) == first, "a second install changes nothing"

    # The installed marks feed `run --state-mark-shift`: a connection through state rules.
    background(fw, fw.server, "tcp-server", "8080")
    rules_file = tmp_path / "state.rules"
    rules_file.write_text(f"policy drop\naccept tcp to {SERVER_IP} port 8080 flags S/SA state new\n"
                          "accept tcp state established\n")
    flt = Filter(portcullis_bin, fw, rules_file, tmp_path / "verdicts.jsonl",
                 extra=["--state-mark-shift", "16"]).start()
    try:
        assert nettool(fw, fw.client, "tcp-connect", SERVER_IP, "8080", "5") == "connected hello"
    finally:
        flt.stop()

    # An install without the option takes the marks away again; --remove takes everything.
    install(fw, "--chain", "FORWARD")
    assert mangle_rules(fw) == original_mangle
    install(fw, "--chain", "FORWARD", "--state-mark-shift", "3")
    assert "-A PORTCULLIS_STATE -m conntrack --ctstate NEW -j MARK --set-xmark 0x8/0x38" in mangle_rules(fw)
    removed = install(fw, "--remove")
    assert "PORTCULLIS_STATE" in removed.stdout
    assert rules(fw) == original and mangle_rules(fw) == original_mangle


def test_bypass_is_explicit_warned_about_and_fails_open(fw):
    result = install(fw, "--chain", "FORWARD", "--bypass")
    assert "WARNING" in result.stderr and "UNFILTERED" in result.stderr
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 0 --queue-bypass"]
    assert ping(fw), "with --queue-bypass and no listener, traffic passes"

    result = install(fw, "--chain", "FORWARD")
    assert "WARNING" not in result.stderr
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert not ping(fw)


SSH = f"{CLIENT_IP} 50022 {FIREWALL_CLIENT_IP} 22"
SSH_ACCEPT_IN = f"-A PORTCULLIS -s {CLIENT_IP}/32 -d {FIREWALL_CLIENT_IP}/32 -p tcp -m tcp --dport 22 -j ACCEPT"
SSH_ACCEPT_OUT = f"-A PORTCULLIS -s {FIREWALL_CLIENT_IP}/32 -d {CLIENT_IP}/32 -p tcp -m tcp --sport 22 -j ACCEPT"


def connect(topology, port, secs="2"):
    return nettool(topology, topology.client, "tcp-connect", FIREWALL_CLIENT_IP, str(port), secs)


def test_ssh_session_is_protected_unless_lockout_is_allowed(fw):
    # A stand-in sshd on the firewall itself; nothing listens on the queue (fail closed).
    background(fw, fw.firewall, "tcp-server", "22", "2222")

    result = install(fw, "--chain", "INPUT", "--chain", "OUTPUT", ssh=SSH)
    assert "SSH session" in result.stdout and "--allow-lockout" in result.stdout
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + [SSH_ACCEPT_IN, SSH_ACCEPT_OUT,
                                             "-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert connect(fw, 22) == "connected hello", "the SSH port still answers the SSH client"
    assert connect(fw, 2222) == "timeout", "everything else on INPUT is queued, and dropped"

    assert install(fw, "--chain", "INPUT", ssh=SSH).stdout.count("SSH session") == 1
    assert chain_rules(fw, "PORTCULLIS")[2:-1] == [SSH_ACCEPT_IN]

    result = install(fw, "--chain", "INPUT", "--allow-lockout", ssh=SSH)
    assert "WARNING" in result.stderr and "hang" in result.stderr
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert connect(fw, 22) == "timeout", "told to, it locks the session out"

    # The session arrives on c0: queueing only s0 leaves it alone, and says so.
    result = install(fw, "--chain", "INPUT", "--in-interface", "s0", ssh=SSH)
    assert "not queued" in result.stdout
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert connect(fw, 22) == "connected hello"

    result = install(fw, "--chain", "FORWARD", ssh=SSH)
    assert chain_rules(fw, "PORTCULLIS") == REJECT_RULES + ["-A PORTCULLIS -j NFQUEUE --queue-num 0"]

    install(fw, "--remove")


def test_ssh_session_is_found_when_sudo_stripped_it_from_the_environment(fw):
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    env["SSH_CONNECTION"] = SSH
    # The outer shell has SSH_CONNECTION; the script runs without it, as under sudo.
    result = fw.exec(fw.firewall, "bash", "-c", 'env -u SSH_CONNECTION bash "$0" --chain INPUT; exit $?',
                     str(SCRIPT), env=env, check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    assert SSH_ACCEPT_IN in chain_rules(fw, "PORTCULLIS")


@pytest.mark.parametrize("args, message", [
    (["--chain", "PREROUTING"], "--chain must be INPUT, FORWARD or OUTPUT"),
    (["--chain"], "--chain needs a value"),
    (["--queue", "65536"], "--queue needs a number"),
    (["--queue", "x"], "--queue needs a number"),
    (["--queues", "5:2"], "--queues needs A:B"),
    (["--queue", "1", "--queues", "1:3"], "not both"),
    (["--remove", "--bypass"], "--remove takes no other option"),
    (["--chain", "OUTPUT", "--in-interface", "eth0"], "OUTPUT has no incoming interface"),
    (["--chain", "INPUT", "--out-interface", "eth0"], "INPUT has no outgoing interface"),
    (["--in-interface", "bad name"], "is not an interface name"),
    (["--frobnicate"], "unknown option"),
    (["--state-mark-shift", "30"], "--state-mark-shift needs a number 0-29"),
    (["--dry-run=yes"], "takes no value"),
])
def test_usage_errors_exit_2(fw, args, message):
    before = rules(fw)
    result = install(fw, *args, expect=2)
    assert message in result.stderr and "--help" in result.stderr
    assert rules(fw) == before


def test_help_and_root_required(fw):
    result = install(fw, "--help")
    assert result.stdout.startswith("Usage:") and "--allow-lockout" in result.stdout
    nobody = fw.exec(fw.firewall, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                     "bash", str(SCRIPT), "--chain", "FORWARD", check=False)
    assert nobody.returncode == 2 and "root" in nobody.stderr
    assert "-N PORTCULLIS" not in rules(fw)


@pytest.mark.skipif(not shutil.which("shellcheck"), reason="shellcheck is not installed")
def test_install_iptables_is_shellcheck_clean():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- the systemd unit ---------------------------------------------------------------------

def unit_settings(path=UNIT):
    """{key: [values]} of the unit file, in order (systemd keys may repeat)."""
    settings = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_unit_has_the_hardening_it_promises():
    s = unit_settings()
    assert s["ExecStart"] == [f"{INSTALLED_BINARY} run --queue 0 --rules /etc/portcullis/site.rules "
                              "--log /var/log/portcullis/verdicts.jsonl --metrics-file /run/portcullis/portcullis.prom"]
    # A broken file fails `systemctl reload` before any signal is sent.
    assert s["ExecReload"] == [f"{INSTALLED_BINARY} check /etc/portcullis/site.rules", "/bin/kill -HUP $MAINPID"]
    assert s["RuntimeDirectory"] == ["portcullis"], "the metrics file's directory, writable under ProtectSystem=strict"
    assert s["KillSignal"] == ["SIGTERM"]
    assert s["User"] == ["portcullis"]
    assert s["AmbientCapabilities"] == ["CAP_NET_ADMIN"]
    assert s["CapabilityBoundingSet"] == ["CAP_NET_ADMIN"]
    assert s["NoNewPrivileges"] == ["yes"]
    assert s["ProtectSystem"] == ["strict"]
    assert s["ReadWritePaths"] == ["/var/log/portcullis"]
    assert s["LogsDirectory"] == ["portcullis"]
    assert s["RestrictAddressFamilies"] == ["AF_NETLINK AF_UNIX"]
    assert s["MemoryDenyWriteExecute"] == ["yes"]
    assert s["SystemCallFilter"][0] == "@system-service"
    assert s["Restart"] == ["on-failure"]
    assert "PrivateNetwork" not in s and "PrivateUsers" not in s, "the queue is in the host's network namespace"
    assert re.search(r"^u portcullis\s", SYSUSERS.read_text(), re.M)


def unit_copy_for(binary, directory):
    """The unit with ExecStart pointing at `binary`: verify needs the executable to exist."""
    text = UNIT.read_text().replace(INSTALLED_BINARY, binary)
    path = Path(directory) / "portcullis.service"
    path.write_text(text)
    return path


needs_analyze = pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")


@needs_analyze
def test_unit_passes_systemd_analyze_verify(portcullis_bin, tmp_path):
    unit = unit_copy_for(portcullis_bin, tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if "portcullis" in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr

    # And verify does catch a mistake, so the check above means something.
    broken = tmp_path / "broken.service"
    broken.write_text(unit.read_text().replace("ProtectSystem=", "ProtectSystm="))
    result = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True)
    assert "ProtectSystm" in result.stderr


@needs_analyze
def test_unit_security_exposure_stays_low(portcullis_bin, tmp_path):
    unit = unit_copy_for(portcullis_bin, tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit)],
                            capture_output=True, text=True)
    if result.returncode != 0 and "unrecognized option" in result.stderr:
        pytest.skip(f"systemd-analyze security --offline is not supported here: {result.stderr.strip()}")
    found = re.search(r"Overall exposure level for portcullis\.service: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    # docs/operations.md quotes the figure (1.3 with systemd 252); fail if hardening erodes.
    assert float(found.group(1)) <= 1.5, result.stdout


@pytest.mark.skipif(not shutil.which("systemd-sysusers"), reason="systemd-sysusers is not installed")
def test_sysusers_creates_the_user(tmp_path):
    (tmp_path / "etc").mkdir()
    subprocess.run(["systemd-sysusers", f"--root={tmp_path}", str(SYSUSERS)], check=True, capture_output=True)
    passwd = (tmp_path / "etc" / "passwd").read_text()
    assert re.search(r"^portcullis:x:\d+:\d+:[^:]*:/nonexistent:/usr/sbin/nologin$", passwd, re.M), passwd


@pytest.fixture
def shared_dir():
    """A directory outside pytest's root-only tmp tree that an unprivileged user can use."""
    path = Path(tempfile.mkdtemp(prefix="portcullis-unit-"))
    os.chmod(path, 0o755)
    os.chown(path, 65534, 65534)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def wrapper(directory, command):
    path = Path(directory) / "run-as-unit"
    path.write_text(f"#!/bin/sh\nexec {command} \"$@\"\n")
    path.chmod(0o755)
    return str(path)


def test_unprivileged_user_with_only_cap_net_admin_can_filter(topology, portcullis_bin, shared_dir):
    """What the unit grants (User=, AmbientCapabilities=, CapabilityBoundingSet=,
    NoNewPrivileges=) is enough: setpriv reproduces it without a running systemd."""
    rules_file = shared_dir / "ping.rules"
    rules_file.write_text(PING_RULES)
    rules_file.chmod(0o644)
    as_unit = wrapper(shared_dir, "setpriv --reuid=65534 --regid=65534 --clear-groups "
                                  "--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin "
                                  f"--bounding-set=-all,+net_admin --no-new-privs {portcullis_bin}")
    flt = Filter(as_unit, topology, rules_file, shared_dir / "verdicts.jsonl").start()
    try:
        status = Path(f"/proc/{flt.process.pid}/status").read_text()
        assert re.search(r"^Uid:\s+65534\s", status, re.M)
        assert re.search(r"^CapEff:\s+0*1000$", status, re.M), "CAP_NET_ADMIN (bit 12) and nothing else"
        assert ping(topology, wait=2)
        assert flt.wait_for(lambda e: e["proto"] == "ICMP" and e["verdict"] == "accept")
        assert flt.stop() == 0 and flt.events("stop")
    finally:
        if flt.process.poll() is None:
            flt.process.kill()


def syscall_groups():
    listing = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                             capture_output=True, text=True, check=True).stdout
    groups, current = {}, None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.split()[0], [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())

    def expand(name):
        if not name.startswith("@"):
            return {name}
        return set().union(*(expand(member) for member in groups[name]))
    return expand


@needs_analyze
@pytest.mark.skipif(not shutil.which("strace"), reason="strace is not installed")
def test_unit_syscall_filter_admits_every_syscall_portcullis_makes(topology, portcullis_bin, tmp_path):
    """Runs Portcullis under strace through start, traffic, stats, SIGHUP, SIGUSR1 and
    SIGTERM, and checks each syscall against the unit's SystemCallFilter= lines and each
    memory mapping against MemoryDenyWriteExecute=."""
    expand = syscall_groups()
    allowed, denied = set(), set()
    for value in unit_settings()["SystemCallFilter"]:
        target = denied if value.startswith("~") else allowed
        for name in value.lstrip("~").split():
            target |= expand(name)
    # Always allowed by systemd whatever the filter says (see systemd.exec(5)).
    allowed |= {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"}

    rules_file = tmp_path / "ping.rules"
    rules_file.write_text(PING_RULES)
    trace = tmp_path / "trace"
    traced = wrapper(tmp_path, f"strace -f -qq -o {trace} {portcullis_bin}")
    flt = Filter(traced, topology, rules_file, tmp_path / "verdicts.jsonl", extra=["--stats-interval", "1"]).start()
    try:
        child = int(Path(f"/proc/{flt.process.pid}/task/{flt.process.pid}/children").read_text().split()[0])
        assert ping(topology, wait=2)
        deadline = time.monotonic() + 5
        while not flt.events("stats") and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(child, signal.SIGHUP)
        os.kill(child, signal.SIGUSR1)
        time.sleep(0.5)
        os.kill(child, signal.SIGTERM)
        flt.process.wait(timeout=10)
    finally:
        if flt.process.poll() is None:
            flt.process.kill()
    assert flt.events("reload") and flt.events("stop")
    text = trace.read_text()
    used = set(re.findall(r"^\d+\s+([a-z_0-9]+)\(", text, re.M))
    # MemoryDenyWriteExecute= refuses mappings both writable and executable, and making
    # memory executable afterwards (systemd.exec(5)).
    wx = [line for line in text.splitlines()
          if re.search(r"\b(mmap|mmap2)\(.*PROT_WRITE.*PROT_EXEC|\b(mmap|mmap2)\(.*PROT_EXEC.*PROT_WRITE"
                       r"|\b(pkey_)?mprotect\(.*PROT_EXEC|\bshmat\(.*SHM_EXEC", line)]
    assert not wx, f"MemoryDenyWriteExecute= would refuse: {wx[:5]}"
    assert {"socket", "bind", "recvmsg"} <= used, sorted(used)
    assert not used - (allowed - denied), f"the unit's SystemCallFilter= would refuse: {sorted(used - (allowed - denied))}"
