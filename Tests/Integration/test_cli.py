"""The command line as an operator meets it: `check`, bad flags, bad files."""
import json
import subprocess

from conftest import ROOT

DEMO_RULES = ROOT / "rules" / "demo.rules"


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)


def test_check_accepts_the_demo_rules(portcullis_bin):
    result = run(portcullis_bin, "check", str(DEMO_RULES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{DEMO_RULES}: ok: 6 rules, policy drop, log drops, sha256 ")
    assert "index:" not in result.stdout   # the index is an implementation detail: --verbose
    verbose = run(portcullis_bin, "check", "--verbose", str(DEMO_RULES))
    assert "index: rules keyed by " in verbose.stdout and "every rule keyed" in verbose.stdout


def test_check_tells_how_many_rules_the_index_could_not_key(portcullis_bin, tmp_path):
    # Eighty rules on one network and port, differing only in nested TTL ranges: each segment
    # of every field would list them all, so most go to the bitset fallback.
    rules = tmp_path / "overlap.rules"
    rules.write_text("".join(f"accept tcp from 10.0.0.0/24 to any port 80 ttl {n}-255\n" for n in range(80)))
    result = run(portcullis_bin, "check", "--verbose", str(rules))
    assert result.returncode == 0, result.stderr
    assert "rules overlap too much to be keyed and are matched by bitset" in result.stdout


def test_example_rulesets_pass_strict_check(portcullis_bin):
    examples = sorted((ROOT / "rules").glob("*.rules"))
    assert {p.name for p in examples} >= {"bastion.rules", "web-server.rules", "dns-resolver.rules", "demo.rules"}
    for path in examples:
        result = run(portcullis_bin, "check", "--strict", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""


def test_warnings_fail_only_with_strict(portcullis_bin, tmp_path):
    rules = tmp_path / "warn.rules"
    rules.write_text("set unused = { 1 }\naccept tcp to 10.0.0.5/24\naccept any\naccept udp\n")
    result = run(portcullis_bin, "check", str(rules))
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{rules}:1:5: warning: set $unused is never used",
        f"{rules}:2:15: warning: 10.0.0.5/24 has host bits set; it means 10.0.0.0/24",
        f"{rules}:4:1: warning: rule can never match: the catch-all rule on line 3 matches every packet first",
    ]
    assert run(portcullis_bin, "check", "--strict", str(rules)).returncode == 1


def test_includes_are_checked_and_hashed(portcullis_bin, tmp_path):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "admins.rules").write_text("set admins = { 10.1.0.0/24 }\n")
    rules = tmp_path / "site.rules"
    rules.write_text('include "lists/admins.rules"\naccept tcp from $admins to any port 22\n')
    first = run(portcullis_bin, "check", str(rules))
    assert first.returncode == 0, first.stderr
    (tmp_path / "lists" / "admins.rules").write_text("set admins = { 10.1.0.0/25 }\n")
    second = run(portcullis_bin, "check", str(rules))
    sha = lambda result: result.stdout.splitlines()[0].split()[-1]  # noqa: E731
    assert second.returncode == 0 and sha(second) != sha(first)
    (tmp_path / "lists" / "admins.rules").write_text("set admins = { 10.1.0.300 }\n")
    broken = run(portcullis_bin, "check", str(rules))
    assert broken.returncode == 1
    assert broken.stderr.startswith(f"{tmp_path}/lists/admins.rules:1:16: error: invalid IPv4 address '10.1.0.300'")


def test_explain_names_the_deciding_rule(portcullis_bin):
    result = run(portcullis_bin, "explain", "--rules", str(ROOT / "rules" / "bastion.rules"),
                 "tcp 10.1.0.7:40000 -> 10.1.0.1:22 flags S in eth0 state new")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"accept: rule {ROOT / 'rules' / 'bastion.rules'}:")
    assert '"ssh in"' in result.stdout.splitlines()[0]
    bad = run(portcullis_bin, "explain", "--rules", str(DEMO_RULES), "tcp 10.0.0.1: -> 10.0.0.2:80")
    assert bad.returncode == 2 and "expected a number but found '->'" in bad.stderr


def test_check_reports_every_error_with_position_and_caret(portcullis_bin, tmp_path):
    rules = tmp_path / "bad.rules"
    rules.write_text("policy drop\naccept tcp to 10.0.0.300\naccept icmp to any port 22\n")
    result = run(portcullis_bin, "check", str(rules))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{rules}:2:15: error: ")
    assert lines[1] == "accept tcp to 10.0.0.300"
    assert lines[2] == " " * 14 + "^"
    assert any(line.startswith(f"{rules}:3:") and "port needs tcp, udp or sctp" in line for line in lines)


def test_run_refuses_invalid_rules_before_touching_the_queue(portcullis_bin, tmp_path):
    rules = tmp_path / "bad.rules"
    rules.write_text("accept tcp frm any\n")
    result = run(portcullis_bin, "run", "--queue", "0", "--rules", str(rules), "--log", "-")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{rules}:1:12: error: ")
    assert result.stderr.rstrip().endswith("has errors; not starting")


def test_unreadable_files_are_one_line_and_exit_3(portcullis_bin, tmp_path):
    result = run(portcullis_bin, "check", str(tmp_path / "missing.rules"))
    assert result.returncode == 3
    assert result.stderr == f"portcullis: cannot read rules file {tmp_path / 'missing.rules'}: No such file or directory\n"
    result = run(portcullis_bin, "run", "--queue", "0", "--rules", str(DEMO_RULES),
                 "--log", str(tmp_path / "no-such-dir" / "log.jsonl"))
    assert result.returncode == 3
    assert result.stderr.startswith("portcullis: cannot open log file ")
    assert "No such file or directory" in result.stderr


def test_unknown_flag_is_a_usage_error(portcullis_bin):
    result = run(portcullis_bin, "run", "--queue", "0", "--rules", str(DEMO_RULES), "--log", "-", "--bogus")
    assert result.returncode == 2
    assert "Unknown option '--bogus'" in result.stderr
    assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr


def test_missing_and_malformed_values_are_usage_errors(portcullis_bin):
    assert run(portcullis_bin, "run", "--rules", str(DEMO_RULES), "--log", "-").returncode == 2
    assert run(portcullis_bin, "run", "--queue", "70000", "--rules", str(DEMO_RULES), "--log", "-").returncode == 2
    assert run(portcullis_bin, "frobnicate").returncode == 2


def test_queue_options_are_checked(portcullis_bin):
    for bad in (["--queues", "3-1"], ["--queues", "x"], []):
        result = run(portcullis_bin, "run", *bad, "--rules", str(DEMO_RULES), "--log", "-")
        assert result.returncode == 2, (bad, result.stderr)


# The old rules/web-server.rules' reply rules (before issue 14), word for word.
OLD_REPLY_RULES = """\
set ephemeral     = { 1024-65535 }
accept tcp from 203.0.113.10 port 22 to { 10.1.0.0/24, 192.168.7.10 }         label "admin ssh replies"
accept udp from any port 53 to 203.0.113.10 port $ephemeral                   label "dns replies"
"""


def test_check_warns_about_the_old_stateless_reply_rules_with_a_witness(portcullis_bin, tmp_path):
    rules = tmp_path / "old-web.rules"
    rules.write_text(OLD_REPLY_RULES)
    result = run(portcullis_bin, "check", str(rules))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{rules}:2:1: warning: stateless reply rule: it accepts every packet from port 22 to any port, not only replies, "
        "as 'tcp 203.0.113.10:22 -> 10.1.0.1:11211 flags S'; match replies with 'state established' (or at least 'flags A/A')",
        f"{rules}:3:1: warning: stateless reply rule: it accepts every packet from port 53 to ports 1024-65535, not only replies, "
        "as 'udp 198.18.0.66:53 -> 203.0.113.10:11211'; match replies with 'state established'",
    ]
    assert run(portcullis_bin, "check", "--strict", str(rules)).returncode == 1
    # The witness is a packet explain reads, and the rule accepts it.
    witness = run(portcullis_bin, "explain", "--rules", str(rules), "udp 198.18.0.66:53 -> 203.0.113.10:11211")
    assert witness.returncode == 0 and witness.stdout.startswith(f'accept: rule {rules}:3 "dns replies"')


def test_check_takes_several_files_standard_input_and_json(portcullis_bin, tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text("acept tcp\naccept tcp to any port 22:25\n")
    result = subprocess.run([portcullis_bin, "check", str(DEMO_RULES), "-", str(bad)], input="accept icmp\n",
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(f"{DEMO_RULES}: ok: 6 rules, ")
    assert result.stdout.splitlines()[1].startswith("<stdin>: ok: 1 rule, policy drop, log drops, sha256 ")
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        f"{bad}:1:1: error: unknown keyword 'acept'; did you mean 'accept'?",
        f"{bad}:2:24: error: write 22-25 for a port range",
    ]
    missing = tmp_path / "missing.rules"
    result = subprocess.run([portcullis_bin, "check", "--format", "json", "--strict", "-", str(missing)],
                            input=OLD_REPLY_RULES, capture_output=True, text=True, timeout=30)
    assert result.returncode == 3 and result.stderr == ""
    out = json.loads(result.stdout)
    assert out["ok"] is False and out["strict"] is True
    stdin, unreadable = out["files"]
    assert (stdin["file"], stdin["status"], stdin["errors"], stdin["warnings"], stdin["rules"]) == ("<stdin>", "warnings", 0, 2, 2)
    assert stdin["diagnostics"][1] == {
        "file": "<stdin>", "line": 3, "column": 1, "severity": "warning",
        "message": "stateless reply rule: it accepts every packet from port 53 to ports 1024-65535, not only replies, "
                   "as 'udp 198.18.0.66:53 -> 203.0.113.10:11211'; match replies with 'state established'"}
    assert unreadable == {"file": str(missing), "status": "unreadable",
                          "message": f"cannot read rules file {missing}: No such file or directory"}


def test_explain_without_ports_says_what_it_assumed_or_what_it_needs(portcullis_bin):
    site = ROOT / "rules" / "site.rules"
    result = run(portcullis_bin, "explain", "--rules", str(site), "udp 10.1.0.2 -> 10.2.0.2:53")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"drop: policy (no rule matches)")
    assert result.stdout.splitlines()[-1] == "assumed: any source port, no connection state"
    named = run(portcullis_bin, "explain", "--rules", str(site), "tcp 10.1.0.2:40000 -> 10.2.0.2:22 flags S state new")
    assert named.stdout.splitlines()[:3] == [
        f'accept: rule {site}:8 "admin ssh"',
        '    accept tcp from 10.1.0.0/24 to 10.2.0.2 port ssh flags S/SA state new   label "admin ssh"',
        "    (ssh is port 22/tcp in /etc/services)",
    ]
    unsure = run(portcullis_bin, "explain", "--rules", str(DEMO_RULES), "tcp 10.99.1.2 -> 10.99.2.2")
    assert unsure.returncode == 2
    assert unsure.stderr == (f"portcullis: the verdict depends on the destination port: the rule on {DEMO_RULES}:6 "
                             "matches only some; give it, as in 'tcp 10.1.0.2:40000 -> 10.2.0.2:443'\n")
