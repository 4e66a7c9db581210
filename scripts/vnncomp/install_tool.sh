#!/usr/bin/env bash
# VNN-COMP install_tool.sh: install vera's system dependencies and build it.
# Usage (as VNN-COMP calls it): install_tool.sh v1
set -euo pipefail
VERSION="${1:-}"
[[ "$VERSION" == "v1" ]] || { echo "expected version string v1, got '$VERSION'" >&2; exit 1; }
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
"$REPO_ROOT/scripts/setup.sh"
