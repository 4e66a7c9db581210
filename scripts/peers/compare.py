#!/usr/bin/env python3
"""compare.py: run vera and Marabou on the same ACAS Xu instances (benchmarks/run.py's peers20
subset) and print them side by side. Python 3 standard library only; scripts/compare-peers.sh
installs Marabou into benchmarks/peers/venv and then runs this.

    scripts/peers/compare.py [--marabou-python PATH] [--timeout S] [--limit N]
                             [--filter SUBSTR] [--vera PATH] [--engine X] [--csv PATH]

Per instance, vera runs first (`vera verify --json --timeout S`), then Marabou
(scripts/peers/marabou_run.py under the venv's Python, `--timeout S`), one at a time. Both wall
times are measured around the process, start-up (vera's, Python's and maraboupy's import)
included; a process still running 30 s past S is killed and counted as unknown. Verdicts are
checked against benchmarks/expected/acasxu.csv (Marabou's sat = violated, unsat = holds).
Exit code 1 if either tool gave a wrong answer, else 0.
"""
import argparse
import csv
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARABOU_RUN = os.path.join(ROOT, "scripts", "peers", "marabou_run.py")
MARABOU_PYTHON = os.path.join(ROOT, "benchmarks", "peers", "venv", "bin", "python")
DEFAULT_TIMEOUT_S = 60.0


def load_runner():
    """benchmarks/run.py as a module: the subset, expected answers and timed vera runs."""
    spec = importlib.util.spec_from_file_location("vera_bench_run", os.path.join(ROOT, "benchmarks", "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_runner()


def run_marabou(python, onnx, vnnlib, timeout, log):
    cmd = [python, MARABOU_RUN, onnx, vnnlib, "--timeout", f"{timeout:g}", "--log", log]
    rc, out, err, wall = bench.run_timed(cmd, timeout)
    if rc is None:
        return bench.Outcome("unknown", wall, note=f"timeout overrun: killed {wall:.1f} s after start (timeout {timeout:g} s)")
    try:
        result = json.loads(bench.last_line(out))
        verdict = result["verdict"]
    except (ValueError, KeyError, TypeError):
        return bench.Outcome("error", wall, note=f"exit {rc}: {bench.last_line(err) or 'no output'}")
    note = result.get("reason") or ""
    return bench.Outcome(verdict, wall, result.get("marabou_result", ""), result.get("marabou_time_s"), note)


def noteworthy(outcome):
    """Errors and killed runs get their note on the table line; plain timeouts do not."""
    return outcome.verdict == "error" or outcome.note.startswith("timeout overrun")


def cell(outcome, wrong):
    mark = " WRONG" if wrong else ""
    return f"{outcome.verdict:9} {outcome.time_s:7.2f} s{mark:6}"


class Tally:
    """One tool's column of the summary."""

    def __init__(self):
        self.rows = []  # (outcome, ok, wrong)

    def add(self, outcome, ok, wrong):
        self.rows.append((outcome, ok, wrong))

    def count(self, pred):
        return sum(1 for r in self.rows if pred(*r))

    def times(self, only_solved=False):
        return [o.time_s for o, ok, _ in self.rows if ok or not only_solved]


def med(times):
    return f"{statistics.median(times):.2f} s" if times else "-"


def tot(times):
    return f"{sum(times):.1f} s" if times else "-"


def ratio(a, b):
    return f"{sum(a) / sum(b):.3f}" if a and sum(b) > 0 else "-"


def print_summary(vera, marabou, both_solved, timeout, version):
    names = ("vera", f"Marabou {version}")
    lines = [
        ("solved", lambda t: str(t.count(lambda o, ok, w: ok))),
        ("wrong", lambda t: str(t.count(lambda o, ok, w: w))),
        ("unknown", lambda t: str(t.count(lambda o, ok, w: o.verdict == "unknown"))),
        ("errors", lambda t: str(t.count(lambda o, ok, w: o.verdict == "error"))),
        ("median, all instances", lambda t: med(t.times())),
        ("total, all instances", lambda t: tot(t.times())),
        ("median, solved", lambda t: med(t.times(True))),
        ("total, solved", lambda t: tot(t.times(True))),
    ]
    print()
    print(f"peers20: {len(vera.rows)} instance{'s' if len(vera.rows) != 1 else ''}, cap {timeout:g} s per instance and tool (wall time, start-up included)")
    print(f"  {'':24} {names[0]:>14} {names[1]:>16}")
    for label, value in lines:
        print(f"  {label:24} {value(vera):>14} {value(marabou):>16}")
    v_all, m_all = vera.times(), marabou.times()
    v_both = [vera.rows[i][0].time_s for i in both_solved]
    m_both = [marabou.rows[i][0].time_s for i in both_solved]
    print(f"  vera / Marabou total time: {ratio(v_all, m_all)} over all instances (an unsolved one counts its wall time, "
          f"up to the cap), {ratio(v_both, m_both)} over the {len(both_solved)} both solved")


def main():
    ap = argparse.ArgumentParser(description="vera and Marabou side by side on the peers20 ACAS Xu subset "
                                 "(scripts/compare-peers.sh installs Marabou, then runs this).")
    ap.add_argument("--marabou-python", default=MARABOU_PYTHON,
                    help="the Python of the venv with maraboupy (default: benchmarks/peers/venv/bin/python)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="cap per instance and tool, seconds (default 60)")
    ap.add_argument("--limit", type=int, help="only the first N instances of the subset")
    ap.add_argument("--filter", metavar="SUBSTR", help="only instances whose onnx or vnnlib path contains SUBSTR")
    ap.add_argument("--vera", default=bench.VERA, help="the vera binary (default: target/release/vera)")
    ap.add_argument("--engine", help="pass --engine ENGINE to vera (default: vera's own default)")
    ap.add_argument("--csv", metavar="PATH", help="per-instance CSV (default: benchmarks/results/peers20-YYYYmmdd-HHMMSS.csv)")
    args = ap.parse_args()
    if not os.path.exists(args.vera):
        sys.exit(f"compare: {args.vera} is missing: run scripts/setup.sh (or give --vera PATH)")
    suite = bench.resolve_suite("acasxu")
    instances = bench.select(bench.read_instances(suite), "peers20", args.filter, args.limit)
    if not instances:
        sys.exit("compare: no instance left after --filter/--limit")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    csv_path = args.csv or os.path.join(bench.RESULTS_DIR, f"peers20-{stamp}.csv")
    log_dir = os.path.join(bench.RESULTS_DIR, f"peers20-{stamp}-marabou-logs")
    os.makedirs(log_dir, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)

    vera, marabou, both_solved = Tally(), Tally(), []
    print(f"{'instance':16} {'expected':9} | {'vera':25} {'by':8} | Marabou")
    with open(csv_path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["onnx", "vnnlib", "expected", "vera_verdict", "vera_time_s", "vera_answered_by", "vera_wrong",
                      "marabou_verdict", "marabou_time_s", "marabou_result", "marabou_wrong", "note"])
        for k, inst in enumerate(instances):
            onnx, vnnlib = os.path.join(suite.dir, inst.onnx), os.path.join(suite.dir, inst.vnnlib)
            v = bench.run_vera(args.vera, onnx, vnnlib, args.timeout, args.engine)
            log = os.path.join(log_dir, bench.short(inst).replace(" ", "-") + ".log")
            m = run_marabou(args.marabou_python, onnx, vnnlib, args.timeout, log)
            v_ok, v_wrong = bench.judge(inst.expected, v.verdict)
            m_ok, m_wrong = bench.judge(inst.expected, m.verdict)
            vera.add(v, v_ok, v_wrong)
            marabou.add(m, m_ok, m_wrong)
            if v_ok and m_ok:
                both_solved.append(k)
            notes = [f"{tool}: {o.note}" for tool, o in (("vera", v), ("Marabou", m)) if noteworthy(o)]
            line = f"{bench.short(inst):16} {inst.expected:9} | {cell(v, v_wrong)} {v.answered_by or '-':8} | {cell(m, m_wrong)}"
            print((line + (f"  ({'; '.join(notes)})" if notes else "")).rstrip(), flush=True)
            for tool, bad, o in (("vera", v_wrong, v), ("Marabou", m_wrong, m)):
                if bad:
                    print(f"compare: WRONG ANSWER by {tool} on {inst.name}: expected {inst.expected}, got {o.verdict}",
                          file=sys.stderr, flush=True)
            out.writerow([inst.onnx, inst.vnnlib, inst.expected, v.verdict, f"{v.time_s:.3f}", v.answered_by, int(v_wrong),
                          m.verdict, f"{m.time_s:.3f}", m.answered_by, int(m_wrong), "; ".join(notes)])
            f.flush()
    version = read_version(args.marabou_python)
    print_summary(vera, marabou, both_solved, args.timeout, version)
    print(f"  csv      {bench.display_path(csv_path)}")
    print(f"  Marabou logs in {bench.display_path(log_dir)}")
    wrong = vera.count(lambda o, ok, w: w) + marabou.count(lambda o, ok, w: w)
    return 1 if wrong else 0


def read_version(python):
    proc = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('maraboupy'))"],
                          capture_output=True, text=True)
    return proc.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
