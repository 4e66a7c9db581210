#!/usr/bin/env python3
"""recount_ss.py: an independent recount of sign-sign coverage of a generated suite (tests.csv, pairs.csv) in
float64 and float32 with numpy: objectives (k, i, j) for consecutive feature layers (hidden
layers, then outputs), covered by a pair when exactly neuron i of layer k flips sign (u > 0)
and neuron j of layer k+1 flips. Shares no code with vera.

Usage: benchmarks/testing/recount_ss.py MODEL.onnx OUT_DIR   (OUT_DIR of vera test generate)
"""
import sys
import numpy as np
import onnx
from onnx import numpy_helper

model, out = sys.argv[1], sys.argv[2]
m = onnx.load(model)
w = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
gemms = [n for n in m.graph.node if n.op_type == "Gemm"]
layers = []
for n in gemms:
    W, B = w[n.input[1]], w[n.input[2]]
    tb = any(a.name == "transB" and a.i == 1 for a in n.attribute)
    layers.append((W.T if tb else W, B))
X = np.loadtxt(f"{out}/tests.csv", delimiter=",", dtype=np.float64, ndmin=2)
P = np.loadtxt(f"{out}/pairs.csv", delimiter=",", dtype=np.int64, ndmin=2)
for dt in (np.float64, np.float32):
    h = X.astype(dt)
    signs = []
    for li, (W, B) in enumerate(layers):
        u = h @ W.astype(dt) + B.astype(dt)
        signs.append(u > 0)
        h = np.maximum(u, 0)
    cov = set()
    for a, b in P:
        for k in range(len(signs) - 1):
            d = np.flatnonzero(signs[k][a] != signs[k][b])
            if len(d) != 1:
                continue
            i = d[0]
            for j in np.flatnonzero(signs[k + 1][a] != signs[k + 1][b]):
                cov.add((k, i, j))
    total = sum(signs[k].shape[1] * signs[k + 1].shape[1] for k in range(len(signs) - 1))
    print(dt.__name__, len(cov), "of", total)
