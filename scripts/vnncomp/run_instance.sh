#!/usr/bin/env bash
# VNN-COMP run_instance.sh: decide one instance and write the result file.
# Usage (as VNN-COMP calls it): run_instance.sh v1 CATEGORY ONNX_FILE VNNLIB_FILE RESULTS_FILE TIMEOUT
set -euo pipefail
VERSION="${1:-}" CATEGORY="${2:-}" ONNX="${3:-}" VNNLIB="${4:-}" RESULT="${5:-}" TIMEOUT="${6:-}"
[[ "$VERSION" == "v1" ]] || { echo "expected version string v1, got '$VERSION'" >&2; exit 1; }
[[ -n "$RESULT" && -n "$TIMEOUT" ]] || { echo "usage: run_instance.sh v1 CATEGORY ONNX VNNLIB RESULT TIMEOUT" >&2; exit 1; }
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
echo "run_instance: $CATEGORY $(basename "$ONNX") $(basename "$VNNLIB") timeout $TIMEOUT" >&2
exec "$REPO_ROOT/target/release/vera" vnncomp run "$ONNX" "$VNNLIB" "$RESULT" "$TIMEOUT"
