"""Rules files that are hostile: a running filter keeps its rules and keeps judging.

A SIGHUP that would load an include chain 3,000 deep (a stack overflow in the loader before)
or a rules path that has become a FIFO (a blocked `open` before: packets waited forever and
SIGTERM was ignored) must fail as a reload, with a `reload` event naming the error, while the
old rules go on judging packets and SIGTERM still stops the filter. `check` on the same files
exits with a located error instead of crashing or hanging.
"""
import os
import signal
import subprocess
import sys
import time

from conftest import background
from topology import SERVER_IP

ACCEPT_ECHO = "policy drop\nlog all\naccept udp to any port 7007 label \"request\"\naccept udp from any port 7007 label \"reply\"\n"

CLIENT = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
sent = received = 0
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    s.sendto(str(sent).encode(), (sys.argv[1], int(sys.argv[2])))
    sent += 1
    try:
        s.recvfrom(100)
        received += 1
    except socket.timeout:
        pass
    time.sleep(0.01)
print(sent, received, flush=True)
"""


def deep_chain(directory, depth=3000):
    """c0.rules includes c1.rules ... c<depth>.rules; returns c0.rules."""
    for level in range(depth):
        (directory / f"c{level}.rules").write_text(f'include "c{level + 1}.rules"\n')
    (directory / f"c{depth}.rules").write_text(ACCEPT_ECHO)
    return directory / "c0.rules"


def wait_for_reload(flt, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reloads = flt.events("reload")
        if reloads:
            return reloads[-1]
        assert flt.process.poll() is None, f"portcullis died: {flt.process.returncode} {flt.process.stderr.read()}"
        time.sleep(0.05)
    raise AssertionError("no reload event")


def reload_and_keep_judging(topology, flt, break_rules, expected_error):
    """Traffic across a SIGHUP that must fail: every request answered, old rules in force."""
    client = topology.popen(topology.client, sys.executable, "-c", CLIENT, SERVER_IP, "7007", "3",
                            stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    break_rules()
    flt.process.send_signal(signal.SIGHUP)
    reload = wait_for_reload(flt)
    assert reload["success"] is False
    assert any(expected_error in error for error in reload["errors"]), reload
    started = flt.events("start")[0]["ruleset"]
    assert reload["ruleset"] == started  # the running rules stay
    sent, received = map(int, client.communicate(timeout=30)[0].split())
    assert flt.process.poll() is None
    assert flt.stop(timeout=10) == 0  # SIGTERM still works
    assert sent > 50 and received == sent
    verdicts = flt.events("verdict")
    assert verdicts and all(v["ruleset"] == started and v["verdict"] == "accept" for v in verdicts)
    late = [v for v in verdicts if v["timestamp"] > reload["timestamp"]]
    assert late, "no packet judged after the failed reload"
    assert flt.events("stop")


def test_sighup_with_an_include_chain_3000_deep_keeps_the_old_rules(topology, start_filter, tmp_path):
    rules = tmp_path / "site.rules"
    rules.write_text(ACCEPT_ECHO)
    background(topology, topology.server, "udp-echo", "7007")
    flt = start_filter(rules)
    chain = tmp_path / "chain"
    chain.mkdir()
    deep_chain(chain)

    def break_rules():
        rules.write_text('include "chain/c0.rules"\n')

    reload_and_keep_judging(topology, flt, break_rules, "includes nested more than 16 deep")


def test_sighup_with_a_fifo_rules_path_keeps_the_old_rules(topology, start_filter, tmp_path):
    real = tmp_path / "real.rules"
    real.write_text(ACCEPT_ECHO)
    rules = tmp_path / "site.rules"
    rules.symlink_to(real)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    background(topology, topology.server, "udp-echo", "7007")
    flt = start_filter(rules)

    def break_rules():
        temporary = tmp_path / "site.tmp"
        temporary.symlink_to(fifo)
        os.replace(temporary, rules)

    reload_and_keep_judging(topology, flt, break_rules, "not a regular file (a FIFO)")


def check(portcullis_bin, path):
    return subprocess.run([portcullis_bin, "check", str(path)], capture_output=True, text=True, timeout=20)


def test_check_on_an_include_chain_3000_deep_is_a_located_error(portcullis_bin, tmp_path):
    result = check(portcullis_bin, deep_chain(tmp_path))
    assert result.returncode == 1, result.stderr
    assert f"{tmp_path}/c16.rules:1:1: error: includes nested more than 16 deep" in result.stderr


def test_check_on_an_include_of_a_fifo_is_a_located_error(portcullis_bin, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    rules = tmp_path / "site.rules"
    rules.write_text('accept udp\ninclude "fifo"\n')
    result = check(portcullis_bin, rules)
    assert result.returncode == 1, result.stderr
    assert f"{rules}:2:1: error: cannot include fifo: not a regular file (a FIFO)" in result.stderr


def test_check_on_a_fifo_rules_path_is_refused_without_blocking(portcullis_bin, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "site.rules").symlink_to(tmp_path / "fifo")
    result = check(portcullis_bin, tmp_path / "site.rules")
    assert result.returncode == 3, result.stderr  # the top-level file cannot be read: I/O
    assert "not a regular file (a FIFO)" in result.stderr


def test_check_refuses_includes_of_devices_directories_and_stdin(portcullis_bin, tmp_path):
    (tmp_path / "dir").mkdir()
    cases = {"/dev/zero": "a character device", "dir": "a directory", "/dev/stdin": "a FIFO", "/proc/self/fd/0": "a FIFO"}
    for target, kind in cases.items():
        rules = tmp_path / "site.rules"
        rules.write_text(f'include "{target}"\n')
        result = subprocess.run([portcullis_bin, "check", str(rules)], stdin=subprocess.PIPE, capture_output=True,
                                text=True, timeout=20)
        assert result.returncode == 1, (target, result.stderr)
        assert f"{rules}:1:1: error: cannot include {target}: not a regular file ({kind})" in result.stderr


def test_check_of_four_megabytes_of_blank_lines_stays_small(portcullis_bin, tmp_path):
    rules = tmp_path / "blank.rules"
    rules.write_text("\n" * 4_000_000 + "accept tcp\n")
    result = subprocess.run(["/usr/bin/time", "-f", "%M", portcullis_bin, "check", str(rules)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    assert peak_kib < 100 * 1024  # about 700 MB before (1.77 GB for 10 MB)


def test_check_of_a_file_over_16_mib_is_refused(portcullis_bin, tmp_path):
    rules = tmp_path / "big.rules"
    rules.write_text("\n" * (16 * 1024 * 1024 + 1))
    result = check(portcullis_bin, rules)
    assert result.returncode == 3
    assert "larger than 16 MiB" in result.stderr
