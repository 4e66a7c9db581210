#!/usr/bin/env bash
# setup.sh: prepare a fresh Debian 12 machine to build and test vera, then build it.
#
# Installs the system packages vera needs that Debian 12 lacks (Z3 and libclang, for the Z3
# backend's bindings; pkg-config and a C toolchain for -sys crates), checks for a Rust
# toolchain, and builds the release binary target/release/vera. Idempotent and
# non-interactive: packages already installed are not touched, so a second run only rebuilds.
#
# Usage: scripts/setup.sh
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PACKAGES=(build-essential pkg-config libz3-dev libclang-dev)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "setup: system packages present (${PACKAGES[*]})" >&2
fi

if ! command -v cargo > /dev/null; then
    echo "setup: error: no Rust toolchain (cargo) found; install one with rustup (https://rustup.rs)" >&2
    exit 1
fi
echo "setup: $(cargo --version)" >&2

cd "$REPO_ROOT"
cargo build --release --locked
echo "setup: built $REPO_ROOT/target/release/vera" >&2
