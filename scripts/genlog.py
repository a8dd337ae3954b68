#!/usr/bin/env python3
"""Writes a synthetic verdict log for `report` tests and benchmarks.

    genlog.py LINES OUT [--seed N] [--damaged K] [--start EPOCH]

Deterministic for a seed: verdict lines (drops by rule, policy and decode, some accepts)
spread one per 10 ms from --start, a start event first and a stop event last, plus K
damaged lines (cut JSON, garbage) at regular places. With OUT ending in .gz it is gzipped.
"""
import argparse
import gzip
import json
import random
import time

RULESET = "a61015b091f566bdecf141fb99691e0f8fa58c25357eebe5dfa5e85a0466bd3c"
RULES = [("rules/site.rules", 6, "web"), ("rules/site.rules", 8, "telnet"), ("rules/site.rules", 9, None)]


def stamp(seconds):
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int(round((seconds - whole) * 1e6)) % 1000000:06d}Z"


def verdict_line(rng, number, at):
    src = f"10.{rng.choice([1, 1, 1, 2])}.{rng.randrange(4)}.{rng.randrange(1, 50)}"
    dst = rng.choice(["10.99.2.2", "10.99.2.3", "192.0.2.7"])
    line = {"timestamp": stamp(at), "event_type": "verdict", "queue": 0, "ruleset": RULESET,
            "packet_id": number, "src_ip": src, "dest_ip": dst}
    kind = rng.random()
    if kind < 0.5:
        port = rng.choice([23, 23, 9090, 3389])
        line.update(verdict="drop", reason="rule" if port == 23 else "policy", src_port=40000 + number % 20000,
                    dest_port=port, proto="TCP", length=60)
        if port == 23:
            line["rule"] = {"file": RULES[1][0], "line": RULES[1][1], "label": RULES[1][2]}
    elif kind < 0.6:
        line.update(verdict="drop", reason="decode", proto="TCP", length=40,
                    decode_error={"layer": "tcp", "field": "checksum", "offset": 36, "reason": "bad-checksum",
                                  "message": "the TCP checksum does not match the bytes"})
    else:
        file, lineno, label = rng.choice([RULES[0], RULES[2]])
        line.update(verdict="accept", reason="rule", src_port=40000 + number % 20000, dest_port=8080 if label else 53,
                    proto="TCP" if label else "UDP", length=60, rule={"file": file, "line": lineno, **({"label": label} if label else {})})
    return json.dumps(line, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--damaged", type=int, default=0)
    parser.add_argument("--start", type=float, default=1767225600.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    opener = gzip.open if args.out.endswith(".gz") else open
    every = args.lines // args.damaged if args.damaged else 0
    with opener(args.out, "wt") as out:
        out.write(json.dumps({"timestamp": stamp(args.start), "event_type": "start", "queue": 0, "ruleset": RULESET,
                              "version": "0.1.0", "pid": 1}) + "\n")
        for number in range(1, args.lines - 1):
            line = verdict_line(rng, number, args.start + number * 0.01)
            if every and number % every == 0:
                line = line[: len(line) // 2] if number % (2 * every) else "\x00garbage{"
            out.write(line + "\n")
        out.write(json.dumps({"timestamp": stamp(args.start + args.lines * 0.01), "event_type": "stop", "queue": 0,
                              "ruleset": RULESET, "counters": {}}) + "\n")


if __name__ == "__main__":
    main()
