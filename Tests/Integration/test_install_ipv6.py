"""scripts/install-iptables for IPv6: the same rules in ip6tables beside iptables, idempotent,
removed with --remove, --family to choose, checked before applied, and the SSH lock-out guard
for an IPv6 session. Every change happens in a test topology's firewall namespace."""
import os
import subprocess

import pytest

from conftest import ROOT, background, nettool
from topology import CLIENT_IP6, FIREWALL_CLIENT_IP6, SERVER_IP6

SCRIPT = ROOT / "scripts" / "install-iptables"
PREEXISTING6 = ["-A", "FORWARD", "-p", "udp", "-m", "udp", "--dport", "9", "-j", "DROP"]


@pytest.fixture
def fw(topology):
    """IPv6 on the topology, no NFQUEUE rule in either family, one unrelated ip6tables rule."""
    topology.exec(topology.firewall, "iptables", "-D", "FORWARD", "-j", "NFQUEUE", "--queue-num", "0")
    topology.add_ipv6(static_neighbours=True)
    topology.exec(topology.firewall, "ip6tables", *PREEXISTING6)
    return topology


def install(topology, *args, ssh="", expect=0, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    env["SSH_CONNECTION"] = ssh
    env.update(env_extra or {})
    result = topology.exec(topology.firewall, "bash", str(SCRIPT), *args, env=env, check=False, timeout=30)
    assert result.returncode == expect, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def rules(topology, tool):
    return topology.exec(topology.firewall, tool, "-w", "-S").stdout.splitlines()


def chain_rules(topology, chain, tool):
    return [r for r in rules(topology, tool) if r.startswith(f"-A {chain} ")]


def test_both_families_get_the_same_rules_idempotently_and_lose_them_on_remove(fw):
    original4, original6 = rules(fw, "iptables"), rules(fw, "ip6tables")
    result = install(fw, "--chain", "FORWARD", "--queue", "3", "--state-mark-shift", "16")
    assert "(iptables ip6tables)" in result.stdout
    for tool in ("iptables", "ip6tables"):
        assert chain_rules(fw, "PORTCULLIS", tool) == ["-A PORTCULLIS -j NFQUEUE --queue-num 3"]
        assert chain_rules(fw, "FORWARD", tool)[0] == "-A FORWARD -j PORTCULLIS"
    assert set(original6) <= set(rules(fw, "ip6tables")), "rules that were there stay"
    mangle6 = fw.exec(fw.firewall, "ip6tables", "-t", "mangle", "-S").stdout
    assert "-A PORTCULLIS_STATE -m conntrack --ctstate NEW -j MARK --set-xmark 0x10000/0x70000" in mangle6

    first = (rules(fw, "iptables"), rules(fw, "ip6tables"))
    install(fw, "--chain", "FORWARD", "--queue", "3", "--state-mark-shift", "16")
    assert (rules(fw, "iptables"), rules(fw, "ip6tables")) == first, "a second install changes nothing"

    removed = install(fw, "--remove")
    assert "removed PORTCULLIS and 1 jump(s) to it, and PORTCULLIS_STATE from ip6tables" in removed.stdout
    assert rules(fw, "iptables") == original4 and rules(fw, "ip6tables") == original6
    assert "PORTCULLIS" not in fw.exec(fw.firewall, "ip6tables", "-t", "mangle", "-S").stdout
    assert "nothing to remove" in install(fw, "--remove").stdout


def test_family_chooses_and_takes_the_other_family_away(fw):
    install(fw, "--chain", "FORWARD")
    result = install(fw, "--chain", "FORWARD", "--family", "ipv4")
    assert "PORTCULLIS is removed from ip6tables" in result.stdout
    assert "-N PORTCULLIS" in rules(fw, "iptables") and "-N PORTCULLIS" not in rules(fw, "ip6tables")
    install(fw, "--chain", "FORWARD", "--family", "ipv6")
    assert "-N PORTCULLIS" not in rules(fw, "iptables") and "-N PORTCULLIS" in rules(fw, "ip6tables")
    dry = install(fw, "--chain", "INPUT", "--dry-run")
    assert "# iptables-restore -w --noflush <<EOF" in dry.stdout and "# ip6tables-restore -w --noflush <<EOF" in dry.stdout
    assert "-N PORTCULLIS" in rules(fw, "ip6tables") and "-A FORWARD -j PORTCULLIS" in rules(fw, "ip6tables")
    result = install(fw, "--family", "ipv5", expect=2)
    assert "--family must be ipv4, ipv6 or both" in result.stderr
    install(fw, "--remove")


def test_ipv6_traffic_is_queued_and_fails_closed(fw):
    assert fw.exec(fw.client, "ping", "-6", "-c", "1", "-W", "1", SERVER_IP6, check=False).returncode == 0
    install(fw, "--chain", "FORWARD", "--family", "ipv6")
    assert fw.exec(fw.client, "ping", "-6", "-c", "1", "-W", "1", SERVER_IP6, check=False).returncode != 0, \
        "no listener on the queue: the kernel drops"
    install(fw, "--remove")
    assert fw.exec(fw.client, "ping", "-6", "-c", "1", "-W", "1", SERVER_IP6, check=False).returncode == 0


def test_a_refusal_in_one_family_changes_neither(fw, tmp_path):
    # An ip6tables-restore that refuses everything: the IPv4 rules must not be applied either.
    fake = tmp_path / "ip6tables-restore"
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'ip6tables-restore: line 2 failed' >&2\nexit 1\n")
    fake.chmod(0o755)
    (tmp_path / "ip6tables").symlink_to(subprocess.run(["which", "ip6tables"], capture_output=True, text=True).stdout.strip())
    before = rules(fw, "iptables")
    result = install(fw, "--chain", "FORWARD", expect=3, env_extra={"IP6TABLES": str(tmp_path / "ip6tables")})
    assert "refused the rules; nothing was changed" in result.stderr
    assert rules(fw, "iptables") == before


SSH6 = f"{CLIENT_IP6} 50022 {FIREWALL_CLIENT_IP6} 22"
SSH6_IN = f"-A PORTCULLIS -s {CLIENT_IP6}/128 -d {FIREWALL_CLIENT_IP6}/128 -p tcp -m tcp --dport 22 -j ACCEPT"
SSH6_OUT = f"-A PORTCULLIS -s {FIREWALL_CLIENT_IP6}/128 -d {CLIENT_IP6}/128 -p tcp -m tcp --sport 22 -j ACCEPT"


def test_an_ipv6_ssh_session_is_protected_in_ip6tables(fw):
    background(fw, fw.firewall, "tcp-server6", "22", "2222")
    result = install(fw, "--chain", "INPUT", "--chain", "OUTPUT", ssh=SSH6)
    assert f"your SSH session ([{CLIENT_IP6}]:50022 -> [{FIREWALL_CLIENT_IP6}]:22)" in result.stdout
    assert chain_rules(fw, "PORTCULLIS", "ip6tables") == [SSH6_IN, SSH6_OUT, "-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert chain_rules(fw, "PORTCULLIS", "iptables") == ["-A PORTCULLIS -j NFQUEUE --queue-num 0"]
    assert nettool(fw, fw.client, "tcp-connect", FIREWALL_CLIENT_IP6, "22", "2") == "connected hello"
    assert nettool(fw, fw.client, "tcp-connect", FIREWALL_CLIENT_IP6, "2222", "2") == "timeout"

    # Arriving on c0: queueing only s0 leaves it alone; --family ipv4 does not queue it at all.
    assert "not queued" in install(fw, "--chain", "INPUT", "--in-interface", "s0", ssh=SSH6).stdout
    result = install(fw, "--chain", "INPUT", "--family", "ipv4", ssh=SSH6)
    assert "is ipv6, which these rules do not queue" in result.stdout
    # An IPv4-mapped session is an IPv4 one.
    mapped = install(fw, "--chain", "INPUT", ssh="::ffff:10.99.1.2 50022 ::ffff:10.99.1.1 22")
    assert "-A PORTCULLIS -s 10.99.1.2/32 -d 10.99.1.1/32 -p tcp -m tcp --dport 22 -j ACCEPT" in mapped.stdout \
        or "-A PORTCULLIS -s 10.99.1.2/32 -d 10.99.1.1/32 -p tcp -m tcp --dport 22 -j ACCEPT" in rules(fw, "iptables")
    install(fw, "--remove")
