#!/usr/bin/env python3
"""Runs vera on the BNN robustness benchmark with several engine configurations, one
instance after the other in one run, and prints a table per configuration (verified,
violated, unknown, median and max time) with every disagreement between configurations.

Every "violated" witness is checked with onnxruntime at zero tolerance (inside the box, and
some other logit >= the true one in float32); every "holds" of the SAT configurations must
report a checked proof (or an enumeration). With --min-eps N it also times `vera robustness
--min-eps` on the first N digits.

Usage:
  benchmarks/bnn/compare.py [--model narodytska] [--configs auto,varisat,cadical,z3]
                            [--eps 1,2,3,5] [--digits N] [--timeout 60] [--min-eps N]
                            [--brightness B] [--csv OUT]
Instances come from make_instances.py (run it first). Exit status 1 on any disagreement,
failed witness or unchecked proof.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VERA = os.path.join(ROOT, "target", "release", "vera")

# name -> extra arguments of `vera verify`
CONFIGS = {
    "auto": [],
    "varisat": ["--engine", "sat", "--sat-solver", "varisat", "--enumerate-up-to", "0"],
    "cadical": ["--engine", "sat", "--sat-solver", "cadical", "--enumerate-up-to", "0"],
    "enumerate": ["--engine", "sat", "--enumerate-up-to", "24"],
    "z3": ["--engine", "z3"],
}


def read_sums(path):
    """The bounds on the sum of all inputs (make_instances.py --brightness), as Fractions of
    the decimals written, or None when the file has none."""
    from fractions import Fraction

    lo = hi = None
    with open(path) as f:
        for line in f:
            if line.startswith("(assert (<= (+ X_"):
                hi = Fraction(line.split()[-1].rstrip(")"))
            elif line.startswith("(assert (>= (+ X_"):
                lo = Fraction(line.split()[-1].rstrip(")"))
    return None if lo is None and hi is None else (lo, hi)


def read_box(path):
    """The box and the true label of one of make_instances.py's VNN-LIB files."""
    lo, hi, label = {}, {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("(assert (>= (+") or line.startswith("(assert (<= (+"):
                continue
            if line.startswith("(assert (>= X_"):
                i, v = line[len("(assert (>= X_"):-2].split()
                lo[int(i)] = float(v)
            elif line.startswith("(assert (<= X_"):
                i, v = line[len("(assert (<= X_"):-2].split()
                hi[int(i)] = float(v)
            elif line.startswith("(and (>= Y_") and label is None:
                # (and (>= Y_j Y_t)), one per other class j; t is the true label
                label = int(line.split()[3].rstrip(")").split("_")[1])
    n = len(lo)
    return [lo[i] for i in range(n)], [hi[i] for i in range(n)], label


class Witnesses:
    """Checks witnesses with onnxruntime at zero tolerance."""

    def __init__(self):
        import numpy as np
        import onnxruntime as ort

        self.np, self.ort, self.sessions = np, ort, {}

    def check(self, model, prop, x):
        lo, hi, label = read_box(prop)
        sums = read_sums(prop)
        if sums is not None:
            from fractions import Fraction

            total = sum(Fraction(float(v)) for v in self.np.array(x, dtype=self.np.float32))
            if (sums[0] is not None and total < sums[0]) or (sums[1] is not None and total > sums[1]):
                return False
        return self.check_point(model, x, lo, hi, label)

    def check_point(self, model, x, lo, hi, label):
        np = self.np
        if model not in self.sessions:
            self.sessions[model] = self.ort.InferenceSession(
                model, providers=["CPUExecutionProvider"]
            )
        s = self.sessions[model]
        xs = np.array(x, dtype=np.float32)
        inside = all(lo[i] <= float(xs[i]) <= hi[i] for i in range(len(lo)))
        y = s.run(None, {s.get_inputs()[0].name: xs.reshape(1, -1)})[0][0]
        adversarial = any(y[j] >= y[label] for j in range(len(y)) if j != label)
        return inside and adversarial


def run_one(model, prop, config, timeout):
    cmd = [VERA, "verify", model, prop, "--timeout", str(timeout), "--json"] + CONFIGS[config]
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, timeout=timeout * 3 + 30)
    wall = time.monotonic() - t
    try:
        j = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"verdict": "error", "time": wall, "error": (p.stderr or p.stdout).strip()[-300:]}
    r = {"verdict": j["verdict"], "time": wall, "reason": j.get("reason", "")}
    if j["verdict"] == "violated":
        r["witness"] = j["witness"]["input"]
    sat = j.get("sat")
    if sat is not None:
        r["proof_ok"] = sat["proof_checked"] or sat["enumerated"] == sat["queries"]
        r["checked_by"] = sat["checked_by"]
    return r


def table(name, rows):
    times = [r["time"] for r in rows]
    solved = [r for r in rows if r["verdict"] in ("holds", "violated")]
    line = "{:<10} {:>5} {:>8} {:>8} {:>8} {:>9.3f} {:>9.3f} {:>9.1f}".format(
        name,
        len(rows),
        sum(r["verdict"] == "holds" for r in rows),
        sum(r["verdict"] == "violated" for r in rows),
        len(rows) - len(solved),
        statistics.median(times) if times else 0.0,
        max(times) if times else 0.0,
        sum(times),
    )
    print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="narodytska")
    ap.add_argument("--configs", default="auto,varisat,cadical,z3")
    ap.add_argument("--eps", default="1,2,3,5,10")
    ap.add_argument("--digits", type=int, default=100, help="first N digits of the model's instances")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--min-eps", type=int, default=0, metavar="N")
    ap.add_argument("--max-eps", type=int, default=32, metavar="LEVELS",
                    help="largest radius min-eps searches, in pixel levels (default 32)")
    ap.add_argument("--brightness", type=int, metavar="B",
                    help="the instances with the total brightness within B levels (make_instances.py --brightness B)")
    ap.add_argument("--csv", default=None)
    ap.add_argument("--vera", default=None, help="the vera binary (default target/release/vera)")
    args = ap.parse_args()
    global VERA
    if args.vera:
        VERA = os.path.abspath(args.vera)
    configs = args.configs.split(",")
    for c in configs:
        if c not in CONFIGS:
            sys.exit(f"unknown configuration {c}; known: {', '.join(CONFIGS)}")
    if not os.path.exists(VERA):
        sys.exit(f"{VERA} is missing: run cargo build --release")
    model = f"models/{args.model}.onnx"
    selected = []
    with open(os.path.join(HERE, "centers", "selected.csv")) as f:
        for row in csv.DictReader(f):
            if row["model"] == args.model:
                selected.append(int(row["index"]))
    digits = selected[: args.digits]
    eps = [int(e) for e in args.eps.split(",")]
    suffix = "" if args.brightness is None else f"_bright{args.brightness}"
    instances = [(d, e, f"instances/{args.model}/digit{d}_eps{e}{suffix}.vnnlib") for d in digits for e in eps]
    missing = [p for _, _, p in instances if not os.path.exists(os.path.join(HERE, p))]
    if missing:
        sys.exit(f"{len(missing)} instances missing (first {missing[0]}): run make_instances.py")
    witnesses = Witnesses()
    results = {c: [] for c in configs}
    problems = []
    for k, (d, e, prop) in enumerate(instances):
        verdicts = {}
        for c in configs:
            r = run_one(model, prop, c, args.timeout)
            r.update(digit=d, eps=e)
            results[c].append(r)
            verdicts[c] = r["verdict"]
            if r["verdict"] == "violated" and not witnesses.check(
                os.path.join(HERE, model), os.path.join(HERE, prop), r["witness"]
            ):
                problems.append(f"{prop} {c}: witness fails onnxruntime")
            if r["verdict"] == "holds" and c != "z3" and not r.get("proof_ok", False):
                problems.append(f"{prop} {c}: holds without a checked proof")
            if r["verdict"] == "error":
                problems.append(f"{prop} {c}: {r['error']}")
        answers = {v for v in verdicts.values() if v in ("holds", "violated")}
        if len(answers) > 1:
            problems.append(f"{prop}: DISAGREEMENT {verdicts}")
        sys.stderr.write(f"\r{k + 1}/{len(instances)} {prop} {verdicts}      ")
        sys.stderr.flush()
    sys.stderr.write("\n")
    print(f"\n{args.model}: {len(digits)} digits x eps {eps} = {len(instances)} instances, timeout {args.timeout:g} s")
    print("{:<10} {:>5} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}".format(
        "config", "n", "verified", "violated", "unknown", "median s", "max s", "total s"))
    for c in configs:
        table(c, results[c])
    for e in eps:
        print(f"\n  eps = {e}")
        for c in configs:
            table("  " + c, [r for r in results[c] if r["eps"] == e])
    if len(configs) > 1:
        base = configs[0]
        tot = {c: sum(r["time"] for r in results[c]) for c in configs}
        print("\ntotal time ratio to " + base + ": " + ", ".join(
            f"{c} {tot[c] / tot[base]:.2f}" for c in configs if tot[base] > 0))
    if args.min_eps:
        labels = {}
        with open(os.path.join(HERE, "centers", "labels.csv")) as f:
            for row in csv.DictReader(f):
                labels[int(row["index"])] = int(row["label"])
        print(f"\nmin-eps (vera robustness --min-eps --step 1/255 --clip 0,1 --max-eps {args.max_eps}/255, "
              f"timeout {args.timeout:g} s; per digit: status, min-eps, robust up to, adversarial at, in levels):")
        times = []
        for d in digits[: args.min_eps]:
            cmd = [VERA, "robustness", model, "--center", f"centers/digit{d}.txt", "--label",
                   str(labels[d]), "--min-eps", "--step", "1/255", "--clip", "0,1",
                   "--max-eps", f"{args.max_eps}/255",
                   "--timeout", str(args.timeout), "--json"]
            t = time.monotonic()
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
            wall = time.monotonic() - t
            try:
                j = json.loads(p.stdout)
                what = (j["status"], j.get("min_eps_steps"), j.get("robust_up_to_steps"),
                        j.get("adversarial_at_steps"))
                if j["status"] == "min_eps":
                    with open(os.path.join(HERE, "centers", f"digit{d}.txt")) as f:
                        c = [float(v) for v in f.read().split()]
                    r = j["min_eps_steps"] / 255
                    lo = [max(0.0, v - r) - 1e-12 for v in c]
                    hi = [min(1.0, v + r) + 1e-12 for v in c]
                    if not witnesses.check_point(os.path.join(HERE, model), j["witness"]["input"], lo, hi, labels[d]):
                        problems.append(f"digit {d}: min-eps witness fails onnxruntime")
            except (json.JSONDecodeError, KeyError):
                what = ("error", p.stderr.strip()[-200:])
            times.append(wall)
            print(f"  digit {d:>4}: {what}  {wall:.2f} s")
        if times:
            print(f"  median {statistics.median(times):.2f} s, max {max(times):.2f} s, total {sum(times):.1f} s")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["config", "digit", "eps", "verdict", "time_s", "reason"])
            for c in configs:
                for r in results[c]:
                    w.writerow([c, r["digit"], r["eps"], r["verdict"], f"{r['time']:.4f}", r.get("reason", "")])
    if problems:
        print(f"\n{len(problems)} PROBLEMS:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("\nno disagreements; every witness passed onnxruntime at 0 tolerance; every holds of sat is proved")


if __name__ == "__main__":
    main()
