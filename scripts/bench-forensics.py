#!/usr/bin/env python3
"""Benchmarks (figures, not a test) for the forensics commands, on a release build.

    scripts/bench-forensics.py [--lines 1000000] [--packets 200000] [--bin PATH]

report over a generated log (plain and gzipped): lines per second and peak RSS
(GNU time -v); replay over a generated Ethernet capture: packets per second and peak RSS.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Integration"))
from pcaps import LINKTYPE_ETHERNET, ethernet, pcap, tcp, udp  # noqa: E402


def measure(argv):
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{argv[1]} failed: {result.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return seconds, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--packets", type=int, default=200_000)
    parser.add_argument("--bin")
    args = parser.parse_args()
    binary = args.bin
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "portcullis"], cwd=ROOT, check=True)
        binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.strip() + "/portcullis"
    with tempfile.TemporaryDirectory() as work:
        log = Path(work) / "log.jsonl"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "genlog.py"), str(args.lines), str(log), "--damaged", "10"], check=True)
        subprocess.run(f"gzip -c {log} > {log}.gz", shell=True, check=True)
        print(f"report over {args.lines} lines ({log.stat().st_size / 2**20:.0f} MiB plain)")
        for label, argv in [
            ("text, all groups", [binary, "report", str(log)]),
            ("json, --verdict drop --src", [binary, "report", str(log), "--verdict", "drop", "--src", "10.1.0.0/16", "--format", "json"]),
            ("html", [binary, "report", str(log), "--format", "html", "--output", os.devnull]),
            ("text, gzipped log", [binary, "report", f"{log}.gz"]),
        ]:
            seconds, rss = measure(argv)
            print(f"  {label:28} {seconds:7.2f} s  {args.lines / seconds:12,.0f} lines/s  peak RSS {rss / 1024:6.1f} MiB")

        frames = [ethernet(0x0800, tcp("10.99.1.2", "10.99.2.2", 40000 + i % 20000, [8080, 23, 9090][i % 3]))
                  if i % 4 else ethernet(0x0800, udp("10.99.1.2", "10.99.2.2", 40000, 5353)) for i in range(1000)]
        capture = Path(work) / "capture.pcap"
        capture.write_bytes(pcap(LINKTYPE_ETHERNET, [(1767225600 + i // 1000, i % 1000, frames[i % 1000]) for i in range(args.packets)]))
        rules = ROOT / "rules" / "demo.rules"
        print(f"replay over {args.packets} packets")
        for label, argv in [
            ("no output", [binary, "replay", "--rules", str(rules), str(capture)]),
            ("--log, --write-accepted", [binary, "replay", "--rules", str(rules), str(capture), "--log", f"{work}/r.jsonl",
                                         "--write-accepted", f"{work}/a.pcap"]),
            ("--compare", [binary, "replay", "--rules", str(rules), str(capture), "--compare", str(rules)]),
        ]:
            seconds, rss = measure(argv)
            print(f"  {label:28} {seconds:7.2f} s  {args.packets / seconds:12,.0f} packets/s  peak RSS {rss / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
