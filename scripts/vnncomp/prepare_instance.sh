#!/usr/bin/env bash
# VNN-COMP prepare_instance.sh: check the instance files and stop any vera left running.
# Usage (as VNN-COMP calls it): prepare_instance.sh v1 CATEGORY ONNX_FILE VNNLIB_FILE
set -euo pipefail
VERSION="${1:-}" CATEGORY="${2:-}" ONNX="${3:-}" VNNLIB="${4:-}"
[[ "$VERSION" == "v1" ]] || { echo "expected version string v1, got '$VERSION'" >&2; exit 1; }
for f in "$ONNX" "$VNNLIB"; do
    [[ -f "$f" ]] || { echo "prepare_instance: $f does not exist" >&2; exit 1; }
done
pkill -f "target/release/vera vnncomp" 2> /dev/null || true
echo "prepare_instance: $CATEGORY $(basename "$ONNX") $(basename "$VNNLIB") ready" >&2
