"""`portcullis report` on a generated log: filters, grouping, formats, gzip, damaged lines,
and the HTML page rendered by headless Chromium."""
import json
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

import pytest

from conftest import ROOT

GENLOG = ROOT / "scripts" / "genlog.py"


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "verdicts.jsonl"
    subprocess.run([sys.executable, str(GENLOG), "5000", str(path), "--damaged", "4"], check=True)
    return path


def report(binary, *args):
    return subprocess.run([binary, "report", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_json_report_counts_filters_and_groups(portcullis_bin, log, tmp_path):
    expected = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{") and line.endswith("}")]
    verdicts = [e for e in expected if e["event_type"] == "verdict"]
    drops_from_2 = [e for e in verdicts if e["verdict"] == "drop" and e["src_ip"].startswith("10.2.")]
    result = report(portcullis_bin, log, "--verdict", "drop", "--src", "10.2.0.0/16", "--by", "rule", "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["lines"] == 5000 and out["damaged_lines"] == 3
    assert out["matched"]["count"] == len(drops_from_2) and out["matched"]["accepted"] == 0
    rules = {row["key"]: row["count"] for row in out["groups"]["rule"]["top"]}
    assert rules['rules/site.rules:8 "telnet"'] == sum(1 for e in drops_from_2 if e.get("rule"))
    assert rules["(decode)"] == sum(1 for e in drops_from_2 if e["reason"] == "decode")
    assert list(out["groups"]) == ["rule"]

    # --rule by label and by FILE:LINE, --reason by decode reason, a time window.
    by_label = json.loads(report(portcullis_bin, log, "--rule", "telnet", "--format", "json").stdout)
    by_line = json.loads(report(portcullis_bin, log, "--rule", "site.rules:8", "--format", "json").stdout)
    assert by_label["matched"]["count"] == by_line["matched"]["count"] == sum(1 for e in verdicts if e.get("rule", {}).get("line") == 8)
    checksum = json.loads(report(portcullis_bin, log, "--reason", "bad-checksum", "--format", "json").stdout)
    assert checksum["matched"]["count"] == sum(1 for e in verdicts if e["reason"] == "decode")
    window = json.loads(report(portcullis_bin, log, "--since", "2026-01-01T00:00:10Z", "--until", "2026-01-01T00:00:20",
                               "--format", "json").stdout)
    assert window["matched"]["count"] == sum(1 for e in verdicts if "T00:00:10" <= e["timestamp"][10:19] < "T00:00:20")
    assert window["matched"]["first"] == "2026-01-01T00:00:10.000000Z"


def test_text_report_is_a_table_and_reads_gzip(portcullis_bin, log, tmp_path):
    zipped = tmp_path / "verdicts.jsonl.1.gz"
    subprocess.run(f"gzip -c {log} > {zipped}", shell=True, check=True)
    result = report(portcullis_bin, log, zipped, "--by", "port", "--top", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "portcullis report: 2 files, 10000 lines, 6 damaged"
    header = lines.index("by port: top 3 of 6 destination ports")
    assert lines[header + 1].split() == ["COUNT", "ACCEPT", "DROP", "SHARE", "PORT"]
    assert len(lines) == header + 5
    counts = [int(line.split()[0]) for line in lines[header + 2:]]
    assert counts == sorted(counts, reverse=True)


def test_usage_and_io_errors(portcullis_bin, log, tmp_path):
    assert report(portcullis_bin, log, "--since", "yesterday").returncode == 2
    assert report(portcullis_bin, log, "--src", "10.0.0.0/40").returncode == 2
    assert report(portcullis_bin, log, "--by", "colour").returncode == 2
    assert report(portcullis_bin, log, "--verdict", "maybe").returncode == 2
    missing = report(portcullis_bin, tmp_path / "missing.jsonl")
    assert missing.returncode == 3 and "cannot read" in missing.stderr
    assert report(portcullis_bin, log, "--output", tmp_path / "no" / "dir.txt").returncode == 3


def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    idat = b""
    while offset < len(data):
        length, kind = struct.unpack("!I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            chunks["IHDR"] = body
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour = struct.unpack("!IIBB", chunks["IHDR"][:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + left) & 0xFF
            elif kind == 2: line[i] = (line[i] + up) & 0xFF
            elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def test_html_report_is_self_contained_and_renders(portcullis_bin, log, tmp_path):
    page = tmp_path / "report.html"
    result = report(portcullis_bin, log, "--verdict", "drop", "--format", "html", "--output", page)
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "<title>Portcullis verdict report</title>" in html
    for element in ('id="timeline"', 'id="top-rules"', 'id="top-sources"', 'id="top-reasons"', 'class="drop"'):
        assert element in html
    assert "<script" not in html and 'src="http' not in html and "<link" not in html

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/deps installs it)")
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,900", page.as_uri()], capture_output=True, timeout=120, check=True)
    width, height, channels, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    colours = {row[i:i + 3] for row in rows[::7] for i in range(0, len(row), channels * 7)}
    assert len(colours) > 20, "the page rendered blank"
    # The timeline's and the bar charts' red (#d0453a) is on screen.
    assert any(abs(c[0] - 0xD0) < 8 and abs(c[1] - 0x45) < 8 and abs(c[2] - 0x3A) < 8 for c in colours)


# --- What the other lines say: losses, runs, rulesets, reloads, the log mode (issue 13, part 4)

def test_report_reads_standard_input_from_replay(portcullis_bin, tmp_path):
    from pcaps import LINKTYPE_RAW, pcap, tcp, udp
    capture = tmp_path / "capture.pcap"
    packets = [tcp("10.99.1.2", "10.99.2.2", 40000 + n, 23) for n in range(5)] + [udp("10.99.1.2", "10.99.2.2", 5000, 9)]
    capture.write_bytes(pcap(LINKTYPE_RAW, [(1767225600 + n, 0, p) for n, p in enumerate(packets)]))
    rules = ROOT / "rules" / "demo.rules"
    pipeline = f"{portcullis_bin} replay --rules {rules} {capture} --log - | {portcullis_bin} report - --format json"
    result = subprocess.run(pipeline, shell=True, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["files"] == ["-"] and out["damaged_lines"] == 0
    assert out["matched"]["count"] == 6 and out["matched"]["dropped"] == 6
    # replay writes no start line: the report says it cannot know the log mode.
    assert out["log_modes"] == [{"meaning": "unknown: no start or reload line in these logs names the log mode"}]


LOSS_COUNTERS = {"kernel_queue_full": "kernel_queue_dropped", "kernel_delivery_failed": "kernel_user_dropped",
                 "socket_overflow": "socket_overflows",
                 "packet_id_gap": "packet_id_gaps", "log_write_failed": "log_lines_lost"}


def wait_for_event(live, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in live.events() if predicate(e)]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_incident_report_shows_losses_reloads_rulesets_and_log_mode(topology, start_filter, portcullis_bin, tmp_path):
    """A real incident: a flood while the filter is stopped (the kernel drops what the full
    queue cannot take), a failed and a good reload, then SIGTERM. Each report format must
    show the losses with their times and the process's own counters, both rulesets, the
    reload errors, the self-test and what `log drops` means for the accepted count."""
    from conftest import nettool
    from topology import SERVER_IP
    rules = tmp_path / "site.rules"
    demo = (ROOT / "rules" / "demo.rules").read_text()
    rules.write_text(demo)
    live = start_filter(rules, extra=["--stats-interval", "1"])
    topology.exec(topology.client, "ping", "-c", "1", "-W", "2", SERVER_IP, check=False, timeout=10)
    # The filter takes its first reading of the kernel's counters a second after start; a
    # flood before it would show in the counters only (see the counters-only check below).
    time.sleep(1.5)
    live.process.send_signal(signal.SIGSTOP)
    try:
        nettool(topology, topology.client, "udp-flood", SERVER_IP, "1.5", "9999", timeout=30)
    finally:
        live.process.send_signal(signal.SIGCONT)
    assert wait_for_event(live, lambda e: e["event_type"] == "anomaly" and e["kind"] in LOSS_COUNTERS), \
        f"the flood left no loss anomaly: {[e for e in live.events() if e['event_type'] in ('stats', 'anomaly')][-3:]}"

    rules.write_text(demo + "accept tcp to any prot 22\n")
    live.process.send_signal(signal.SIGHUP)
    assert wait_for_event(live, lambda e: e["event_type"] == "reload")
    rules.write_text(demo.replace("log drops ", "log all   "))
    live.process.send_signal(signal.SIGHUP)
    assert wait_for_event(live, lambda e: e["event_type"] == "reload" and e["success"])
    time.sleep(1.5)  # one more stats line
    assert live.stop() == 0

    events = live.events()
    stop = events[-1]
    assert stop["event_type"] == "stop"
    anomalies = [e for e in events if e["event_type"] == "anomaly" and e["kind"] in LOSS_COUNTERS]
    stats = [e for e in events if e["event_type"] == "stats"]
    start, = [e for e in events if e["event_type"] == "start"]
    failed, good = [e for e in events if e["event_type"] == "reload"]

    out = json.loads(report(portcullis_bin, live.log_path, "--format", "json").stdout)
    totals = {row["kind"]: row for row in out["losses"]["totals"]}
    for kind in {a["kind"] for a in anomalies}:
        expected = sum(a["count"] for a in anomalies if a["kind"] == kind)
        times = sorted(a["timestamp"] for a in anomalies if a["kind"] == kind)
        assert totals[kind]["count"] == expected and totals[kind]["first"] == times[0] and totals[kind]["last"] == times[-1]
        counter = LOSS_COUNTERS[kind]
        last = next((e["counters"][counter] for e in reversed(stats + [stop]) if counter in e["counters"]), None)
        assert totals[kind].get("process_counter") == last
    assert out["process_counters"]["packets"] == stop["counters"]["packets"]
    assert [m["log"] for m in out["log_modes"]] == ["all", "drops"]
    assert out["log_modes"][1]["meaning"].startswith("accepted: not logged (log drops)")
    assert out["reloads"]["total"] == 2 and out["reloads"]["failed"] == 1
    assert out["reloads"]["events"][0]["errors"] == failed["errors"] and failed["errors"][0].startswith(str(rules))
    intervals = out["rulesets"]["intervals"]
    assert [(i["ruleset"], i["since"], i.get("log")) for i in intervals] == [
        (start["ruleset"], "start", "drops"), (good["ruleset"], "reload", "all")]
    assert intervals[0]["rules_file"] == intervals[1]["rules_file"] == str(rules)
    assert intervals[1]["to"] == stop["timestamp"]
    runs = out["runs"]
    assert runs["self_tests_passed"] == 1 and [r["event_type"] for r in runs["events"]] == ["start", "stop"]
    assert runs["events"][0]["self_test"]["known_answers"] == start["self_test"]["known_answers"]
    assert runs["events"][1]["signal"] == stop["signal"]

    text = report(portcullis_bin, live.log_path, "--by", "rule").stdout
    first_loss = min(anomalies, key=lambda a: a["timestamp"])
    assert "log mode: drops (1 start/reload line(s)): accepted: not logged (log drops)" in text
    assert f"{ReportLossTitles[first_loss['kind']]}: {totals[first_loss['kind']]['count']} " in text
    assert f"first {totals[first_loss['kind']]['first']}" in text
    assert "reloads: 2 (1 succeeded, 1 failed)" in text and failed["errors"][0] in text
    assert f"{start['ruleset'][:12]}  {rules}  since start  log drops" in text
    assert f"{good['ruleset'][:12]}  {rules}  since reload  log all" in text
    assert "self-test passed (" in text and f"signal {stop['signal']}" in text

    page = tmp_path / "incident.html"
    assert report(portcullis_bin, live.log_path, "--format", "html", "--output", page).returncode == 0
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/deps installs it)")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rendered = visible_text(dom)
    for expected in ["What the counts mean", "accepted: not logged (log drops)", "Losses",
                     ReportLossTitles[first_loss["kind"]], totals[first_loss["kind"]]["first"],
                     "Rulesets in force", start["ruleset"][:12], good["ruleset"][:12], "Reloads",
                     "failed (old ruleset kept)", failed["errors"][0], "Starts and stops", "self-test passed"]:
        assert expected in rendered, expected


ReportLossTitles = {"kernel_queue_full": "kernel queue drops", "kernel_delivery_failed": "kernel delivery failures",
                    "socket_overflow": "socket overflows",
                    "packet_id_gap": "packet id gaps", "log_write_failed": "lost log lines"}


def visible_text(dom):
    """The text a reader sees in a DOM Chromium dumped: tags removed, entities decoded."""
    import html as html_module
    import re
    body = dom.split("<body>", 1)[-1]
    return html_module.unescape(re.sub(r"<[^>]+>", " ", body))
