#!/usr/bin/env bash
# compare-peers.sh: run Marabou and vera on the same 20 ACAS Xu instances (benchmarks/run.py's
# peers20 subset: props 1-4 on nets 1_1, 2_5, 5_9; prop 2 on 3_3 and 4_2; props 5-10 on their
# nets) with a cap of 60 s per instance and tool, and print both side by side: per instance each
# tool's verdict and wall time, then solved / wrong / unknown / median / total per tool and the
# ratio of vera's total time to Marabou's. Wrong answers of either tool are flagged (exit 1).
#
# Usage (after scripts/setup.sh && scripts/fetch-benchmarks.sh):
#     scripts/compare-peers.sh [--timeout S] [--limit N] [--filter SUBSTR] [--vera PATH]
#                              [--engine X] [--csv PATH]
#
# Marabou is the maraboupy wheel from PyPI, pinned to MARABOU_VERSION below, installed on first
# use into benchmarks/peers/venv (git-ignored) with Python 3.11 (PEERS_PYTHON overrides; the
# wheel needs 3.8-3.12). It runs with Marabou's default options through its own command line
# (ONNX and VNN-LIB read by Marabou's C++ parsers): scripts/peers/marabou_run.py. Both tools'
# wall times are measured around their processes, start-up included (scripts/peers/compare.py).
# Results go to benchmarks/results/peers20-TIMESTAMP.csv, Marabou's logs beside it.
# One instance at a time: the whole run takes up to 20 x 2 x 60 s; use --limit and a short
# --timeout for a quick check.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MARABOU_VERSION="2.0.0"
VENV="$REPO_ROOT/benchmarks/peers/venv"
PEERS_PYTHON="${PEERS_PYTHON:-}"

die() { echo "compare-peers: error: $*" >&2; exit 1; }
note() { echo "compare-peers: $*" >&2; }

marabou_ready() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" - "$MARABOU_VERSION" 2> /dev/null << 'EOF'
import importlib.metadata, sys
assert importlib.metadata.version("maraboupy") == sys.argv[1]
import maraboupy.MarabouCore
EOF
}

pick_python() { # a Python the maraboupy wheel supports (3.8-3.12), 3.11 first
    local p
    for p in $PEERS_PYTHON python3.11 python3 python3.12 python3.10; do
        command -v "$p" > /dev/null || continue
        if "$p" -c 'import sys; sys.exit(not ((3, 8) <= sys.version_info[:2] <= (3, 12)))'; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

install_marabou() {
    local py
    py="$(pick_python)" || die "no Python 3.8-3.12 found (maraboupy $MARABOU_VERSION has wheels for those); install python3.11 or set PEERS_PYTHON"
    note "installing maraboupy==$MARABOU_VERSION into $VENV (with $py, $("$py" --version 2>&1))"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || {
        rm -rf "$VENV"
        die "'$py -m venv' failed; on Debian install the venv module: apt-get install python3-venv"
    }
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "maraboupy==$MARABOU_VERSION"; then
        rm -rf "$VENV"
        die "pip could not install maraboupy==$MARABOU_VERSION from PyPI (pip's message is above). The first run needs access to PyPI (or a mirror in PIP_INDEX_URL); later runs reuse $VENV."
    fi
    marabou_ready || die "maraboupy==$MARABOU_VERSION installed but 'import maraboupy.MarabouCore' fails in $VENV"
}

for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
        exec python3 "$REPO_ROOT/scripts/peers/compare.py" --help
    fi
done

[[ -d "$REPO_ROOT/benchmarks/acasxu" ]] || die "benchmarks/acasxu is missing: run scripts/fetch-benchmarks.sh"
marabou_ready || install_marabou
exec python3 "$REPO_ROOT/scripts/peers/compare.py" --marabou-python "$VENV/bin/python" "$@"
