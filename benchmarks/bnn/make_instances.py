#!/usr/bin/env python3
"""make_instances.py: the local-robustness instances of the BNN benchmark, in VNN-LIB, for the
models that train.py exported.

For each model, the first 100 held-out digits (mnist.py's test split, in order) that
onnxruntime classifies correctly, and each eps in EPSILONS pixel levels: the input box
max(0, x - eps/255) <= X_i <= min(1, x + eps/255) around the digit x (pixel value level/255)
and the unsafe set "some other logit is at least the true one",
(assert (or (and (>= Y_j Y_t)) ...)) over j != t. A property holds when the model keeps its
(strict) decision on the whole box.

  instances/<model>/digit<idx>_eps<eps>.vnnlib   the properties (generated, not committed)
  instances.csv                                  model,property,timeout per line, no header,
                                                 paths relative to benchmarks/bnn (the
                                                 VNN-COMP layout benchmarks/run.py reads):
                                                 the benchmark, Narodytska's network and
                                                 EEV's MNIST-MLP as EEV trains it (sparse)
  instances_stress.csv                           the same for the dense EEV model, a stress
                                                 set beyond the benchmark (see README.md)
  centers/digit<idx>.txt                         the 784 input values of every digit used,
                                                 one per line (committed)
  centers/labels.csv                             index,label,source of those digits
  centers/selected.csv                           model,index,label: the digits each model's
                                                 instances use

Bounds are the float64 number nearest to the rational (level +- eps)/255, written as its
shortest round-trip decimal (Python's repr), clipped to exactly 0 and 1; the centre values are
written the same way, so reading them as float64 and rounding to float32 gives the input the
models were checked on. Deterministic: the same models give the same files.

With --brightness B it also writes, for eps in BRIGHTNESS_EPSILONS, the same box with the
total brightness held within B pixel levels of the digit's, two constraints over all 784
inputs (the SAT engine's input constraints over several inputs):
  (assert (<= (+ X_0 ... X_783) hi)) and (assert (>= (+ X_0 ... X_783) lo)), where lo and hi
are the shortest decimals of the float64 nearest to (sum of levels -+ B)/255, as
instances/<model>/digit<idx>_eps<eps>_bright<B>.vnnlib, listed in instances_bright<B>.csv.

Usage (from any directory):  python3 benchmarks/bnn/make_instances.py [--brightness B]
"""
import argparse
import csv
import os
import shutil

import numpy as np
import onnxruntime as ort

import mnist

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["narodytska", "eev_mlp", "eev_mlp_sparse"]
# Models whose instances go to instances_stress.csv rather than instances.csv: the dense EEV
# model (41.8% zero weights; EEV's own MNIST-MLP has 29K nonzero parameters, ours sparse
# 59.6K, the dense one 363K).
STRESS_MODELS = ["eev_mlp"]
EPSILONS = [1, 2, 3, 5, 10]
BRIGHTNESS_EPSILONS = [5, 10]
DIGITS_PER_MODEL = 100
TIMEOUT_S = 120
N_OUTPUTS = 10


def decimal(level):
    """The shortest decimal of the float64 nearest to level/255, clipped to [0, 1]."""
    if level <= 0:
        return "0.0"
    if level >= 255:
        return "1.0"
    return repr(level / 255)


def predictions(model_path, xs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    return np.array([int(sess.run(["output"], {"input": x.reshape(1, -1)})[0].argmax()) for x in xs])


def vnnlib(levels, label, eps, model, idx, brightness=None):
    """The VNN-LIB text of one robustness property (with the brightness constraints when
    `brightness` is a number of levels)."""
    lines = [f"; {model}: held-out digit {idx} (label {label}), L-inf ball of {eps}/255 clipped to [0, 1]",
             "; written by benchmarks/bnn/make_instances.py", ""]
    if brightness is not None:
        lines.insert(1, f"; total brightness within {brightness}/255 of the digit's")
    lines += [f"(declare-const X_{i} Real)" for i in range(len(levels))]
    lines.append("")
    lines += [f"(declare-const Y_{j} Real)" for j in range(N_OUTPUTS)]
    lines.append("")
    for i, level in enumerate(int(v) for v in levels):
        lines.append(f"(assert (>= X_{i} {decimal(level - eps)}))")
        lines.append(f"(assert (<= X_{i} {decimal(level + eps)}))")
    if brightness is not None:
        total = int(sum(int(v) for v in levels))
        xs = " ".join(f"X_{i}" for i in range(len(levels)))
        lines.append(f"(assert (<= (+ {xs}) {repr((total + brightness) / 255)}))")
        lines.append(f"(assert (>= (+ {xs}) {repr((total - brightness) / 255)}))")
    lines.append("")
    lines.append("(assert (or")
    lines += [f"    (and (>= Y_{j} Y_{label}))" for j in range(N_OUTPUTS) if j != label]
    lines.append("))")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brightness", type=int, metavar="B",
                    help="also write the instances with the total brightness within B levels")
    args = ap.parse_args()
    _, (levels, labels, sources) = mnist.split()
    xs = mnist.pixels(levels)
    rows, stress_rows, bright_rows, selected, used = [], [], [], [], set()
    for model in MODELS:
        model_path = os.path.join(HERE, "models", f"{model}.onnx")
        correct = np.flatnonzero(predictions(model_path, xs) == labels)[:DIGITS_PER_MODEL]
        folder = os.path.join(HERE, "instances", model)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        for idx in correct:
            used.add(int(idx))
            selected.append((model, int(idx), int(labels[idx])))
            for eps in EPSILONS:
                name = f"digit{idx}_eps{eps}.vnnlib"
                with open(os.path.join(folder, name), "w") as f:
                    f.write(vnnlib(levels[idx], int(labels[idx]), eps, model, idx))
                (stress_rows if model in STRESS_MODELS else rows).append(
                    (f"models/{model}.onnx", f"instances/{model}/{name}", TIMEOUT_S))
            for eps in BRIGHTNESS_EPSILONS if args.brightness is not None else []:
                name = f"digit{idx}_eps{eps}_bright{args.brightness}.vnnlib"
                with open(os.path.join(folder, name), "w") as f:
                    f.write(vnnlib(levels[idx], int(labels[idx]), eps, model, idx, args.brightness))
                bright_rows.append((f"models/{model}.onnx", f"instances/{model}/{name}", TIMEOUT_S))
        skipped = int(correct[-1]) + 1 - len(correct)
        print(f"{model}: digits 0..{correct[-1]} minus {skipped} misclassified -> "
              f"{len(correct) * len(EPSILONS)} instances in {os.path.relpath(folder, HERE)}")
    with open(os.path.join(HERE, "instances.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with open(os.path.join(HERE, "instances_stress.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(stress_rows)
    if args.brightness is not None:
        name = f"instances_bright{args.brightness}.csv"
        with open(os.path.join(HERE, name), "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(bright_rows)
        print(f"{len(bright_rows)} instances with the brightness constraints in {name}")
    centers = os.path.join(HERE, "centers")
    shutil.rmtree(centers, ignore_errors=True)
    os.makedirs(centers)
    for idx in sorted(used):
        with open(os.path.join(centers, f"digit{idx}.txt"), "w") as f:
            f.write("".join(decimal(int(v)) + "\n" for v in levels[idx]))
    with open(os.path.join(centers, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "label", "source"])
        w.writerows((idx, int(labels[idx]), sources[idx]) for idx in sorted(used))
    with open(os.path.join(centers, "selected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "index", "label"])
        w.writerows(selected)
    print(f"{len(rows)} instances in instances.csv, {len(stress_rows)} in instances_stress.csv; "
          f"{len(used)} centres in {os.path.relpath(centers, HERE)}")


if __name__ == "__main__":
    main()
