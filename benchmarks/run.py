#!/usr/bin/env python3
# run.py: run `vera verify` over a benchmark suite and print a table (solved, wrong, unknown,
# times) next to the numbers vera aims for. Python 3 standard library only.
#
# Usage (from anywhere, after scripts/setup.sh and scripts/fetch-benchmarks.sh):
#     benchmarks/run.py acasxu [--timeout S] [--limit N] [--engine z3] [--vera PATH]
#     benchmarks/run.py vnncomp-test
# A suite is a folder under benchmarks/ with instances.csv (onnx,vnnlib,timeout; no header)
# or test_instances.csv, and expected answers in its expected.csv or benchmarks/expected/SUITE.csv
# (onnx,vnnlib,expected with sat/unsat).
# --timeout overrides the per-instance timeout of the csv. A wrong answer (holds where a
# counterexample is known, or violated where the property holds) is flagged loudly and makes
# the script exit 1.
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERA = os.path.join(ROOT, "target", "release", "vera")

# What we aim for (VNN-COMP 2023 on ACAS Xu; README of the shared benchmarks): all 186 solved,
# nnenum's median 1.13 s per instance including start-up.
TARGETS = {"acasxu": {"solved": 186, "median_s": 1.13}}


def read_instances(suite_dir):
    for name in ("instances.csv", "test_instances.csv"):
        path = os.path.join(suite_dir, name)
        if os.path.exists(path):
            with open(path) as f:
                return [row for row in csv.reader(f) if row and not row[0].startswith("#")]
    sys.exit(f"run.py: no instances.csv in {suite_dir}")


def read_expected(suite_dir, suite):
    path = os.path.join(suite_dir, "expected.csv")
    if not os.path.exists(path):
        path = os.path.join(ROOT, "benchmarks", "expected", f"{suite}.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {(r["onnx"], r["vnnlib"]): r["expected"] for r in csv.DictReader(f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("suite")
    ap.add_argument("--timeout", type=float)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--engine", default="z3")
    ap.add_argument("--vera", default=VERA, help="the vera binary (default: target/release/vera)")
    args = ap.parse_args()
    suite_dir = os.path.join(ROOT, "benchmarks", args.suite)
    if not os.path.isdir(suite_dir):
        sys.exit(f"run.py: {suite_dir} is missing: run scripts/fetch-benchmarks.sh")
    if not os.path.exists(args.vera):
        sys.exit("run.py: target/release/vera is missing: run scripts/setup.sh")
    instances = read_instances(suite_dir)[: args.limit]
    expected = read_expected(suite_dir, args.suite)
    rows, wrong = [], 0
    for onnx, vnnlib, csv_timeout in instances:
        timeout = args.timeout if args.timeout is not None else float(csv_timeout)
        start = time.monotonic()
        proc = subprocess.run(
            [args.vera, "verify", os.path.join(suite_dir, onnx), os.path.join(suite_dir, vnnlib),
             "--engine", args.engine, "--timeout", str(timeout), "--json"],
            capture_output=True, text=True)
        wall = time.monotonic() - start
        try:
            out = json.loads(proc.stdout)
            verdict, by = out["verdict"], out.get("answered_by", "")
        except (ValueError, KeyError):
            verdict, by = "error", ""
        want = {"sat": "violated", "unsat": "holds"}.get(expected.get((onnx, vnnlib), ""), "?")
        ok = verdict == want
        bad = verdict in ("holds", "violated") and want in ("holds", "violated") and not ok
        wrong += bad
        rows.append((onnx, vnnlib, want, verdict, wall, ok, bad, by))
        flag = "WRONG" if bad else ("ok" if ok else "")
        print(f"{os.path.basename(onnx):40} {os.path.basename(vnnlib):18} expected {want:9} got {verdict:9} {wall:7.2f} s  by {by:7} {flag}", flush=True)
    solved = [r for r in rows if r[5]]
    times = [r[4] for r in solved]
    print()
    print(f"suite {args.suite}: {len(rows)} instances, engine {args.engine}")
    print(f"  solved   {len(solved)} ({sum(r[3] == 'holds' for r in solved)} holds, {sum(r[3] == 'violated' for r in solved)} violated)")
    print(f"  wrong    {wrong}")
    print(f"  unknown  {sum(r[3] == 'unknown' for r in rows)}, errors {sum(r[3] == 'error' for r in rows)}")
    deciders = sorted({r[7] for r in solved})
    print("  decided by  " + ", ".join(f"{d} {sum(r[7] == d for r in solved)}" for d in deciders))
    if times:
        print(f"  time on solved: median {statistics.median(times):.2f} s, total {sum(times):.1f} s")
    target = TARGETS.get(args.suite)
    if target:
        print(f"  target   {target['solved']} solved, median {target['median_s']} s (nnenum, VNN-COMP 2023)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
