#!/usr/bin/env python3
"""run.py: run `vera verify` over a benchmark suite, check every verdict against the expected
answers, and print a table, a summary and the comparison with vera's targets. Python 3
standard library only.

Usage (from anywhere, after scripts/setup.sh and scripts/fetch-benchmarks.sh):
    benchmarks/run.py acasxu                      # the 186 VNN-COMP ACAS Xu instances
    benchmarks/run.py acasxu --subset peers20     # the 20 instances compare-peers.sh uses
    benchmarks/run.py acasxu --filter prop_3 --limit 5 --timeout 10
    benchmarks/run.py vnncomp-test
    benchmarks/run.py path/to/instances.csv       # any instances.csv (paths relative to it)
Options:
    --timeout S       per-instance timeout in seconds (default: the csv's third column)
    --engine X        passed to vera as `--engine X`; without it vera uses its default engine
    --threads N       passed to vera as `--threads N`; without it vera uses every core
    --baseline E[:N]  also run every instance with `--engine E` (and `--threads N`), right after
                      the main run, and print both side by side (e.g. --baseline dpllt:1 for
                      the single-threaded DPLL(T) engine alone); the CSV gets baseline columns
    --vera PATH       the vera binary (default: target/release/vera)
    --filter SUBSTR   only instances whose onnx or vnnlib path contains SUBSTR
    --subset peers20  ACAS Xu props 1-4 on nets 1_1, 2_5, 5_9; prop 2 on 3_3 and 4_2; and
                      props 5-10 on their nets as in instances.csv (20 instances)
    --limit N         only the first N instances (after --subset and --filter)
    --csv PATH        where to write the per-instance CSV
                      (default: benchmarks/results/SUITE-YYYYmmdd-HHMMSS.csv)

A suite is a folder under benchmarks/ (or a path to a folder) with instances.csv
(onnx,vnnlib,timeout; no header) or test_instances.csv; its expected answers are in its
expected.csv or in benchmarks/expected/SUITE.csv (onnx,vnnlib,expected with sat/unsat; sat =
the property is violated). Per-instance lines go to stdout; a progress bar goes to stderr when
stderr is a terminal. Wall times are measured around the vera process (start-up included). A
vera process still running 30 s after its timeout is killed and counted as unknown (timeout
overrun). A wrong answer (holds where a counterexample is known, or violated where the
property holds) is flagged loudly and makes the script exit 1; otherwise it exits 0 (130 when
interrupted: the summary then covers the instances that ran).
The CSV has one row per instance: onnx, vnnlib, expected (holds/violated/?), verdict, time_s
(wall), answered_by, ok, wrong (1/0), vera_time_s (vera's own clock), note (timeout overrun,
error message, or vera's reason for unknown).
"""
import argparse
import csv
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERA = os.path.join(ROOT, "target", "release", "vera")
RESULTS_DIR = os.path.join(ROOT, "benchmarks", "results")

# How long past its own timeout a vera process may run before it is killed: vera checks its
# budget between steps, so a small overrun is normal; 30 s means it is stuck.
OVERRUN_GRACE_S = 30.0

# VNN-LIB describes the unsafe set: sat = a counterexample exists.
VERDICT_OF_ANSWER = {"sat": "violated", "unsat": "holds"}
DECIDED = ("holds", "violated")


@dataclass
class Targets:
    """What vera aims for on a whole suite (ACAS Xu: nnenum's VNN-COMP 2023 result is 186
    solved with median 1.13 s; vera aims at all solved, median under 0.5 s, none over 60 s)."""

    solved: int
    wrong: int
    median_s: float
    max_s: float


TARGETS = {"acasxu": Targets(solved=186, wrong=0, median_s=0.5, max_s=60.0)}

# peers20: a fixed ACAS Xu subset small enough to run other verifiers on (scripts/compare-peers.sh).
# (network "a_t", property) pairs for props 1-4; props 5-10 take every instance of the csv (one each).
PEERS20_PAIRS = [(net, prop) for net in ("1_1", "2_5", "5_9") for prop in (1, 2, 3, 4)] + [
    ("3_3", 2),
    ("4_2", 2),
]
PEERS20_ALL_OF_PROPS = range(5, 11)
PEERS20_SIZE = 20
SUBSETS = ("peers20",)


@dataclass
class Instance:
    onnx: str  # as written in instances.csv (relative to the csv's folder)
    vnnlib: str
    timeout: float  # the csv's timeout
    expected: str  # holds, violated or ? (no expected answer)

    @property
    def name(self):
        return f"{os.path.basename(self.onnx)} {os.path.basename(self.vnnlib)}"


@dataclass
class Outcome:
    verdict: str  # holds, violated, unknown or error
    time_s: float  # wall time around the process
    answered_by: str = ""
    vera_time_s: float = None
    note: str = ""


@dataclass
class Suite:
    name: str
    dir: str
    instances_csv: str


def resolve_suite(arg):
    """A suite name under benchmarks/, a folder, or an instances.csv path."""
    if arg.endswith(".csv"):
        if not os.path.isfile(arg):
            sys.exit(f"run.py: {arg}: no such file")
        path = os.path.abspath(arg)
        folder = os.path.dirname(path)
        return Suite(os.path.basename(folder), folder, path)
    folder = arg if os.path.isdir(arg) and os.sep in arg else os.path.join(ROOT, "benchmarks", arg)
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        sys.exit(f"run.py: {folder} is missing: run scripts/fetch-benchmarks.sh (or give a path to instances.csv)")
    for name in ("instances.csv", "test_instances.csv"):
        if os.path.exists(os.path.join(folder, name)):
            return Suite(os.path.basename(folder), folder, os.path.join(folder, name))
    sys.exit(f"run.py: no instances.csv or test_instances.csv in {folder}")


def read_expected(suite):
    path = os.path.join(suite.dir, "expected.csv")
    if not os.path.exists(path):
        path = os.path.join(ROOT, "benchmarks", "expected", f"{suite.name}.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {(r["onnx"], r["vnnlib"]): r["expected"].strip() for r in csv.DictReader(f)}


def read_instances(suite):
    expected = read_expected(suite)
    instances = []
    with open(suite.instances_csv) as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            row = [c.strip() for c in row]
            if not row or not row[0] or row[0].startswith("#"):
                continue
            if len(row) < 3:
                sys.exit(f"run.py: {suite.instances_csv}:{lineno}: expected onnx,vnnlib,timeout")
            try:
                timeout = float(row[2])
            except ValueError:
                sys.exit(f"run.py: {suite.instances_csv}:{lineno}: timeout '{row[2]}' is not a number")
            want = VERDICT_OF_ANSWER.get(expected.get((row[0], row[1]), ""), "?")
            instances.append(Instance(row[0], row[1], timeout, want))
    return instances


def acasxu_key(inst):
    """("a_t", prop) of an ACAS Xu instance, or None."""
    net = re.search(r"ACASXU_run2a_(\d+_\d+)_batch", os.path.basename(inst.onnx))
    prop = re.search(r"prop_(\d+)\.vnnlib", os.path.basename(inst.vnnlib))
    return (net.group(1), int(prop.group(1))) if net and prop else None


def select_subset(instances, subset):
    if subset != "peers20":
        sys.exit(f"run.py: unknown subset {subset} (known: {', '.join(SUBSETS)})")
    chosen = []
    for inst in instances:
        key = acasxu_key(inst)
        if key and (key in PEERS20_PAIRS or key[1] in PEERS20_ALL_OF_PROPS):
            chosen.append(inst)
    if len(chosen) != PEERS20_SIZE:
        sys.exit(f"run.py: subset peers20 needs the ACAS Xu instances.csv: found {len(chosen)} of its {PEERS20_SIZE} instances")
    return chosen


def select(instances, subset=None, substr=None, limit=None):
    if subset:
        instances = select_subset(instances, subset)
    if substr:
        instances = [i for i in instances if substr in i.onnx or substr in i.vnnlib]
    return instances[:limit] if limit is not None else instances


def run_timed(cmd, timeout, on_tick=None):
    """Run cmd; kill its process group if it runs OVERRUN_GRACE_S past timeout.
    Returns (returncode or None when killed, stdout, stderr, wall seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = start + timeout + OVERRUN_GRACE_S
    try:
        while True:
            try:
                out, err = proc.communicate(timeout=max(0.0, min(0.25, deadline - time.monotonic())))
                return proc.returncode, out, err, time.monotonic() - start
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    kill_group(proc)
                    out, err = proc.communicate()
                    return None, out, err, time.monotonic() - start
                if on_tick:
                    on_tick()
    except BaseException:
        kill_group(proc)
        proc.wait()
        raise


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def run_vera(vera, onnx, vnnlib, timeout, engine=None, on_tick=None, threads=None):
    """One `vera verify --json` run, timed from outside."""
    cmd = [vera, "verify", onnx, vnnlib, "--timeout", f"{timeout:g}", "--json"]
    if engine:
        cmd += ["--engine", engine]
    if threads:
        cmd += ["--threads", str(threads)]
    rc, out, err, wall = run_timed(cmd, timeout, on_tick)
    if rc is None:
        return Outcome("unknown", wall, note=f"timeout overrun: killed {wall:.1f} s after start (timeout {timeout:g} s)")
    try:
        result = json.loads(out)
        verdict = result["verdict"]
    except (ValueError, KeyError, TypeError):
        return Outcome("error", wall, note=f"exit {rc}: {last_line(err) or last_line(out) or 'no output'}")
    if verdict not in ("holds", "violated", "unknown"):
        return Outcome("error", wall, note=f"exit {rc}: unexpected verdict {verdict!r}")
    note = (result.get("reason") or "") if verdict == "unknown" else ""
    return Outcome(verdict, wall, result.get("answered_by") or "", result.get("time_s"), note)


def judge(expected, verdict):
    """(ok, wrong): ok = the expected verdict; wrong = decided and contradicting it."""
    ok = expected in DECIDED and verdict == expected
    wrong = expected in DECIDED and verdict in DECIDED and verdict != expected
    return ok, wrong


class Progress:
    """A one-line progress bar on stderr, redrawn in place; silent when stderr is no terminal."""

    WIDTH = 30

    def __init__(self, total):
        self.total = total
        self.done = self.solved = self.wrong = self.unknown = self.errors = 0
        self.current = ""
        self.start = time.monotonic()
        self.enabled = sys.stderr.isatty()

    def count(self, outcome, ok, wrong):
        self.done += 1
        self.solved += ok
        self.wrong += wrong
        self.unknown += outcome.verdict == "unknown"
        self.errors += outcome.verdict == "error"

    def draw(self):
        if not self.enabled:
            return
        filled = self.WIDTH * self.done // max(1, self.total)
        bar = "=" * filled + (">" if filled < self.WIDTH else "") + " " * (self.WIDTH - filled - 1)
        line = (f"[{bar[:self.WIDTH]}] {self.done}/{self.total}  solved {self.solved}  wrong {self.wrong}"
                f"  unknown {self.unknown}" + (f"  errors {self.errors}" if self.errors else "")
                + f"  elapsed {time.monotonic() - self.start:.1f} s")
        if self.current:
            line += f"  {self.current}"
        cols = shutil.get_terminal_size((100, 24)).columns
        sys.stderr.write("\r" + line[: cols - 1] + "\033[K")
        sys.stderr.flush()

    def clear(self):
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def short(inst):
    key = acasxu_key(inst)
    return f"{key[0]} prop_{key[1]}" if key else inst.name


def instance_line(inst, outcome, ok, wrong):
    flag = "*** WRONG ***" if wrong else ("ok" if ok else "")
    line = (f"{os.path.basename(inst.onnx):40} {os.path.basename(inst.vnnlib):18} expected {inst.expected:9}"
            f" got {outcome.verdict:9} {outcome.time_s:7.2f} s  by {outcome.answered_by:7} {flag}")
    if outcome.note and (outcome.verdict == "error" or outcome.note.startswith("timeout overrun")):
        line += f"  ({outcome.note})"
    return line.rstrip()


def display_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def fmt_median_total(times):
    if not times:
        return "-"
    return f"median {statistics.median(times):.2f} s, total {sum(times):.1f} s"


def print_summary(suite, rows, args, csv_path, full_size):
    solved = [(i, o) for i, o, ok, _ in rows if ok]
    wrong = [(i, o) for i, o, _, bad in rows if bad]
    decided = [(i, o) for i, o, _, _ in rows if o.verdict in DECIDED]
    unchecked = [(i, o) for i, o in decided if i.expected not in DECIDED]
    unknown = [o for _, o, _, _ in rows if o.verdict == "unknown"]
    overruns = [o for o in unknown if o.note.startswith("timeout overrun")]
    errors = [o for _, o, _, _ in rows if o.verdict == "error"]
    all_times = [o.time_s for _, o, _, _ in rows]
    print()
    timeout = f"timeout {args.timeout:g} s" if args.timeout is not None else "timeouts from the csv"
    print(f"suite {suite.name}: {len(rows)} instances, {timeout}, engine {args.engine or 'vera default'}")
    print(f"  solved   {len(solved)} ({sum(o.verdict == 'holds' for _, o in solved)} holds, "
          f"{sum(o.verdict == 'violated' for _, o in solved)} violated)")
    print(f"  wrong    {len(wrong)}" + ("   <<< WRONG ANSWERS: " + "; ".join(f"{i.name} got {o.verdict}" for i, o in wrong) if wrong else ""))
    print(f"  unknown  {len(unknown)}" + (f" ({len(overruns)} timeout overrun, killed)" if overruns else ""))
    print(f"  errors   {len(errors)}")
    if unchecked:
        print(f"  decided without an expected answer  {len(unchecked)}")
    print(f"  time on solved  {fmt_median_total([o.time_s for _, o in solved])}")
    to_violation = [o.time_s for _, o in solved if o.verdict == "violated"]
    if to_violation:
        print(f"  to a violation  {fmt_median_total(to_violation)}")
    print(f"  time over all   {fmt_median_total(all_times)}")
    deciders = sorted({o.answered_by or "?" for _, o in decided})
    if deciders:
        print("  decided by      " + ", ".join(f"{d} {sum((o.answered_by or '?') == d for _, o in decided)}" for d in deciders))
    slowest = sorted(rows, key=lambda r: -r[1].time_s)[:10]
    if slowest:
        print(f"  slowest {len(slowest)}:")
        for inst, o, ok, bad in slowest:
            mark = "  WRONG" if bad else ""
            print(f"    {os.path.basename(inst.onnx):36} {os.path.basename(inst.vnnlib):18} {o.verdict:9} {o.time_s:7.2f} s  {o.answered_by or '-'}{mark}")
    target = TARGETS.get(suite.name)
    if target and rows:
        print_targets(target, suite.name, rows, full_size, len(solved), len(wrong), all_times)
    print(f"  csv      {display_path(csv_path)}")


def parse_baseline(spec):
    """'ENGINE[:THREADS]' -> (engine, threads or None)."""
    engine, _, threads = spec.partition(":")
    return engine, (int(threads) if threads else None)


def print_comparison(main_label, base_label, rows, base_rows):
    """The main configuration and the baseline side by side, on the same instances."""
    def stats(rs):
        solved = [o for _, o, ok, _ in rs if ok]
        violated = [o.time_s for o in solved if o.verdict == "violated"]
        return [
            f"{len(solved)}",
            f"{sum(bad for *_, bad in rs)}",
            f"{len(violated)}",
            f"{statistics.median(violated):.2f} s" if violated else "-",
            f"{statistics.median([o.time_s for o in solved]):.2f} s" if solved else "-",
            f"{sum(o.time_s for _, o, _, _ in rs):.1f} s",
        ]
    names = ["solved", "wrong", "violated found", "median to a violation", "median on solved", "total (all)"]
    a, b = stats(rows), stats(base_rows)
    print(f"  side by side ({len(rows)} instances, each run by both, one after the other)")
    print(f"    {'':24} {main_label:>18} {base_label:>18}")
    for n, x, y in zip(names, a, b):
        print(f"    {n:24} {x:>18} {y:>18}")
    faster = sum(o.time_s < bo.time_s for (_, o, _, _), (_, bo, _, _) in zip(rows, base_rows))
    print(f"    faster on {faster} of {len(rows)} instances")


def print_targets(target, name, rows, full_size, n_solved, n_wrong, all_times):
    """pass/fail per target; on a part of the suite, 'solved' means all of the instances run."""
    partial = len(rows) < full_size
    want_solved = len(rows) if partial else target.solved
    median = statistics.median(all_times)
    over = [t for t in all_times if t > target.max_s]
    checks = [
        (f"{want_solved} solved" + (f" (all of this run; {target.solved} on the full suite)" if partial else ""),
         f"{n_solved}", n_solved >= want_solved),
        (f"{target.wrong} wrong", f"{n_wrong}", n_wrong <= target.wrong),
        (f"median under {target.median_s:g} s (over all instances)", f"{median:.2f} s", median < target.median_s),
        (f"none over {target.max_s:g} s", f"{len(over)} over, max {max(all_times):.1f} s", not over),
    ]
    print(f"  targets ({name})")
    for what, got, passed in checks:
        print(f"    {what:58} {got:24} {'pass' if passed else 'FAIL'}")


CSV_FIELDS = ["onnx", "vnnlib", "expected", "verdict", "time_s", "answered_by", "ok", "wrong", "vera_time_s", "note"]


def csv_row(inst, o, ok, wrong):
    return [inst.onnx, inst.vnnlib, inst.expected, o.verdict, f"{o.time_s:.3f}", o.answered_by,
            int(ok), int(wrong), "" if o.vera_time_s is None else f"{o.vera_time_s:.3f}", o.note]


def default_csv_path(suite):
    return os.path.join(RESULTS_DIR, f"{suite.name}-{time.strftime('%Y%m%d-%H%M%S')}.csv")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Run `vera verify` over a benchmark suite and check it against the expected answers.",
                                 epilog="See the header of benchmarks/run.py for details.")
    ap.add_argument("suite", help="a folder under benchmarks/ (acasxu, vnncomp-test), or a path to an instances.csv")
    ap.add_argument("--timeout", type=float, help="per-instance timeout in seconds (default: the csv's)")
    ap.add_argument("--limit", type=int, help="only the first N instances (after --subset and --filter)")
    ap.add_argument("--engine", help="pass --engine ENGINE to vera (default: vera's own default)")
    ap.add_argument("--threads", type=int, help="pass --threads N to vera (default: vera's own, every core)")
    ap.add_argument("--baseline", metavar="ENGINE[:THREADS]", help="also run each instance this way and compare (e.g. dpllt:1)")
    ap.add_argument("--vera", default=VERA, help="the vera binary (default: target/release/vera)")
    ap.add_argument("--filter", metavar="SUBSTR", help="only instances whose onnx or vnnlib path contains SUBSTR")
    ap.add_argument("--subset", choices=SUBSETS, help="a named subset (peers20: the 20 ACAS Xu instances of compare-peers.sh)")
    ap.add_argument("--csv", metavar="PATH", help="per-instance CSV (default: benchmarks/results/SUITE-YYYYmmdd-HHMMSS.csv)")
    return ap.parse_args(argv)


def main():
    args = parse_args()
    suite = resolve_suite(args.suite)
    if not os.path.exists(args.vera):
        sys.exit(f"run.py: {args.vera} is missing: run scripts/setup.sh (or give --vera PATH)")
    every = read_instances(suite)
    instances = select(every, args.subset, args.filter, args.limit)
    if not instances:
        sys.exit("run.py: no instance left after --subset/--filter/--limit")
    csv_path = args.csv or default_csv_path(suite)
    os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
    progress = Progress(len(instances))
    rows = []
    base_rows = []
    baseline = parse_baseline(args.baseline) if args.baseline else None
    interrupted = False
    with open(csv_path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(CSV_FIELDS + (["baseline_" + c for c in CSV_FIELDS[3:]] if baseline else []))
        try:
            for inst in instances:
                timeout = args.timeout if args.timeout is not None else inst.timeout
                progress.current = short(inst)
                progress.draw()
                onnx, vnnlib = os.path.join(suite.dir, inst.onnx), os.path.join(suite.dir, inst.vnnlib)
                outcome = run_vera(args.vera, onnx, vnnlib, timeout, args.engine, on_tick=progress.draw,
                                   threads=args.threads)
                ok, wrong = judge(inst.expected, outcome.verdict)
                extra = []
                if baseline:
                    bo = run_vera(args.vera, onnx, vnnlib, timeout, baseline[0], on_tick=progress.draw,
                                  threads=baseline[1])
                    bok, bwrong = judge(inst.expected, bo.verdict)
                    base_rows.append((inst, bo, bok, bwrong))
                    extra = csv_row(inst, bo, bok, bwrong)[3:]
                    if bwrong:
                        print(f"run.py: WRONG ANSWER (baseline) on {inst.name}: expected {inst.expected}, "
                              f"vera said {bo.verdict}", file=sys.stderr, flush=True)
                rows.append((inst, outcome, ok, wrong))
                progress.count(outcome, ok, wrong)
                progress.clear()
                print(instance_line(inst, outcome, ok, wrong), flush=True)
                if wrong:
                    print(f"run.py: WRONG ANSWER on {inst.name}: expected {inst.expected}, vera said {outcome.verdict}",
                          file=sys.stderr, flush=True)
                out.writerow(csv_row(inst, outcome, ok, wrong) + extra)
                f.flush()
        except KeyboardInterrupt:
            interrupted = True
            progress.clear()
            print(f"\nrun.py: interrupted after {len(rows)} of {len(instances)} instances", file=sys.stderr)
    print_summary(suite, rows, args, csv_path, len(every))
    if baseline:
        main_label = (args.engine or "default") + (f":{args.threads}" if args.threads else "")
        print_comparison(main_label, args.baseline, rows[:len(base_rows)], base_rows)
    if any(r[3] for r in rows + base_rows):
        return 1
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
