#!/usr/bin/env bash
# fetch-benchmarks.sh: fill benchmarks/acasxu/ and benchmarks/vnncomp-test/ with the public
# benchmark files that vera's tests and benchmark runs use. These files are not committed
# (see benchmarks/.gitignore).
#
#   benchmarks/acasxu/onnx/ACASXU_run2a_{1..5}_{1..9}_batch_2000.onnx   45 ACAS Xu networks
#   benchmarks/acasxu/nnet/ACASXU_run2a_{1..5}_{1..9}_batch_2000.nnet   the same, .nnet format
#   benchmarks/acasxu/vnnlib/prop_{1..10}.vnnlib                        the 10 properties
#   benchmarks/acasxu/instances.csv    onnx/NAME.onnx,vnnlib/prop_K.vnnlib,TIMEOUT (186, no header)
#   benchmarks/acasxu/expected.csv     onnx,vnnlib,expected (sat/unsat; from benchmarks/expected/)
#   benchmarks/vnncomp-test/           VNN-COMP smoke tests (test_nano, test_tiny, test_small,
#                                      test_sat, test_unsat, test_instances.csv)
#
# Sources:
#   - if ../shared/benchmarks (relative to the repo root) exists, the files are copied from it;
#   - otherwise they are downloaded with curl from raw.githubusercontent.com:
#       stanleybak/vnncomp2021   benchmarks/acasxu/ (ONNX, vnnlib, acasxu_instances.csv, all at
#                                the folder's top level) and benchmarks/test/
#       guykatzz/ReluplexCav2017 nnet/ (the .nnet files)
#     pinned to the commits below; expected.csv is installed from benchmarks/expected/acasxu.csv.
#   Set VERA_BENCHMARKS_SOURCE=copy or =download to force a mode (default: auto), and
#   VERA_BENCHMARKS_RAW_BASE to download from a mirror of raw.githubusercontent.com.
#
# Idempotent and non-interactive: files already present are kept (delete benchmarks/acasxu or
# benchmarks/vnncomp-test to fetch afresh). Ends by checking the counts, prints a one-line summary
# and exits non-zero if anything is missing. Runnable from any working directory.
#
# Usage: scripts/fetch-benchmarks.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
BENCH="$REPO_ROOT/benchmarks"
ACAS="$BENCH/acasxu"
SMOKE="$BENCH/vnncomp-test"
EXPECTED_COMMITTED="$BENCH/expected/acasxu.csv"
SHARED="$(dirname "$REPO_ROOT")/shared/benchmarks"  # i.e. ../shared/benchmarks

# Upstream sources (download mode), pinned to the commits the files were checked against (the
# heads of vnncomp2021 main, 2021-07-16, and ReluplexCav2017 master, 2020-07-08; the downloaded
# files are byte-identical to the shared copies). Override with VNNCOMP2021_REF / RELUPLEX_REF.
VNNCOMP2021_REPO="stanleybak/vnncomp2021"
VNNCOMP2021_REF="${VNNCOMP2021_REF:-90419aadcf06cf543ce5c1706cae1059dc9fa6cf}"
RELUPLEX_REPO="guykatzz/ReluplexCav2017"
RELUPLEX_REF="${RELUPLEX_REF:-60b482eec832c891cb59c0966c9821e40051c082}"
RAW="${VERA_BENCHMARKS_RAW_BASE:-https://raw.githubusercontent.com}"  # override: a mirror / local test server

N_ONNX=45 N_NNET=45 N_VNNLIB=10 N_INSTANCES=186
SMOKE_FILES=(test_instances.csv test_nano.onnx test_nano.vnnlib test_tiny.onnx test_tiny.vnnlib
             test_small.onnx test_small.vnnlib test_sat.onnx test_unsat.onnx test_prop.vnnlib)

die() { echo "fetch-benchmarks: error: $*" >&2; exit 1; }
note() { echo "fetch-benchmarks: $*" >&2; }

net_names() { # ACASXU_run2a_1_1_batch_2000 ... ACASXU_run2a_5_9_batch_2000
    local a t
    for a in 1 2 3 4 5; do for t in 1 2 3 4 5 6 7 8 9; do
        echo "ACASXU_run2a_${a}_${t}_batch_2000"
    done; done
}

count_files() { # DIR GLOB: number of non-empty regular files matching
    local n=0 f
    for f in "$1"/$2; do [[ -f "$f" && -s "$f" ]] && n=$((n + 1)); done
    echo "$n"
}

count_lines() { # FILE: number of non-empty lines (0 if missing)
    if [[ -f "$1" ]]; then grep -c . "$1" || true; else echo 0; fi
}

# --- state checks -------------------------------------------------------------------------------

missing_list() { # prints every missing or empty required file, one per line
    local n k f
    while read -r n; do
        [[ -s "$ACAS/onnx/$n.onnx" ]] || echo "acasxu/onnx/$n.onnx"
        [[ -s "$ACAS/nnet/$n.nnet" ]] || echo "acasxu/nnet/$n.nnet"
    done < <(net_names)
    for k in $(seq 1 $N_VNNLIB); do
        [[ -s "$ACAS/vnnlib/prop_$k.vnnlib" ]] || echo "acasxu/vnnlib/prop_$k.vnnlib"
    done
    [[ -s "$ACAS/instances.csv" ]] || echo "acasxu/instances.csv"
    [[ -s "$ACAS/expected.csv" ]] || echo "acasxu/expected.csv"
    for f in "${SMOKE_FILES[@]}"; do [[ -s "$SMOKE/$f" ]] || echo "vnncomp-test/$f"; done
}

verify() { # MODE: check counts and cross-references, print the summary, return 1 on problems
    local mode="$1" problems=() n_onnx n_nnet n_vnnlib n_inst n_exp onnx vnnlib rest
    n_onnx=$(count_files "$ACAS/onnx" 'ACASXU_run2a_*_batch_2000.onnx')
    n_nnet=$(count_files "$ACAS/nnet" 'ACASXU_run2a_*_batch_2000.nnet')
    n_vnnlib=$(count_files "$ACAS/vnnlib" 'prop_*.vnnlib')
    n_inst=$(count_lines "$ACAS/instances.csv")
    n_exp=$(count_lines "$ACAS/expected.csv"); n_exp=$((n_exp > 0 ? n_exp - 1 : 0))
    [[ $n_onnx == "$N_ONNX" ]] || problems+=("$n_onnx/$N_ONNX onnx")
    [[ $n_nnet == "$N_NNET" ]] || problems+=("$n_nnet/$N_NNET nnet")
    [[ $n_vnnlib == "$N_VNNLIB" ]] || problems+=("$n_vnnlib/$N_VNNLIB vnnlib")
    [[ $n_inst == "$N_INSTANCES" ]] || problems+=("$n_inst/$N_INSTANCES instances")
    [[ $n_exp == "$N_INSTANCES" ]] || problems+=("$n_exp/$N_INSTANCES expected")
    if [[ -f "$ACAS/expected.csv" ]] && [[ "$(head -n1 "$ACAS/expected.csv")" != "onnx,vnnlib,expected" ]]; then
        problems+=("expected.csv header")
    fi
    if [[ -f "$ACAS/instances.csv" ]]; then
        while IFS=, read -r onnx vnnlib rest; do
            [[ -n "$onnx" ]] || continue
            [[ -s "$ACAS/$onnx" && -s "$ACAS/$vnnlib" ]] || { problems+=("instance $onnx,$vnnlib"); break; }
        done < "$ACAS/instances.csv"
    fi
    local m
    m=$(missing_list | wc -l)
    [[ $m == 0 ]] || problems+=("$m required files missing, e.g. $(missing_list | head -n1)")

    local summary="acasxu: $n_onnx onnx, $n_nnet nnet, $n_vnnlib vnnlib, $n_inst instances, $n_exp expected; vnncomp-test: $(count_files "$SMOKE" '*.onnx') onnx, $(count_files "$SMOKE" '*.vnnlib') vnnlib"
    if ((${#problems[@]})); then
        echo "benchmarks INCOMPLETE ($mode) in $BENCH: $summary; problems: $(IFS=';'; echo "${problems[*]}")"
        return 1
    fi
    echo "benchmarks OK ($mode) in $BENCH: $summary"
}

# --- copy mode ----------------------------------------------------------------------------------

copy_one() { # SRC DEST: copy unless DEST exists; result is a user-writable regular file
    local src="$1" dest="$2"
    [[ -s "$dest" ]] && return 0
    [[ -f "$src" ]] || die "missing in shared folder: $src"
    mkdir -p "$(dirname "$dest")"
    cp -- "$src" "$dest.part"   # plain cp: a real copy, never a hard link
    chmod u+w "$dest.part"
    mv -f -- "$dest.part" "$dest"
}

copy_all() {
    local s="$SHARED" n k f
    note "copying from $(cd "$s" && pwd -P)"
    while read -r n; do
        copy_one "$s/acasxu/onnx/$n.onnx" "$ACAS/onnx/$n.onnx"
        copy_one "$s/acasxu/nnet/$n.nnet" "$ACAS/nnet/$n.nnet"
    done < <(net_names)
    for k in $(seq 1 $N_VNNLIB); do
        copy_one "$s/acasxu/vnnlib/prop_$k.vnnlib" "$ACAS/vnnlib/prop_$k.vnnlib"
    done
    copy_one "$s/acasxu/instances.csv" "$ACAS/instances.csv"
    copy_one "$s/acasxu/expected.csv" "$ACAS/expected.csv"
    # everything in the smoke-test folder (the required files plus e.g. SOURCE-README.md)
    for f in "$s/vnncomp-test/"*; do
        [[ -f "$f" ]] && copy_one "$f" "$SMOKE/$(basename "$f")"
    done
    chmod -R u+w "$ACAS" "$SMOKE"
    if [[ -f "$EXPECTED_COMMITTED" ]] && ! cmp -s "$s/acasxu/expected.csv" "$EXPECTED_COMMITTED"; then
        note "warning: $s/acasxu/expected.csv differs from the committed $EXPECTED_COMMITTED"
    fi
}

# --- download mode ------------------------------------------------------------------------------

CURL=(curl --fail --silent --show-error --location --retry 3 --retry-delay 2
      --connect-timeout 20 --max-time 300)

CURL_ERR=""
fetch_url() { # URL OUT: download URL to OUT; returns curl's exit code, its message in CURL_ERR
    local rc=0
    CURL_ERR="$("${CURL[@]}" --output "$2" "$1" 2>&1)" || rc=$?
    return $rc
}

download_one() { # URL DEST: download unless DEST exists; falls back to URL.gz (gunzipped)
    local url="$1" dest="$2" rc=0
    [[ -s "$dest" ]] && return 0
    mkdir -p "$(dirname "$dest")"
    fetch_url "$url" "$dest.part" || rc=$?
    if ((rc == 22)); then # HTTP error such as 404: the upstream may store the file gzipped
        rc=0
        fetch_url "$url.gz" "$dest.part.gz" || rc=$?
        if ((rc == 0)); then
            gzip -dc -- "$dest.part.gz" > "$dest.part" || die "cannot gunzip $url.gz"
            rm -f -- "$dest.part.gz"
        else
            rm -f -- "$dest.part.gz" "$dest.part"
            ((rc == 22)) && die "download failed: $url (and $url.gz): ${CURL_ERR##*$'\n'}
  The file is not (or no longer) at that place upstream; check the pinned commit in $0."
        fi
    fi
    if ((rc != 0)); then
        rm -f -- "$dest.part"
        die "download failed: $url
  curl exit code $rc: ${CURL_ERR##*$'\n'}
  Download mode needs network access to ${RAW#*://}.
  Either allow that, or provide a local copy of the benchmarks at $SHARED
  (layout: acasxu/{onnx,nnet,vnnlib}/, acasxu/instances.csv, acasxu/expected.csv, vnncomp-test/)."
    fi
    [[ -s "$dest.part" ]] || { rm -f -- "$dest.part"; die "downloaded an empty file: $url"; }
    mv -f -- "$dest.part" "$dest"
}

download_all() {
    command -v curl > /dev/null || die "curl is required in download mode"
    local v="$RAW/$VNNCOMP2021_REPO/$VNNCOMP2021_REF/benchmarks"
    local r="$RAW/$RELUPLEX_REPO/$RELUPLEX_REF/nnet"
    local n k f tmp
    note "downloading from $RAW/{$VNNCOMP2021_REPO,$RELUPLEX_REPO}"
    # Fail early with one clear message if GitHub cannot be reached at all.
    download_one "$v/acasxu/prop_1.vnnlib" "$ACAS/vnnlib/prop_1.vnnlib"
    while read -r n; do
        download_one "$v/acasxu/$n.onnx" "$ACAS/onnx/$n.onnx"
        download_one "$r/$n.nnet" "$ACAS/nnet/$n.nnet"
    done < <(net_names)
    for k in $(seq 1 $N_VNNLIB); do
        download_one "$v/acasxu/prop_$k.vnnlib" "$ACAS/vnnlib/prop_$k.vnnlib"
    done
    if [[ ! -s "$ACAS/instances.csv" ]]; then
        # upstream: acasxu_instances.csv with bare names (NAME.onnx,prop_K.vnnlib,116);
        # rewrite to onnx/NAME.onnx,vnnlib/prop_K.vnnlib,116
        tmp="$ACAS/acasxu_instances.csv.upstream"
        download_one "$v/acasxu/acasxu_instances.csv" "$tmp"
        tr -d '\r' < "$tmp" | grep . \
            | sed -E 's#^([^,]*/)?([^,/]+),([^,]*/)?([^,/]+),#onnx/\2,vnnlib/\4,#' \
            > "$ACAS/instances.csv.part"
        mv -f -- "$ACAS/instances.csv.part" "$ACAS/instances.csv"
        rm -f -- "$tmp"
    fi
    if [[ ! -s "$ACAS/expected.csv" ]]; then
        [[ -f "$EXPECTED_COMMITTED" ]] || die "missing committed file $EXPECTED_COMMITTED"
        cp -- "$EXPECTED_COMMITTED" "$ACAS/expected.csv"
        chmod u+w "$ACAS/expected.csv"
    fi
    for f in "${SMOKE_FILES[@]}"; do
        download_one "$v/test/$f" "$SMOKE/$f"
    done
    download_one "$v/test/README.md" "$SMOKE/SOURCE-README.md"
}

# --- main ---------------------------------------------------------------------------------------

mode="${VERA_BENCHMARKS_SOURCE:-auto}"
case "$mode" in
    auto) if [[ -d "$SHARED" ]]; then mode=copy; else mode=download; fi ;;
    copy) [[ -d "$SHARED" ]] || die "VERA_BENCHMARKS_SOURCE=copy but $SHARED does not exist" ;;
    download) ;;
    *) die "VERA_BENCHMARKS_SOURCE must be auto, copy or download (got '$mode')" ;;
esac

if [[ -z "$(missing_list)" ]] && verify "already present" > /dev/null; then
    verify "already present"
    exit 0
fi

mkdir -p "$ACAS" "$SMOKE"
case "$mode" in
    copy) copy_all ;;
    download) download_all ;;
esac
verify "$mode"
