"""`portcullis report` on a generated log: filters, grouping, formats, gzip, damaged lines,
and the HTML page rendered by headless Chromium."""
import json
import shutil
import struct
import subprocess
import sys
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
    assert lines[0] == "portcullis report: 2 file(s), 10000 lines, 6 damaged"
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
