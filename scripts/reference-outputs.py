#!/usr/bin/env python3
# reference-outputs.py: record onnxruntime's outputs of several benchmark networks on random
# inputs, as a committed test fixture (tests/fixtures/reference-outputs.json) against which vera's
# own ONNX evaluation is checked.
#
# How to run (from the repo root, after scripts/fetch-benchmarks.sh):
#     pip install -r scripts/requirements.txt && python3 scripts/reference-outputs.py
# Options: --output PATH (default tests/fixtures/reference-outputs.json);
#          --check (regenerate in memory and exit 1 if the committed fixture differs).
#
# Networks: all 45 ACAS Xu networks (12 inputs each) and the VNN-COMP smoke tests
# test_nano, test_tiny, test_small, test_sat, test_unsat (20 inputs each).
# Inputs: ACAS Xu nets take 5 normalised inputs; they are drawn uniformly from the normalised
# input domain (from the .nnet header: (min - mean) / range .. (max - mean) / range), widened by
# 10% of its width (5% on each side), and 4 of the 12 are corners of that widened box. Smoke-test
# inputs are uniform in [-2, 2]. Each network has its own fixed seed (SEED + index), so the
# fixture is reproducible. Every input is a float32 array of the model's declared input shape
# (dynamic dimensions = 1), run one sample at a time on the CPU provider, one thread, graph
# optimisations off (op-by-op evaluation, the closest to a plain interpreter).
#
# JSON: {"generator": ..., "onnxruntime": version, "cases": [{"network": path relative to the repo
# root, "inputs": [[...], ...], "outputs": [[...], ...]}, ...]}; inputs and outputs flattened per
# sample, one sample per line; every number is float(np.float32 value), written with Python's
# shortest round-trip repr, so parsing the decimal (as f64, or directly as f32) gives back exactly
# that float32 value.
import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = "scripts/reference-outputs.py"
DEFAULT_OUTPUT = "tests/fixtures/reference-outputs.json"
SEED = 20240611

ACAS_NETS = [f"{a}_{b}" for a in range(1, 6) for b in range(1, 10)]  # all 45
ACAS_SAMPLES = 12
ACAS_CORNERS = 4
ACAS_WIDEN = 0.10  # total widening of each input interval, as a fraction of its width
SMOKE_NETS = ["test_nano", "test_tiny", "test_small", "test_sat", "test_unsat"]
SMOKE_SAMPLES = 20
SMOKE_BOX = (-2.0, 2.0)


def acas_onnx(name):
    return f"benchmarks/acasxu/onnx/ACASXU_run2a_{name}_batch_2000.onnx"


def acas_nnet(name):
    return f"benchmarks/acasxu/nnet/ACASXU_run2a_{name}_batch_2000.nnet"


def nnet_input_box(path):
    """Normalised input box [(min - mean) / range, (max - mean) / range] from a .nnet header."""
    with open(path) as f:
        lines = [l for l in f if not l.startswith("//")]
    nums = lambda l: [float(x) for x in l.strip().rstrip(",").split(",")]
    n_layers, n_in, n_out, _ = (int(x) for x in nums(lines[0]))
    mins, maxs = np.array(nums(lines[3])), np.array(nums(lines[4]))
    means, ranges = np.array(nums(lines[5])[:n_in]), np.array(nums(lines[6])[:n_in])
    assert len(mins) == len(maxs) == n_in == 5, path
    return (mins - means) / ranges, (maxs - means) / ranges


def session(path):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def input_shape(sess):
    (inp,) = sess.get_inputs()
    assert inp.type == "tensor(float)", inp.type
    return [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]


def run(sess, shape, samples):
    (name,) = [i.name for i in sess.get_inputs()]
    outs = []
    for x in samples:
        y = sess.run(None, {name: x.reshape(shape)})
        assert len(y) == 1, "expected a single output"
        y = np.asarray(y[0], dtype=np.float32).ravel()
        assert np.all(np.isfinite(y)), y
        outs.append(y)
    return outs


def acas_inputs(rng, lo, hi, n, n_corners):
    pad = (hi - lo) * ACAS_WIDEN / 2
    lo, hi = (lo - pad).astype(np.float32), (hi + pad).astype(np.float32)
    xs = [rng.uniform(lo, hi).astype(np.float32) for _ in range(n - n_corners)]
    # corners: the all-low and all-high ones, then distinct random ones
    bits = [0, 31] + [int(b) for b in rng.permutation(np.arange(1, 31))[: n_corners - 2]]
    for b in bits:
        mask = np.array([(b >> i) & 1 for i in range(5)], dtype=bool)
        xs.append(np.where(mask, hi, lo).astype(np.float32))
    return xs


def require_benchmarks():
    needed = [acas_onnx(n) for n in ACAS_NETS] + [acas_nnet(n) for n in ACAS_NETS]
    needed += [f"benchmarks/vnncomp-test/{n}.onnx" for n in SMOKE_NETS]
    missing = [p for p in needed if not os.path.isfile(os.path.join(REPO_ROOT, p))]
    if missing:
        sys.exit(f"missing {missing[0]} (and {len(missing) - 1} more): "
                 "run scripts/fetch-benchmarks.sh first")


def cases():
    out = []
    for i, name in enumerate(ACAS_NETS):
        rng = np.random.default_rng(SEED + i)
        lo, hi = nnet_input_box(os.path.join(REPO_ROOT, acas_nnet(name)))
        out.append((acas_onnx(name), acas_inputs(rng, lo, hi, ACAS_SAMPLES, ACAS_CORNERS)))
    for j, name in enumerate(SMOKE_NETS):
        rng = np.random.default_rng(SEED + 100 + j)
        path = f"benchmarks/vnncomp-test/{name}.onnx"
        n_in = int(np.prod(input_shape(session(os.path.join(REPO_ROOT, path)))))
        xs = [rng.uniform(*SMOKE_BOX, size=n_in).astype(np.float32) for _ in range(SMOKE_SAMPLES)]
        out.append((path, xs))
    return out


def num(v):
    f = float(np.float32(v))
    s = repr(f)
    assert np.float32(float(s)) == np.float32(v) and float(s) == f
    return s


def vec(v):
    return "[" + ", ".join(num(x) for x in v) + "]"


def render():
    parts = [
        "{" + f'"generator": {json.dumps(GENERATOR)}, "onnxruntime": {json.dumps(ort.__version__)},',
        ' "cases": [',
    ]
    all_cases = cases()
    for k, (path, xs) in enumerate(all_cases):
        sess = session(os.path.join(REPO_ROOT, path))
        ys = run(sess, input_shape(sess), xs)
        rows_in = ",\n".join("   " + vec(x) for x in xs)
        rows_out = ",\n".join("   " + vec(y) for y in ys)
        parts.append(
            f'  {{"network": {json.dumps(path)},\n  "inputs": [\n{rows_in}\n  ],\n'
            f'  "outputs": [\n{rows_out}\n  ]}}' + ("," if k + 1 < len(all_cases) else "")
        )
    parts.append(" ]}")
    text = "\n".join(parts) + "\n"
    check_roundtrip(text, all_cases)
    return text


def check_roundtrip(text, all_cases):
    doc = json.loads(text)
    assert set(doc) == {"generator", "onnxruntime", "cases"}
    assert [c["network"] for c in doc["cases"]] == [p for p, _ in all_cases]
    for c, (_, xs) in zip(doc["cases"], all_cases):
        assert len(c["inputs"]) == len(c["outputs"]) == len(xs)
        for got, want in zip(c["inputs"], xs):
            assert np.array_equal(np.array(got, dtype=np.float32), want)
            assert all(float(np.float32(v)) == v for v in got)
        for y in c["outputs"]:
            assert all(float(np.float32(v)) == v for v in y)


def main():
    ap = argparse.ArgumentParser(description="Record onnxruntime reference outputs (test fixture).")
    ap.add_argument("--output", default=DEFAULT_OUTPUT, help="relative to the repo root")
    ap.add_argument("--check", action="store_true", help="compare with the file, don't write")
    args = ap.parse_args()
    path = os.path.join(REPO_ROOT, args.output)
    require_benchmarks()
    text = render()
    if args.check:
        with open(path) as f:
            same = f.read() == text
        print(f"{args.output}: {'up to date' if same else 'DIFFERS from a fresh run'}")
        sys.exit(0 if same else 1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    n = len(ACAS_NETS) * ACAS_SAMPLES + len(SMOKE_NETS) * SMOKE_SAMPLES
    print(f"wrote {args.output}: {len(ACAS_NETS) + len(SMOKE_NETS)} networks, {n} samples, "
          f"{len(text)} bytes (onnxruntime {ort.__version__})")


if __name__ == "__main__":
    main()
