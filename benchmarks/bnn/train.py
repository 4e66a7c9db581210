#!/usr/bin/env python3
"""train.py: train the two binarised MNIST networks of the BNN benchmark with numpy alone, and
export each to ONNX in the pattern PyTorch exports for an inference module whose sign is
`torch.where(x >= 0, 1.0, -1.0)`.

  models/narodytska.onnx  after Narodytska et al. (AAAI'18): pixels in [0, 1] -> per-pixel
                          BatchNormalization + sign (a learned threshold per pixel) ->
                          binarised Gemm 200 -> BN -> sign -> 100 -> BN -> sign -> 100 -> BN ->
                          sign -> 100 -> BN -> sign -> binarised Gemm 10 (logits, real bias)
  models/eev_mlp.onnx     after Jia & Rinard's EEV MNIST-MLP (NeurIPS'20): pixels quantised to
                          step 0.1 (Div 0.1 -> Round -> Mul 0.1), then ternary Gemm 500 -> BN ->
                          sign -> 300 -> ... -> 100 -> BN -> sign -> ternary Gemm 10 (logits)

Graph pattern: BatchNormalization(X, scale, B, mean, var; epsilon) -> GreaterOrEqual(h, 0) ->
Where(cond, 1.0, -1.0), scalar float32 constants as initializers; binarised layers as Gemm
(transB=1) with weights exactly -1/0/+1 in float32 and a float32 bias; input "input" [1, 784],
output "output" [1, 10], opset 13.

Training: latent real weights, binarised (sign, sign(0) = +1) or ternarised (0 where
|w| < 0.7 mean|w| of the layer) in the forward pass, gradients passed straight through to the
latent weights, which are clipped to [-1, 1]; sign with a straight-through estimator (forward
sign, backward identity where |x| <= 1); BatchNorm on batch statistics, exported with the
statistics of the whole training set; softmax cross-entropy on the logits times a learned
scale (argmax-neutral, not exported); Adam with a cosine learning rate; minibatches in a
seeded order. Data: mnist.py (8,000 digits train, the last 2,000 are held out).

Each exported model is run by onnxruntime on the 2,000 held-out digits; its predictions must
agree with the numpy float32 forward pass on all of them.

Usage (from any directory):  python3 benchmarks/bnn/train.py [narodytska] [eev_mlp]
"""
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import mnist

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
F = np.float32
SEED = 20261201
OPSET = 13

# BatchNorm's epsilon, exported as the node's attribute (PyTorch's default).
BN_EPS = 1e-5
# Floor on the per-pixel variance of the input BatchNorm: pixels that are (almost) constant on
# the training set would otherwise get a huge 1/std, making the exported threshold needlessly
# sensitive to rounding.
INPUT_VAR_FLOOR = 1e-2
# Ternary weights: a latent weight whose magnitude is below this fraction of the layer's mean
# magnitude becomes 0 (the rule of Ternary Weight Networks, Li et al. 2016).
TERNARY_RATIO = 0.7
# EEV's input grid: x_q = round(x / step) * step.
QUANT_STEP = 0.1


@dataclass
class Architecture:
    name: str
    input_stage: str  # "threshold": BatchNorm + sign per pixel; "quantise": round to QUANT_STEP
    widths: list
    ternary: bool
    epochs: int
    batch: int
    lr: float
    # Ternary weights: |w| below this many times the layer's mean |w| are 0 (larger: sparser).
    ternary_ratio: float = TERNARY_RATIO


ARCHITECTURES = {
    "narodytska": Architecture("narodytska", "threshold", [784, 200, 100, 100, 100, 10],
                               ternary=False, epochs=30, batch=100, lr=3e-3),
    "eev_mlp": Architecture("eev_mlp", "quantise", [784, 500, 300, 200, 100, 10],
                            ternary=True, epochs=20, batch=100, lr=3e-3),
    # EEV's verification-friendly variant: the same architecture with sparse ternary weights
    # (EEV trains with high weight sparsity so that each neuron reads few inputs, which is
    # what makes exact verification fast).
    "eev_mlp_sparse": Architecture("eev_mlp_sparse", "quantise", [784, 500, 300, 200, 100, 10],
                                   ternary=True, epochs=20, batch=100, lr=3e-3, ternary_ratio=2.0),
}


def sign(x):
    """sign with sign(0) = +1, as torch.where(x >= 0, 1.0, -1.0)."""
    return np.where(x >= 0, F(1), F(-1))


def discretise(w, ternary, ratio):
    """The weights the forward pass uses: sign(w), or sign(w) with the small ones (below
    `ratio` times the mean |w|) set to 0."""
    if not ternary:
        return sign(w)
    delta = F(ratio) * np.abs(w).mean()
    return np.where(np.abs(w) < delta, F(0), sign(w))


def quantise(x):
    """EEV's input grid, in float32 as the exported Div -> Round -> Mul computes it."""
    step = F(QUANT_STEP)
    return (np.round(x / step) * step).astype(F)


class Network:
    """Latent parameters of one architecture and its training-mode forward/backward pass."""

    def __init__(self, arch, train_x, rng):
        self.arch = arch
        w = arch.widths
        self.params = {}
        for l, (fan_in, fan_out) in enumerate(zip(w[:-1], w[1:]), start=1):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            self.params[f"W{l}"] = rng.uniform(-limit, limit, (fan_out, fan_in)).astype(F)
            if l < len(w) - 1:
                self.params[f"gamma{l}"] = np.ones(fan_out, F)
                self.params[f"beta{l}"] = np.zeros(fan_out, F)
        self.params["b_out"] = np.zeros(w[-1], F)
        self.params["log_scale"] = np.array(-0.5 * np.log(w[-2]), F)
        if arch.input_stage == "threshold":
            # Fixed normalisation; the learned gamma0/beta0 place each pixel's threshold,
            # starting at 0.5 (x >= 0.5 <=> (x - mean)/std >= (0.5 - mean)/std).
            self.mean0 = train_x.mean(0).astype(F)
            self.var0 = np.maximum(train_x.var(0), INPUT_VAR_FLOOR).astype(F)
            std0 = np.sqrt(self.var0 + F(BN_EPS))
            self.params["gamma0"] = np.ones(w[0], F)
            self.params["beta0"] = ((self.mean0 - F(0.5)) / std0).astype(F)
        self.n_hidden = len(w) - 2

    def hidden_weights(self, l):
        return discretise(self.params[f"W{l}"], self.arch.ternary, self.arch.ternary_ratio)

    def loss_and_grads(self, x, y):
        """Mean cross-entropy on a minibatch and the gradients of every parameter."""
        p, n = self.params, len(x)
        cache = []
        if self.arch.input_stage == "threshold":
            xhat = (x - self.mean0) / np.sqrt(self.var0 + F(BN_EPS))
            h = p["gamma0"] * xhat + p["beta0"]
            a = sign(h)
            input_cache = (xhat, h)
        else:
            a = quantise(x)
        for l in range(1, self.n_hidden + 1):
            wq = self.hidden_weights(l)
            z = a @ wq.T
            mu, var = z.mean(0), z.var(0)
            inv = F(1) / np.sqrt(var + F(BN_EPS))
            zhat = (z - mu) * inv
            h = p[f"gamma{l}"] * zhat + p[f"beta{l}"]
            cache.append((a, wq, zhat, inv, h))
            a = sign(h)
        last = self.n_hidden + 1
        wq_out = self.hidden_weights(last)
        logits = a @ wq_out.T + p["b_out"]
        scale = F(np.exp(p["log_scale"]))
        u = logits * scale
        u = u - u.max(1, keepdims=True)
        prob = np.exp(u)
        prob /= prob.sum(1, keepdims=True)
        loss = -np.log(prob[np.arange(n), y] + 1e-12).mean()

        grads = {}
        du = prob
        du[np.arange(n), y] -= 1
        du /= n
        grads["log_scale"] = np.array((du * logits).sum() * scale, F)
        dlogits = du * scale
        grads["b_out"] = dlogits.sum(0)
        grads[f"W{last}"] = dlogits.T @ a
        da = dlogits @ wq_out
        for l in range(self.n_hidden, 0, -1):
            a_in, wq, zhat, inv, h = cache[l - 1]
            dh = da * (np.abs(h) <= 1)
            grads[f"beta{l}"] = dh.sum(0)
            grads[f"gamma{l}"] = (dh * zhat).sum(0)
            dzhat = dh * p[f"gamma{l}"]
            dz = inv / n * (n * dzhat - dzhat.sum(0) - zhat * (dzhat * zhat).sum(0))
            grads[f"W{l}"] = dz.T @ a_in
            if l > 1 or self.arch.input_stage == "threshold":
                da = dz @ wq
        if self.arch.input_stage == "threshold":
            xhat, h = input_cache
            dh = da * (np.abs(h) <= 1)
            grads["beta0"] = dh.sum(0)
            grads["gamma0"] = (dh * xhat).sum(0)
        return loss, grads

    def clip_latent(self):
        for l in range(1, self.n_hidden + 2):
            np.clip(self.params[f"W{l}"], -1, 1, out=self.params[f"W{l}"])


@dataclass
class InferenceNetwork:
    """The exported network: float32 parameters exactly as they go into the ONNX file."""

    arch: Architecture
    input_bn: tuple  # (scale, B, mean, var) of the per-pixel BatchNorm, or None
    layers: list  # [(W, b, (scale, B, mean, var))] for the hidden layers
    out: tuple  # (W, b) of the logits layer

    def forward(self, x):
        """Logits for a batch, in float32, computing BatchNorm as onnxruntime does:
        x * (scale / sqrt(var + eps)) + (B - mean * scale / sqrt(var + eps))."""
        x = x.astype(F)
        a = sign(batch_norm(x, self.input_bn)) if self.input_bn else quantise(x)
        for w, b, bn in self.layers:
            a = sign(batch_norm((a @ w.T + b).astype(F), bn))
        w, b = self.out
        return (a @ w.T + b).astype(F)


def batch_norm(x, bn):
    scale, bias, mean, var = bn
    inv_std = (F(1) / np.sqrt(var + F(BN_EPS))).astype(F)
    s = (inv_std * scale).astype(F)
    t = (bias - mean * s).astype(F)
    return (x * s + t).astype(F)


def freeze(net, train_x):
    """The inference network: discretised weights, and each BatchNorm with the mean and
    variance of its input over the whole training set (computed layer by layer through the
    frozen network, so the statistics match what inference sees)."""
    p, arch = net.params, net.arch
    input_bn = None
    if arch.input_stage == "threshold":
        input_bn = (p["gamma0"].astype(F), p["beta0"].astype(F), net.mean0, net.var0)
        a = sign(batch_norm(train_x, input_bn))
    else:
        a = quantise(train_x)
    layers = []
    for l in range(1, net.n_hidden + 1):
        w = net.hidden_weights(l)
        b = np.zeros(w.shape[0], F)
        z = (a @ w.T + b).astype(F)
        z64 = z.astype(np.float64)
        bn = (p[f"gamma{l}"].astype(F), p[f"beta{l}"].astype(F), z64.mean(0).astype(F), z64.var(0).astype(F))
        layers.append((w, b, bn))
        a = sign(batch_norm(z, bn))
    out = (net.hidden_weights(net.n_hidden + 1), p["b_out"].astype(F))
    return InferenceNetwork(arch, input_bn, layers, out)


def train(arch, train_x, train_y, test_x, test_y):
    """Train one architecture; returns its inference network and the training time."""
    rng = np.random.default_rng(SEED)
    net = Network(arch, train_x, rng)
    m = {k: np.zeros_like(v) for k, v in net.params.items()}
    v = {k: np.zeros_like(v) for k, v in net.params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    steps_per_epoch = len(train_x) // arch.batch
    total, step = arch.epochs * steps_per_epoch, 0
    start, wall = time.process_time(), time.perf_counter()
    for epoch in range(arch.epochs):
        order = rng.permutation(len(train_x))
        losses = []
        for k in range(steps_per_epoch):
            idx = order[k * arch.batch:(k + 1) * arch.batch]
            loss, grads = net.loss_and_grads(train_x[idx], train_y[idx])
            losses.append(loss)
            step += 1
            lr = arch.lr * 0.5 * (1 + np.cos(np.pi * step / total))
            for name, g in grads.items():
                m[name] = beta1 * m[name] + (1 - beta1) * g
                v[name] = beta2 * v[name] + (1 - beta2) * g * g
                mhat = m[name] / (1 - beta1 ** step)
                vhat = v[name] / (1 - beta2 ** step)
                net.params[name] = (net.params[name] - lr * mhat / (np.sqrt(vhat) + eps)).astype(F)
            net.clip_latent()
        if epoch % 5 == 4 or epoch == arch.epochs - 1:
            frozen = freeze(net, train_x)
            train_acc = (frozen.forward(train_x).argmax(1) == train_y).mean()
            test_acc = (frozen.forward(test_x).argmax(1) == test_y).mean()
            print(f"  {arch.name} epoch {epoch + 1:3d}: loss {np.mean(losses):.4f}  "
                  f"train {100 * train_acc:.2f}%  test {100 * test_acc:.2f}%", flush=True)
    seconds = (time.process_time() - start, time.perf_counter() - wall)
    return freeze(net, train_x), seconds


class GraphBuilder:
    """Nodes and initializers of the exported graph, named per layer."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def constant(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=F), name))
        return name

    def batch_norm(self, name, x, bn):
        scale, bias, mean, var = bn
        ins = [x] + [self.constant(f"{name}.{k}", a) for k, a in
                     (("weight", scale), ("bias", bias), ("running_mean", mean), ("running_var", var))]
        self.nodes.append(helper.make_node("BatchNormalization", ins, [f"{name}.out"], name=name, epsilon=BN_EPS))
        return f"{name}.out"

    def sign(self, name, x):
        zero = self.constant(f"{name}.zero", F(0))
        one = self.constant(f"{name}.one", F(1))
        minus_one = self.constant(f"{name}.minus_one", F(-1))
        self.nodes.append(helper.make_node("GreaterOrEqual", [x, zero], [f"{name}.cond"], name=f"{name}.ge"))
        self.nodes.append(helper.make_node("Where", [f"{name}.cond", one, minus_one], [f"{name}.out"],
                                           name=f"{name}.where"))
        return f"{name}.out"

    def gemm(self, name, x, w, b, out=None):
        out = out or f"{name}.out"
        ins = [x, self.constant(f"{name}.weight", w), self.constant(f"{name}.bias", b)]
        self.nodes.append(helper.make_node("Gemm", ins, [out], name=name, transB=1))
        return out

    def quantise(self, name, x):
        step = self.constant(f"{name}.step", F(QUANT_STEP))
        self.nodes.append(helper.make_node("Div", [x, step], [f"{name}.div"], name=f"{name}.div"))
        self.nodes.append(helper.make_node("Round", [f"{name}.div"], [f"{name}.round"], name=f"{name}.round"))
        self.nodes.append(helper.make_node("Mul", [f"{name}.round", step], [f"{name}.out"], name=f"{name}.mul"))
        return f"{name}.out"


def export(frozen):
    """The ONNX model of an inference network."""
    g = GraphBuilder()
    if frozen.input_bn is not None:
        x = g.sign("sign0", g.batch_norm("bn0", "input", frozen.input_bn))
    else:
        x = g.quantise("quant", "input")
    for l, (w, b, bn) in enumerate(frozen.layers, start=1):
        x = g.sign(f"sign{l}", g.batch_norm(f"bn{l}", g.gemm(f"fc{l}", x, w, b), bn))
    w, b = frozen.out
    g.gemm(f"fc{len(frozen.layers) + 1}", x, w, b, out="output")
    n_in, n_out = frozen.arch.widths[0], frozen.arch.widths[-1]
    graph = helper.make_graph(g.nodes, frozen.arch.name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, n_in])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, n_out])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="benchmarks/bnn/train.py")
    onnx.checker.check_model(model)
    return model


def onnxruntime_logits(path, xs):
    """onnxruntime's logits for every row of xs (one [1, 784] run each)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    return np.stack([sess.run(["output"], {"input": x.reshape(1, -1)})[0].reshape(-1) for x in xs])


def main():
    names = sys.argv[1:] or list(ARCHITECTURES)
    for name in names:
        if name not in ARCHITECTURES:
            sys.exit(f"unknown model {name!r}; choose from {', '.join(ARCHITECTURES)}")
    (train_levels, train_y), (test_levels, test_y, _) = mnist.split()
    train_x, test_x = mnist.pixels(train_levels), mnist.pixels(test_levels)
    os.makedirs(MODELS, exist_ok=True)
    for name in names:
        arch = ARCHITECTURES[name]
        print(f"training {name} {'-'.join(map(str, arch.widths))} "
              f"({'ternary' if arch.ternary else 'binary'} weights, {arch.epochs} epochs)", flush=True)
        frozen, seconds = train(arch, train_x, train_y, test_x, test_y)
        path = os.path.join(MODELS, f"{name}.onnx")
        onnx.save(export(frozen), path)
        numpy_pred = frozen.forward(test_x).argmax(1)
        ort_pred = onnxruntime_logits(path, test_x).argmax(1)
        disagree = int((numpy_pred != ort_pred).sum())
        acc = (ort_pred == test_y).mean()
        print(f"{name}: {os.path.relpath(path, HERE)} ({os.path.getsize(path)} bytes), "
              f"trained in {seconds[0]:.0f} s CPU ({seconds[1]:.0f} s wall); onnxruntime test accuracy {100 * acc:.2f}% "
              f"on {len(test_y)} held-out digits; numpy and onnxruntime disagree on {disagree}")
        weights = [w for w, _, _ in frozen.layers] + [frozen.out[0]]
        zeros = sum(int((w == 0).sum()) for w in weights) / sum(w.size for w in weights)
        print(f"{name}: {100 * zeros:.1f}% of the weights are 0")
        if disagree:
            sys.exit(f"{name}: the exported model does not compute what was trained")


if __name__ == "__main__":
    main()
