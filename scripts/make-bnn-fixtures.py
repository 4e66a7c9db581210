#!/usr/bin/env python3
# make-bnn-fixtures.py: small binarised networks in the ONNX pattern PyTorch exports (BatchNorm
# -> GreaterOrEqual -> Where(., 1, -1); binarised Gemm layers with ternary weights and real
# biases; a last Gemm giving logits), with onnxruntime's outputs as the reference, plus models
# vera must reject.
#
#   tests/fixtures/bnn/<name>.onnx        the models
#   tests/fixtures/bnn/reference.json     onnxruntime's outputs (same format as
#                                         tests/fixtures/onnx-ops/reference.json)
#   tests/fixtures/bnn/bad_*.onnx         models whose error message must name the node
#
# The reference inputs include points placed exactly on the first BatchNorm's thresholds (the
# float32 input where x*s + t rounds to 0) and their float32 neighbours, where a sloppy
# reading of BatchNorm or of sign(0) shows. Needs numpy, onnx and onnxruntime. Deterministic
# (fixed seeds; onnxruntime single-threaded, graph optimisations off).
#
# bnn_quantised*.onnx follow EEV's MNIST MLP instead: the inputs quantised to a grid (Div by the
# step, Round half to even, Mul by it) feed the first binarised Gemm; their reference inputs lie
# in [0, 1] and include points on the rounding boundaries.
#
# Usage (from any directory):  python3 scripts/make-bnn-fixtures.py

import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "bnn")
F = np.float32


def bn(name, x, c, rng, out):
    """A BatchNormalization node on x with random inference parameters (both signs of gamma)."""
    scale = (rng.uniform(0.5, 2.0, c) * rng.choice([-1, 1], c)).astype(F)
    bias = rng.normal(0, 1, c).astype(F)
    mean = rng.normal(0, 1, c).astype(F)
    var = rng.uniform(0.1, 3.0, c).astype(F)
    inits = [numpy_helper.from_array(a, f"{name}_{k}") for k, a in
             (("scale", scale), ("B", bias), ("mean", mean), ("var", var))]
    node = helper.make_node("BatchNormalization", [x, f"{name}_scale", f"{name}_B", f"{name}_mean", f"{name}_var"],
                            [out], name=name, epsilon=1e-5)
    return node, inits, (scale, bias, mean, var)


def sign(name, x, out, op="GreaterOrEqual", branches=(1.0, -1.0), const_first=False):
    zero = numpy_helper.from_array(np.array(0.0, dtype=F), f"{name}_zero")
    a = numpy_helper.from_array(np.array(branches[0], dtype=F), f"{name}_a")
    b = numpy_helper.from_array(np.array(branches[1], dtype=F), f"{name}_b")
    ins = [f"{name}_zero", x] if const_first else [x, f"{name}_zero"]
    cmp = helper.make_node(op, ins, [f"{name}_cond"], name=f"{name}_cmp")
    where = helper.make_node("Where", [f"{name}_cond", f"{name}_a", f"{name}_b"], [out], name=f"{name}_where")
    return [cmp, where], [zero, a, b]


def gemm(name, x, w, b, out):
    inits = [numpy_helper.from_array(w.astype(F), f"{name}_W"), numpy_helper.from_array(b.astype(F), f"{name}_b")]
    return helper.make_node("Gemm", [x, f"{name}_W", f"{name}_b"], [out], name=name, transB=1), inits


def model(name, nodes, inits, n_in, n_out):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n_in])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make-bnn-fixtures")
    onnx.checker.check_model(m)
    return m


def bnn(name, widths, seed, cmp_ops=None):
    """BN+sign per input, then binarised Gemm+BN+sign blocks, then a Gemm to logits."""
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    n, bn0, params0 = widths[0], None, None
    node, ii, params0 = bn("bn0", "x", n, rng, "h0")
    nodes.append(node)
    inits += ii
    s_nodes, s_inits = sign("sign0", "h0", "a0")
    nodes += s_nodes
    inits += s_inits
    prev = "a0"
    for k, (fan_in, fan_out) in enumerate(zip(widths[:-2], widths[1:-1]), start=1):
        w = rng.choice([-1.0, 0.0, 1.0], size=(fan_out, fan_in), p=[0.4, 0.2, 0.4])
        b = rng.normal(0, 1, fan_out)
        g, gi = gemm(f"fc{k}", prev, w, b, f"z{k}")
        node, ii, _ = bn(f"bn{k}", f"z{k}", fan_out, rng, f"h{k}")
        op, branches, first = (cmp_ops[k - 1] if cmp_ops else ("GreaterOrEqual", (1.0, -1.0), False))
        s_nodes, s_inits = sign(f"sign{k}", f"h{k}", f"a{k}", op, branches, first)
        nodes += [g, node] + s_nodes
        inits += gi + ii + s_inits
        prev = f"a{k}"
    w = rng.choice([-1.0, 1.0], size=(widths[-1], widths[-2]))
    b = rng.normal(0, 1, widths[-1])
    g, gi = gemm("logits", prev, w, b, "y")
    nodes.append(g)
    inits += gi
    return model(name, nodes, inits, widths[0], widths[-1]), params0


def quantised_bnn(name, widths, step, seed):
    """EEV's pattern: Div(x, step) -> Round -> Mul(., step), then ternary Gemm+BN+sign blocks and
    a Gemm to logits (the first layer reads the grid values, not threshold bits)."""
    rng = np.random.default_rng(seed)
    nodes = [helper.make_node("Div", ["x", "q_step"], ["q_div"], name="quant_div"),
             helper.make_node("Round", ["q_div"], ["q_round"], name="quant_round"),
             helper.make_node("Mul", ["q_round", "q_step"], ["a0"], name="quant_mul")]
    inits = [numpy_helper.from_array(np.array(step, dtype=F), "q_step")]
    prev = "a0"
    for k, (fan_in, fan_out) in enumerate(zip(widths[:-2], widths[1:-1]), start=1):
        w = rng.choice([-1.0, 0.0, 1.0], size=(fan_out, fan_in), p=[0.4, 0.2, 0.4])
        b = rng.normal(0, 1, fan_out)
        g, gi = gemm(f"fc{k}", prev, w, b, f"z{k}")
        node, ii, _ = bn(f"bn{k}", f"z{k}", fan_out, rng, f"h{k}")
        s_nodes, s_inits = sign(f"sign{k}", f"h{k}", f"a{k}")
        nodes += [g, node] + s_nodes
        inits += gi + ii + s_inits
        prev = f"a{k}"
    w = rng.choice([-1.0, 1.0], size=(widths[-1], widths[-2]))
    g, gi = gemm("logits", prev, w, rng.normal(0, 1, widths[-1]), "y")
    return model(name, nodes + [g], inits + gi, widths[0], widths[-1])


def onnx_sign_bnn(name, widths, seed):
    """ONNX Sign instead of Where(GreaterOrEqual(.), 1, -1): Sub(x, c) -> Sign per input, then
    binarised Gemm layers whose biases are halves of odd integers (the integer dot products plus
    such a bias never reach 0), each followed by Sign, then a Gemm to logits. The first layer is
    0 exactly at x = c, which a box must exclude."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(-0.5, 0.5, widths[0]).astype(F)
    nodes = [helper.make_node("Sub", ["x", "centre"], ["h0"], name="shift"),
             helper.make_node("Sign", ["h0"], ["a0"], name="sign0")]
    inits = [numpy_helper.from_array(c, "centre")]
    prev = "a0"
    for k, (fan_in, fan_out) in enumerate(zip(widths[:-2], widths[1:-1]), start=1):
        w = rng.choice([-1.0, 1.0], size=(fan_out, fan_in))
        b = rng.integers(-2, 2, fan_out) + 0.5
        g, gi = gemm(f"fc{k}", prev, w, b, f"z{k}")
        nodes += [g, helper.make_node("Sign", [f"z{k}"], [f"a{k}"], name=f"sign{k}")]
        inits += gi
        prev = f"a{k}"
    w = rng.choice([-1.0, 1.0], size=(widths[-1], widths[-2]))
    g, gi = gemm("logits", prev, w, rng.normal(0, 1, widths[-1]), "y")
    return model(name, nodes + [g], inits + gi, widths[0], widths[-1]), c


def grid_inputs(n, step, rng):
    """Inputs in [0, 1] with coordinates on the rounding boundaries (k + 1/2)·step (where round
    half to even decides) and their float32 neighbours, and random ones."""
    xs = [rng.uniform(0, 1, n).astype(F) for _ in range(24)]
    for _ in range(12):
        k = rng.integers(0, int(1 / step), n)
        x = ((k + 0.5) * step).astype(F)
        for i in range(n):
            x[i] = rng.choice([x[i], np.nextafter(x[i], F(np.inf)), np.nextafter(x[i], F(-np.inf))])
        xs.append(np.clip(x, 0, 1).astype(F))
    return xs


def threshold_inputs(params0, n, rng):
    """Inputs whose coordinates sit on (and next to) the float32 thresholds of the first BN."""
    scale, bias, mean, var = params0
    inv_std = (F(1) / np.sqrt(var + F(1e-5))).astype(F)
    s = (inv_std * scale).astype(F)
    t = (bias - mean * s).astype(F)
    xs = []
    for _ in range(6):
        x = rng.normal(0, 1, n).astype(F)
        for i in range(n):
            x0 = F(-t[i] / s[i])
            x[i] = rng.choice([x0, np.nextafter(x0, F(np.inf)), np.nextafter(x0, F(-np.inf))])
        xs.append(x)
    return xs


def run(m, xs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return [sess.run(None, {"x": x.reshape(1, -1)})[0].reshape(-1) for x in xs]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    specs = [
        ("bnn_small", [6, 8, 3], 1, None),
        ("bnn_deep", [10, 12, 8, 8, 4], 2, None),
        ("bnn_comparisons", [5, 6, 6, 6, 6, 3], 3, [("Greater", (1.0, -1.0), False), ("LessOrEqual", (1.0, -1.0), True),
                                                    ("Less", (-1.0, 1.0), False), ("GreaterOrEqual", (1.0, 0.0), False)]),
    ]
    for name, widths, seed, cmp_ops in specs:
        m, params0 = bnn(name, widths, seed, cmp_ops)
        path = os.path.join(OUT, f"{name}.onnx")
        onnx.save(m, path)
        rng = np.random.default_rng(seed + 100)
        xs = [rng.normal(0, 1.5, widths[0]).astype(F) for _ in range(24)] + threshold_inputs(params0, widths[0], rng)
        ys = run(m, xs)
        cases.append({"network": os.path.relpath(path, ROOT),
                      "inputs": [[float(v) for v in x] for x in xs],
                      "outputs": [[float(v) for v in y] for y in ys]})
    # A first layer over inputs quantised to a grid (EEV's input quantiser).
    for name, widths, step, seed in [("bnn_quantised", [12, 10, 8, 4], 0.25, 4),
                                     ("bnn_quantised_tenths", [12, 10, 8, 4], 0.1, 5)]:
        m = quantised_bnn(name, widths, step, seed)
        path = os.path.join(OUT, f"{name}.onnx")
        onnx.save(m, path)
        xs = grid_inputs(widths[0], step, np.random.default_rng(seed + 100))
        ys = run(m, xs)
        cases.append({"network": os.path.relpath(path, ROOT),
                      "inputs": [[float(v) for v in x] for x in xs],
                      "outputs": [[float(v) for v in y] for y in ys]})
    # ONNX Sign where 0 is unreachable but for the first layer at x = c; reference inputs at c.
    m, c = onnx_sign_bnn("bnn_onnx_sign", [6, 5, 4, 3], 6)
    path = os.path.join(OUT, "bnn_onnx_sign.onnx")
    onnx.save(m, path)
    rng = np.random.default_rng(106)
    xs = [rng.uniform(-1, 1, 6).astype(F) for _ in range(16)]
    for _ in range(8):
        x = rng.uniform(-1, 1, 6).astype(F)
        on = rng.random(6) < 0.5
        x[on] = c[on]
        xs.append(x)
    ys = run(m, xs)
    cases.append({"network": os.path.relpath(path, ROOT),
                  "inputs": [[float(v) for v in x] for x in xs],
                  "outputs": [[float(v) for v in y] for y in ys]})
    # Models to reject: an ONNX Sign after a Gemm whose dot product (4 inputs of ±1, bias 0)
    # reaches 0.
    rng = np.random.default_rng(9)
    node, ii, _ = bn("bn0", "x", 4, rng, "h0")
    s_nodes, s_inits = sign("sign0", "h0", "a0")
    g, gi = gemm("fc1", "a0", rng.choice([-1.0, 1.0], size=(3, 4)), np.zeros(3), "z1")
    sgn = helper.make_node("Sign", ["z1"], ["a1"], name="the_sign")
    g2, gi2 = gemm("logits", "a1", rng.choice([-1.0, 1.0], size=(2, 3)), np.zeros(2), "y")
    onnx.save(model("bad_sign", [node] + s_nodes + [g, sgn, g2], ii + s_inits + gi + gi2, 4, 2),
              os.path.join(OUT, "bad_sign.onnx"))
    node, ii, _ = bn("bn0", "x", 4, rng, "h0")
    a = numpy_helper.from_array(np.array(1.0, dtype=F), "one")
    b = numpy_helper.from_array(np.array(-1.0, dtype=F), "minus_one")
    gt = helper.make_node("Greater", ["h0", "one"], ["c"], name="cmp")
    cast = helper.make_node("Cast", ["c"], ["y"], name="as_number", to=TensorProto.FLOAT)
    onnx.save(model("bad_condition_as_number", [node, gt, cast], ii + [a, b], 4, 4),
              os.path.join(OUT, "bad_condition_as_number.onnx"))
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/make-bnn-fixtures.py", "onnxruntime": ort.__version__, "cases": cases}, f)
        f.write("\n")
    print(f"wrote {len(cases)} models and their reference outputs to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
