#!/usr/bin/env python3
"""measure.py: the coverage table of benchmarks/testing/README.md: `vera test coverage` on each
MNIST MLP with the 1,000 held-out test digits (profile: 2,000 training digits with their true
labels), and on ACAS Xu network 1_1 with 1,000 uniform inputs (profile: 2,000 more, labels
the network's own predictions). MC/DC uses every ordered pair of distinct tests (999,000).

Run after `python3 benchmarks/testing/train_mlps.py --data` and `cargo build --release`
(and scripts/fetch-benchmarks.sh for ACAS Xu). Usage: python3 benchmarks/testing/measure.py
[path/to/vera]
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
CRITERIA = "nc,kmnc,nbc,snac,tknc,ss,sv,vs,vv"
# Kim et al.'s MNIST settings: 1,000 buckets, U = 2,000 for LSA and 2.0 for DSA.
SURPRISE = [("lsc", "2000"), ("dsc", "2")]
BUCKETS = "1000"


def run(vera, net, tests, profile, labels, criteria, extra=()):
    args = [vera, "test", "coverage", net, "--tests", tests, "--profile", profile,
            "--criteria", criteria, "--json", *extra]
    if labels:
        args += ["--profile-labels", labels]
    start = time.time()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["criteria"], time.time() - start


def subject(vera, name, net, tests, profile, labels):
    criteria, seconds = run(vera, net, tests, profile, labels, CRITERIA)
    for c, upper in SURPRISE:
        more, s = run(vera, net, tests, profile, labels, c,
                      ["--sc-upper", upper, "--sc-buckets", BUCKETS])
        criteria.update(more)
        seconds += s
    names = CRITERIA.split(",") + [c for c, _ in SURPRISE]
    cells = [f"{100 * criteria[n]['covered'] / criteria[n]['total']:.2f}%" for n in names]
    return f"| {name} | " + " | ".join(cells) + f" | {seconds:.1f} s |", names


def main():
    vera = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "vera")
    rows = []
    names = None
    for model in ["mnist_100x2", "mnist_67_22_63", "mnist_50x3"]:
        row, names = subject(vera, model, os.path.join(HERE, "models", f"{model}.onnx"),
                             os.path.join(DATA, "test1000.csv"), os.path.join(DATA, "profile.csv"),
                             os.path.join(DATA, "profile-labels.csv"))
        rows.append(row)
    acas = os.path.join(ROOT, "benchmarks", "acasxu", "onnx", "ACASXU_run2a_1_1_batch_2000.onnx")
    if os.path.exists(acas):
        row, _ = subject(vera, "ACAS Xu 1_1", acas, os.path.join(DATA, "acasxu-test1000.csv"),
                         os.path.join(DATA, "acasxu-profile.csv"), None)
        rows.append(row)
    print("| network | " + " | ".join(names) + " | time |")
    print("|---" * (len(names) + 2) + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
