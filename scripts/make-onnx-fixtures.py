#!/usr/bin/env python3
# make-onnx-fixtures.py: generate the small ONNX test models that vera's ONNX reader is tested
# against, with onnxruntime's outputs as the reference, plus deliberately broken models.
#
#   tests/fixtures/onnx-ops/<variant>.onnx   one tiny model per supported operator variant
#                                            (Gemm/MatMul forms, Add/Sub/Mul/Div by constants,
#                                            Relu, Flatten/Reshape/Squeeze/Unsqueeze/Identity/
#                                            Dropout, shape arithmetic, constant folding, float64,
#                                            a gzipped copy, a dead branch, a wider MLP)
#   tests/fixtures/onnx-ops/reference.json   onnxruntime's outputs for 8 random inputs per model
#   tests/fixtures/bad/*.onnx + README.md    broken models the reader must reject, and the words
#                                            its error message should contain
#
# Usage (from any directory):  python3 scripts/make-onnx-fixtures.py
#
# Needs numpy, onnx and onnxruntime only. Deterministic: every random draw comes from numpy
# generators seeded from the fixed SEED below and the fixture's name (so adding a fixture does
# not change the others), gzip is written with mtime=0, and onnxruntime runs single-threaded
# with graph optimisations disabled (so the reference follows the graph's own op order).
# Re-running rewrites the same bytes (for a given onnx/onnxruntime/numpy version).
#
# reference.json format:
#   {"generator": "scripts/make-onnx-fixtures.py", "onnxruntime": "<version>",
#    "cases": [{"network": "tests/fixtures/onnx-ops/NAME.onnx",
#               "inputs": [[...flat...], ...], "outputs": [[...flat...], ...]}, ...]}
# Paths are relative to the repo root; each sample is flattened row-major; numbers are the exact
# stored values (float32 values widened to Python floats), so they parse back bit-exactly.

import gzip
import json
import os
import sys
import zlib

import numpy as np
import onnx
import onnx.reference
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 20240611
SAMPLES = 8
WEIGHT_SCALE = 0.5

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPS_REL = "tests/fixtures/onnx-ops"
BAD_REL = "tests/fixtures/bad"
OPS_DIR = os.path.join(REPO, OPS_REL)
BAD_DIR = os.path.join(REPO, BAD_REL)

# IR version matching each opset (ONNX 1.3 = IR 3 / opset 8, 1.6 = IR 6 / opset 11,
# 1.8 = IR 7 / opset 13), so that onnxruntime and old readers accept them.
IR_FOR_OPSET = {8: 3, 11: 6, 13: 7}

F32 = TensorProto.FLOAT
F64 = TensorProto.DOUBLE
I64 = TensorProto.INT64


def tensor(arr, name, typed=False):
    """TensorProto for arr: raw_data (little-endian bytes, what numpy_helper and PyTorch write) by
    default, or the typed repeated field (float_data / double_data / int64_data) if typed=True,
    as some older exporters and hand-written models (e.g. VNN-COMP test_nano) do."""
    arr = np.asarray(arr)
    if not typed:
        return numpy_helper.from_array(arr, name)
    elem = helper.np_dtype_to_tensor_dtype(arr.dtype)
    t = helper.make_tensor(name, elem, list(arr.shape), arr.reshape(-1).tolist(), raw=False)
    assert not t.raw_data and np.array_equal(numpy_helper.to_array(t), arr)
    return t


def rng_for(name, purpose="weights"):
    return np.random.default_rng([SEED, zlib.crc32(name.encode()), zlib.crc32(purpose.encode())])


class B:
    """Small graph builder: collects nodes, initializers, inputs; names nodes uniquely."""

    def __init__(self, name, opset=13, dtype=np.float32, typed=False):
        self.name = name
        self.typed = typed  # default storage of initializers (see tensor())
        self.opset = opset
        self.dtype = dtype
        self.rng = rng_for(name)
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []

    def w(self, name, shape, scale=WEIGHT_SCALE, typed=None):
        arr = (self.rng.normal(0.0, scale, size=shape)).astype(self.dtype)
        self.inits.append(tensor(arr, name, self.typed if typed is None else typed))
        return name

    def const(self, name, arr, typed=None):
        self.inits.append(tensor(arr, name, self.typed if typed is None else typed))
        return name

    def node(self, op, inputs, outputs, name, **attrs):
        assert name not in {n.name for n in self.nodes}, name
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def inp(self, name, shape, elem=None):
        elem = elem if elem is not None else (F64 if self.dtype == np.float64 else F32)
        self.inputs.append(helper.make_tensor_value_info(name, elem, shape))
        return name

    def out(self, name, shape, elem=None):
        elem = elem if elem is not None else (F64 if self.dtype == np.float64 else F32)
        self.outputs.append(helper.make_tensor_value_info(name, elem, shape))

    def model(self, inits_as_inputs=False):
        inputs = list(self.inputs)
        if inits_as_inputs:
            # Old exporters (IR < 4) had to list every initializer as a graph input; like the
            # ACAS Xu files, put them before the real input.
            inputs = [
                helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in self.inits
            ] + inputs
        graph = helper.make_graph(self.nodes, self.name, inputs, self.outputs, self.inits)
        m = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="vera-make-onnx-fixtures",
        )
        m.ir_version = IR_FOR_OPSET[self.opset]
        return m


def dense(b, x, n_in, n_out, tag, relu=True, typed=None):
    """MatMul + Add (+ Relu) with fresh weights; returns the output name."""
    W = b.w(f"{tag}_W", (n_in, n_out), typed=typed)
    bias = b.w(f"{tag}_b", (n_out,), typed=typed)
    h = b.node("MatMul", [x, W], [f"{tag}_mm"], f"{tag}_matmul")
    h = b.node("Add", [h, bias], [f"{tag}_add"], f"{tag}_bias")
    if relu:
        h = b.node("Relu", [h], [f"{tag}_relu"], f"{tag}_act")
    return h


# ----------------------------------------------------------------------------------------------
# A. good models, one per variant


def gemm_plain():
    b = B("gemm_plain")
    x = b.inp("x", [1, 4])
    b.node("Gemm", [x, b.w("B", (4, 3)), b.w("C", (3,))], ["y"], "gemm")
    b.out("y", [1, 3])
    return b.model()


def gemm_transb():
    b = B("gemm_transb")
    x = b.inp("x", [1, 4])
    b.node("Gemm", [x, b.w("B", (3, 4)), b.w("C", (3,))], ["y"], "gemm_tb", transB=1)
    b.out("y", [1, 3])
    return b.model()


def gemm_transa():
    b = B("gemm_transa")
    x = b.inp("x", [4, 1])
    b.node("Gemm", [x, b.w("B", (4, 3)), b.w("C", (3,))], ["y"], "gemm_ta", transA=1)
    b.out("y", [1, 3])
    return b.model()


def gemm_alpha_beta():
    b = B("gemm_alpha_beta")
    x = b.inp("x", [1, 4])
    b.node("Gemm", [x, b.w("B", (4, 3)), b.w("C", (1, 3))], ["y"], "gemm_ab", alpha=0.5, beta=2.0)
    b.out("y", [1, 3])
    return b.model()


def gemm_no_c():
    b = B("gemm_no_c")
    x = b.inp("x", [1, 4])
    b.node("Gemm", [x, b.w("B", (4, 3))], ["y"], "gemm_nc")
    b.out("y", [1, 3])
    return b.model()


def gemm_const_a():
    # y[3,1] = A[3,4] @ x[4,1] + C[3,1]: the input is the *second* Gemm operand.
    b = B("gemm_const_a")
    x = b.inp("x", [4, 1])
    b.node("Gemm", [b.w("A", (3, 4)), x, b.w("C", (3, 1))], ["y"], "gemm_ca")
    b.out("y", [3, 1])
    return b.model()


def matmul_add():
    b = B("matmul_add")
    x = b.inp("x", [1, 4])
    h = b.node("MatMul", [x, b.w("W", (4, 3))], ["h"], "matmul")
    b.node("Add", [h, b.w("bias", (3,))], ["y"], "add_bias")
    b.out("y", [1, 3])
    return b.model()


def matmul_const_first_1d():
    # Like VNN-COMP test_tiny: MatMul(W[3,4], x[4]) -> [3] (x promoted to [4,1], then squeezed).
    b = B("matmul_const_first_1d")
    x = b.inp("x", [4])
    h = b.node("MatMul", [b.w("W", (3, 4)), x], ["h"], "matmul_wx")
    b.node("Add", [h, b.w("bias", (3,))], ["y"], "add_bias")
    b.out("y", [3])
    return b.model()


def matmul_1d_input():
    # MatMul(x[4], W[4,3]) -> [3] (x promoted to [1,4], then squeezed).
    b = B("matmul_1d_input")
    x = b.inp("x", [4])
    b.node("MatMul", [x, b.w("W", (4, 3))], ["y"], "matmul_xw")
    b.out("y", [3])
    return b.model()


def matmul_batched():
    b = B("matmul_batched")
    x = b.inp("x", [2, 4])
    h = b.node("MatMul", [x, b.w("W", (4, 3))], ["h"], "matmul")
    b.node("Add", [h, b.w("bias", (3,))], ["y"], "add_bias")
    b.out("y", [2, 3])
    return b.model()


def sub_div_normalise():
    b = B("sub_div_normalise")
    x = b.inp("x", [1, 5])
    mean = b.w("mean", (5,))
    std = b.const("std", (np.abs(b.rng.normal(0.0, 0.5, size=(1, 5))) + 0.5).astype(np.float32))
    h = b.node("Sub", [x, mean], ["centred"], "sub_mean")
    h = b.node("Div", [h, std], ["scaled"], "div_std")
    h = dense(b, h, 5, 8, "fc1")
    h = dense(b, h, 8, 3, "fc2", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model()


def sub_const_first():
    b = B("sub_const_first")
    x = b.inp("x", [1, 4])
    b.node("Sub", [b.w("c", (1, 4)), x], ["y"], "sub_c_minus_x")
    b.out("y", [1, 4])
    return b.model()


def mul_broadcast():
    b = B("mul_broadcast")
    x = b.inp("x", [1, 4])
    s = b.const("s", np.array(-1.75, dtype=np.float32), typed=True)  # rank-0 scalar, float_data
    h = b.node("Mul", [x, s], ["h"], "mul_scalar")
    b.node("Mul", [b.w("k", (1, 4)), h], ["y"], "mul_channel")  # constant first
    b.out("y", [1, 4])
    return b.model()


def add_const_first():
    b = B("add_const_first")
    x = b.inp("x", [1, 4])
    b.node("Add", [b.w("c", (4,)), x], ["y"], "add_c_plus_x")
    b.out("y", [1, 4])
    return b.model()


def relu_mlp(opset, name=None):
    # The opset-8 model stores its initializers in float_data (old-exporter style).
    b = B(name or f"relu_mlp_opset{opset}", opset=opset, typed=(opset < 9))
    x = b.inp("x", [1, 4])
    h = dense(b, x, 4, 8, "fc1")
    h = dense(b, h, 8, 8, "fc2")
    dense(b, h, 8, 3, "fc3", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model(inits_as_inputs=(opset < 9))


def flatten_axis():
    b = B("flatten_axis")
    x = b.inp("x", [1, 2, 3])
    h = b.node("Flatten", [x], ["flat"], "flatten", axis=1)
    b.node("Gemm", [h, b.w("B", (6, 3)), b.w("C", (3,))], ["y"], "gemm")
    b.out("y", [1, 3])
    return b.model()


def flatten_axis2():
    b = B("flatten_axis2")
    x = b.inp("x", [1, 1, 2, 3])
    h = b.node("Flatten", [x], ["flat2"], "flatten_a2", axis=2)  # -> [1, 6]
    h = b.node("Flatten", [h], ["flat1"], "flatten_a1", axis=1)  # -> [1, 6]
    b.node("Gemm", [h, b.w("B", (6, 3)), b.w("C", (3,))], ["y"], "gemm")
    b.out("y", [1, 3])
    return b.model()


def reshape_minus1():
    b = B("reshape_minus1")
    x = b.inp("x", [1, 2, 3])
    shape = b.const("shape", np.array([1, -1], dtype=np.int64))
    h = b.node("Reshape", [x, shape], ["flat"], "reshape")
    dense(b, h, 6, 3, "fc", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model()


def reshape_zero():
    b = B("reshape_zero")
    x = b.inp("x", [1, 2, 3])
    shape = b.const("shape", np.array([0, -1], dtype=np.int64))  # 0 = copy dim 0 (allowzero=0)
    h = b.node("Reshape", [x, shape], ["flat"], "reshape")
    dense(b, h, 6, 3, "fc", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model()


def reshape_constant_node():
    b = B("reshape_constant_node")
    x = b.inp("x", [1, 2, 3])
    b.node(
        "Constant",
        [],
        ["shape"],
        "shape_const",
        value=tensor(np.array([1, 6], dtype=np.int64), "shape_value", typed=True),  # int64_data
    )
    h = b.node("Reshape", [x, "shape"], ["flat"], "reshape")
    dense(b, h, 6, 3, "fc", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model()


def squeeze_unsqueeze(opset):
    # x[1,4] -Squeeze(0)-> [4] -MatMul W[4,3]-> [3] -Add-> -Relu-> [3]
    #        -Unsqueeze(0,-1)-> [1,3,1] -Squeeze(-1)-> [1,3]
    b = B(f"squeeze_unsqueeze_opset{opset}", opset=opset)
    x = b.inp("x", [1, 4])

    def axes_kw(name, axes):
        if opset < 13:
            return [], {"axes": axes}
        return [b.const(name, np.array(axes, dtype=np.int64))], {}

    extra, kw = axes_kw("axes_sq0", [0])
    h = b.node("Squeeze", [x] + extra, ["x1d"], "squeeze_batch", **kw)
    h = dense(b, h, 4, 3, "fc")
    extra, kw = axes_kw("axes_unsq", [0, -1])
    h = b.node("Unsqueeze", [h] + extra, ["x3d"], "unsqueeze_both", **kw)
    extra, kw = axes_kw("axes_sq_last", [-1])
    b.node("Squeeze", [h] + extra, ["y"], "squeeze_last", **kw)
    b.out("y", [1, 3])
    return b.model()


def identity_dropout():
    b = B("identity_dropout")
    x = b.inp("x", [1, 4])
    h = b.node("Identity", [x], ["x_id"], "identity_in")
    h = dense(b, h, 4, 6, "fc1")
    h = b.node("Dropout", [h], ["drop1"], "dropout_plain")  # no ratio, no training_mode
    ratio = b.const("ratio", np.array(0.25, dtype=np.float32))
    # ratio given, training_mode absent (= false) and the optional mask output requested
    h = b.node("Dropout", [h, ratio], ["drop2", "drop2_mask"], "dropout_ratio")[0]
    h = dense(b, h, 6, 3, "fc2", relu=False)
    b.node("Identity", [h], ["y"], "identity_out")
    b.out("y", [1, 3])
    return b.model()


def shape_gather_concat_reshape():
    # The PyTorch-style x.view(x.size(0), -1).
    b = B("shape_gather_concat_reshape")
    x = b.inp("x", [1, 2, 3])
    s = b.node("Shape", [x], ["x_shape"], "shape_of_x")
    b.node(
        "Constant",
        [],
        ["idx0"],
        "const_idx0",
        value=tensor(np.array(0, dtype=np.int64), "idx0_value", typed=True),  # int64_data
    )
    g = b.node("Gather", [s, "idx0"], ["batch"], "gather_batch", axis=0)
    g = b.node("Unsqueeze", [g, b.const("axes0", np.array([0], dtype=np.int64))], ["batch1"], "unsqueeze_batch")
    minus1 = b.const("minus1", np.array([-1], dtype=np.int64))
    c = b.node("Concat", [g, minus1], ["new_shape"], "concat_shape", axis=0)
    h = b.node("Reshape", [x, c], ["flat"], "reshape")
    b.node("Gemm", [h, b.w("B", (6, 3)), b.w("C", (3,))], ["y"], "gemm")
    b.out("y", [1, 3])
    return b.model()


def constant_folding():
    # W = MatMul(Constant A[4,2], initializer Bw[2,3]) + Constant C[4,3]; y = relu(x @ W + bias)
    b = B("constant_folding")
    x = b.inp("x", [1, 4])
    A = b.rng.normal(0.0, WEIGHT_SCALE, size=(4, 2)).astype(np.float32)
    C = b.rng.normal(0.0, WEIGHT_SCALE, size=(4, 3)).astype(np.float32)
    b.node("Constant", [], ["A"], "const_A", value=numpy_helper.from_array(A, "A_value"))
    b.node("Constant", [], ["C"], "const_C", value=numpy_helper.from_array(C, "C_value"))
    AB = b.node("MatMul", ["A", b.w("Bw", (2, 3))], ["AB"], "fold_matmul")
    W = b.node("Add", [AB, "C"], ["W"], "fold_add")
    h = b.node("MatMul", [x, W], ["h"], "net_matmul")
    h = b.node("Add", [h, b.w("bias", (3,))], ["hb"], "net_bias")
    b.node("Relu", [h], ["y"], "net_relu")
    b.out("y", [1, 3])
    return b.model()


def float64_mlp():
    b = B("float64_mlp", dtype=np.float64)
    x = b.inp("x", [1, 4])
    h = dense(b, x, 4, 8, "fc1", typed=True)  # double_data
    dense(b, h, 8, 3, "fc2", relu=False)  # raw_data
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 3])
    return b.model()


def dead_branch():
    b = B("dead_branch")
    x = b.inp("x", [1, 4])
    h = dense(b, x, 4, 5, "fc1")
    dense(b, h, 5, 3, "fc2", relu=False)
    b.nodes[-1].output[0] = "y"
    # Two nodes whose outputs feed nothing: a Relu of the input and a Relu of a constant.
    b.node("Relu", [x], ["dead_relu_x"], "dead_relu_input")
    b.node("Relu", [b.w("dead_c", (2, 2))], ["dead_relu_c"], "dead_relu_const")
    b.out("y", [1, 3])
    return b.model()


def wide_mlp():
    b = B("wide_mlp")
    x = b.inp("x", [1, 20])
    h = dense(b, x, 20, 16, "fc1")
    h = dense(b, h, 16, 16, "fc2")
    dense(b, h, 16, 10, "fc3", relu=False)
    b.nodes[-1].output[0] = "y"
    b.out("y", [1, 10])
    return b.model()


GOOD = [
    ("gemm_plain", gemm_plain),
    ("gemm_transb", gemm_transb),
    ("gemm_transa", gemm_transa),
    ("gemm_alpha_beta", gemm_alpha_beta),
    ("gemm_no_c", gemm_no_c),
    ("gemm_const_a", gemm_const_a),
    ("matmul_add", matmul_add),
    ("matmul_const_first_1d", matmul_const_first_1d),
    ("matmul_1d_input", matmul_1d_input),
    ("matmul_batched", matmul_batched),
    ("sub_div_normalise", sub_div_normalise),
    ("sub_const_first", sub_const_first),
    ("mul_broadcast", mul_broadcast),
    ("add_const_first", add_const_first),
    ("relu_mlp_opset8", lambda: relu_mlp(8)),
    ("relu_mlp_opset11", lambda: relu_mlp(11)),
    ("relu_mlp_opset13", lambda: relu_mlp(13)),
    ("flatten_axis", flatten_axis),
    ("flatten_axis2", flatten_axis2),
    ("reshape_minus1", reshape_minus1),
    ("reshape_zero", reshape_zero),
    ("reshape_constant_node", reshape_constant_node),
    ("squeeze_unsqueeze_opset11", lambda: squeeze_unsqueeze(11)),
    ("squeeze_unsqueeze_opset13", lambda: squeeze_unsqueeze(13)),
    ("identity_dropout", identity_dropout),
    ("shape_gather_concat_reshape", shape_gather_concat_reshape),
    ("constant_folding", constant_folding),
    ("float64_mlp", float64_mlp),
    ("dead_branch", dead_branch),
    ("wide_mlp", wide_mlp),
]


# ----------------------------------------------------------------------------------------------
# reference outputs


def session(model_bytes):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


NP_OF_ELEM = {F32: np.float32, F64: np.float64}


def real_input(model):
    inits = {t.name for t in model.graph.initializer}
    real = [i for i in model.graph.input if i.name not in inits]
    assert len(real) == 1, [i.name for i in real]
    return real[0]


def reference_case(rel_path, model, model_bytes, rng_name):
    inp = real_input(model)
    elem = inp.type.tensor_type.elem_type
    dtype = NP_OF_ELEM[elem]
    shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert all(d > 0 for d in shape), shape
    assert len(model.graph.output) == 1
    sess = session(model_bytes)
    ref = onnx.reference.ReferenceEvaluator(model)
    rng = rng_for(rng_name, "inputs")
    ins, outs = [], []
    for _ in range(SAMPLES):
        xv = rng.uniform(-2.0, 2.0, size=shape).astype(dtype)
        (yv,) = sess.run(None, {inp.name: xv})
        assert yv.dtype == dtype, (rel_path, yv.dtype)
        assert np.all(np.isfinite(yv)), rel_path
        # Cross-check onnxruntime against onnx's own reference evaluator.
        (yr,) = ref.run(None, {inp.name: xv})
        tol = 1e-5 if dtype == np.float32 else 1e-12
        assert np.allclose(yv, yr, rtol=tol, atol=tol), (rel_path, yv, yr)
        ins.append([float(v) for v in xv.reshape(-1)])
        outs.append([float(v) for v in yv.reshape(-1)])
    return {"network": rel_path, "inputs": ins, "outputs": outs}


# ----------------------------------------------------------------------------------------------
# C. bad models


def loads(data):
    try:
        onnx.load_model_from_string(data)
        return True
    except Exception:
        return False


def ort_loads(data):
    try:
        session(data)
        return True
    except Exception:
        return False


def bad_mlp_with_tanh():
    b = B("unsupported_op")
    x = b.inp("x", [1, 4])
    h = b.node("MatMul", [x, b.w("fc1_W", (4, 5))], ["fc1_mm"], "fc1")
    h = b.node("Add", [h, b.w("fc1_b", (5,))], ["fc1_add"], "fc1_bias")
    h = b.node("Tanh", [h], ["tanh_out"], "act_tanh")
    h = b.node("MatMul", [h, b.w("fc2_W", (5, 3))], ["fc2_mm"], "fc2")
    b.node("Add", [h, b.w("fc2_b", (3,))], ["y"], "fc2_bias")
    b.out("y", [1, 3])
    return b.model()


def bad_missing_initializer():
    b = B("missing_initializer")
    x = b.inp("x", [1, 4])
    h = b.node("MatMul", [x, "W_missing"], ["mm_out"], "mm_missing")
    b.node("Add", [h, b.w("bias", (3,))], ["y"], "add_bias")
    b.out("y", [1, 3])
    return b.model()


def bad_shape():
    b = B("bad_shape")
    x = b.inp("x", [1, 4])
    b.node("MatMul", [x, b.w("W_bad", (5, 3))], ["y"], "mm_bad")
    b.out("y", [1, 3])
    return b.model()


def bad_two_inputs():
    b = B("two_inputs")
    x1 = b.inp("x1", [1, 4])
    x2 = b.inp("x2", [1, 4])
    b.node("Add", [x1, x2], ["y"], "add_two")
    b.out("y", [1, 4])
    return b.model()


def bad_residual():
    b = B("residual")
    x = b.inp("x", [1, 4])
    h = b.node("MatMul", [x, b.w("fc1_W", (4, 4))], ["fc1_mm"], "fc1")
    h = b.node("Add", [h, b.w("fc1_b", (4,))], ["fc1_add"], "fc1_bias")
    h = b.node("Relu", [h], ["r1_output"], "r1")
    b.node("Add", [h, x], ["y"], "skip_add")
    b.out("y", [1, 4])
    return b.model()


def bad_nan_weight():
    b = B("nan_weight")
    x = b.inp("x", [1, 4])
    Bn = b.rng.normal(0.0, WEIGHT_SCALE, size=(4, 3)).astype(np.float32)
    Bn[1, 2] = np.nan
    b.const("B_nan", Bn)
    b.node("Gemm", [x, "B_nan", b.w("C", (3,))], ["y"], "gemm_nan")
    b.out("y", [1, 3])
    return b.model()


BAD_README = """\
# Broken ONNX fixtures

Generated by `python3 scripts/make-onnx-fixtures.py` (do not edit by hand). vera's ONNX reader
must reject every file here with a clear error; the last column lists what the error message
should mention (node names and tensor names are exact, other words are suggestions: any one of
the alternatives separated by "/" is enough).

| file | what is wrong | error should mention |
|------|---------------|----------------------|
| `truncated.onnx` | the first {trunc_pct} of the bytes of `onnx-ops/relu_mlp_opset13.onnx` ({trunc_len} of {full_len} bytes); protobuf decoding fails | the file path; `decode` / `truncated` / `invalid` / `protobuf` |
| `text.onnx` | a plain-text file (`this is not a model`), not protobuf | the file path; `decode` / `invalid` / `protobuf` / `not an ONNX model` |
| `random_bytes.onnx` | 300 random bytes, not protobuf | the file path; `decode` / `invalid` / `protobuf` |
| `empty.onnx` | a zero-byte file. NB: an empty buffer *is* a valid (empty) protobuf message, so a decoder accepts it; the reader must notice the missing graph / empty file itself | the file path; `empty` / `no graph` / `no input` |
| `unsupported_op.onnx` | a valid MLP (checker-valid, runs in onnxruntime) with a `Tanh` activation | `Tanh`, `act_tanh`, `unsupported` / `not supported` |
| `missing_initializer.onnx` | MatMul `mm_missing` reads `W_missing`, which is not an initializer, a graph input, nor any node's output (checker not run) | `W_missing`, `mm_missing` |
| `bad_shape.onnx` | MatMul `mm_bad` multiplies the input `[1,4]` by initializer `W_bad` of shape `[5,3]` (checker not run) | `mm_bad`, `MatMul`, the shapes (`4`, `5` / `[1, 4]`, `[5, 3]`) / `shape` / `mismatch` |
| `two_inputs.onnx` | two real graph inputs `x1`, `x2` added by `add_two` (valid per checker) | `x1` and `x2` / `2 inputs` / `one input`; or `add_two` |
| `residual.onnx` | `skip_add` adds `r1_output` (Relu `r1` after `fc1`/`fc1_bias`) to the input `x`: a residual connection, both operands depend on the input (valid per checker) | `skip_add`, `Add`; `residual` / `both` / `non-constant` / `not a chain` |
| `nan_weight.onnx` | Gemm `gemm_nan` whose B initializer `B_nan` has a NaN at [1, 2] (valid per checker, runs in onnxruntime) | `gemm_nan` or `B_nan`; `NaN` / `non-finite` |
"""


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    os.makedirs(OPS_DIR, exist_ok=True)
    os.makedirs(BAD_DIR, exist_ok=True)

    cases = []
    opset13_bytes = None
    for name, build in GOOD:
        model = build()
        onnx.checker.check_model(model, full_check=True)
        data = model.SerializeToString()
        rel = f"{OPS_REL}/{name}.onnx"
        write(os.path.join(REPO, rel), data)
        names = [n.name for n in model.graph.node]
        assert len(set(names)) == len(names) and all(names), name
        cases.append(reference_case(rel, model, data, name))
        if name == "relu_mlp_opset13":
            opset13_bytes = data
            gz = gzip.compress(data, compresslevel=9, mtime=0)
            assert gzip.decompress(gz) == data
            rel_gz = f"{OPS_REL}/relu_mlp_opset13.onnx.gz"
            write(os.path.join(REPO, rel_gz), gz)
            cases.append(reference_case(rel_gz, onnx.load_model_from_string(gzip.decompress(gz)),
                                        gzip.decompress(gz), "relu_mlp_gz"))

    doc = {"generator": "scripts/make-onnx-fixtures.py", "onnxruntime": ort.__version__, "cases": cases}
    # One case per line; json.dumps writes floats with repr(), which round-trips exactly.
    body = ",\n".join("  " + json.dumps(c, allow_nan=False) for c in cases)
    head = json.dumps({k: doc[k] for k in ("generator", "onnxruntime")})[:-1]
    text = head + ', "cases": [\n' + body + "\n]}\n"
    assert json.loads(text) == doc
    with open(os.path.join(OPS_DIR, "reference.json"), "w") as f:
        f.write(text)

    # --- bad models ---
    full = len(opset13_bytes)
    cut = None
    for pct in [60] + [p for d in range(1, 40) for p in (60 - d, 60 + d)]:
        c = full * pct // 100
        if not loads(opset13_bytes[:c]):
            cut = (pct, c)
            break
    assert cut is not None
    write(os.path.join(BAD_DIR, "truncated.onnx"), opset13_bytes[: cut[1]])

    text_bytes = b"this is not a model\n"
    assert not loads(text_bytes)
    write(os.path.join(BAD_DIR, "text.onnx"), text_bytes)

    rb = rng_for("random_bytes").integers(0, 256, size=300, dtype=np.uint8).tobytes()
    assert not loads(rb), "random bytes happen to parse; change SEED"
    write(os.path.join(BAD_DIR, "random_bytes.onnx"), rb)

    write(os.path.join(BAD_DIR, "empty.onnx"), b"")

    m = bad_mlp_with_tanh()
    onnx.checker.check_model(m, full_check=True)
    assert ort_loads(m.SerializeToString())
    write(os.path.join(BAD_DIR, "unsupported_op.onnx"), m.SerializeToString())

    m = bad_missing_initializer()  # checker deliberately not run (it would reject it)
    write(os.path.join(BAD_DIR, "missing_initializer.onnx"), m.SerializeToString())

    m = bad_shape()  # checker deliberately not run (shape inference would reject it)
    write(os.path.join(BAD_DIR, "bad_shape.onnx"), m.SerializeToString())

    m = bad_two_inputs()
    onnx.checker.check_model(m, full_check=True)
    write(os.path.join(BAD_DIR, "two_inputs.onnx"), m.SerializeToString())

    m = bad_residual()
    onnx.checker.check_model(m, full_check=True)
    assert ort_loads(m.SerializeToString())
    write(os.path.join(BAD_DIR, "residual.onnx"), m.SerializeToString())

    m = bad_nan_weight()
    onnx.checker.check_model(m, full_check=True)
    assert ort_loads(m.SerializeToString())
    write(os.path.join(BAD_DIR, "nan_weight.onnx"), m.SerializeToString())

    with open(os.path.join(BAD_DIR, "README.md"), "w") as f:
        f.write(BAD_README.format(trunc_pct=f"{cut[0]}%", trunc_len=cut[1], full_len=full))

    total = sum(
        os.path.getsize(os.path.join(d, f)) for d in (OPS_DIR, BAD_DIR) for f in os.listdir(d)
    )
    print(
        f"wrote {len(GOOD) + 1} models + reference.json ({len(cases)} cases) to {OPS_REL}, "
        f"10 bad files + README.md to {BAD_REL}; {total} bytes in total",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
