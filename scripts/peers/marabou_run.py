#!/usr/bin/env python3
"""marabou_run.py: decide one ONNX + VNN-LIB instance with Marabou (the maraboupy wheel) and
print one JSON line. Run it with the Python of the venv that holds maraboupy
(benchmarks/peers/venv, made by scripts/compare-peers.sh):

    benchmarks/peers/venv/bin/python scripts/peers/marabou_run.py NET.onnx PROP.vnnlib \
        [--timeout S] [--log PATH]

It does exactly what the wheel's `Marabou` command does (maraboupy.MarabouMain calls
MarabouCore.maraboupyMain with its argv): Marabou's command line with its default options,
reading the network with Marabou's C++ ONNX parser and the property with its C++ VNN-LIB parser,
plus `--timeout S` (whole seconds, rounded up; 0 = none) and `--summary-file`, whose first word
is the result. Marabou's own output goes to --log PATH (default: discarded).

Output: {"verdict": holds|violated|unknown|error, "marabou_result": sat|unsat|TIMEOUT|...,
"marabou_time_s": Marabou's own clock (whole seconds), "reason": ..., "maraboupy": VERSION}.
VNN-LIB describes the unsafe set, so Marabou's sat = violated and unsat = holds.
Exit code 0 whenever a JSON line was printed.
"""
import argparse
import ctypes
import json
import math
import os
import sys
import tempfile

VERDICT_OF_RESULT = {"sat": "violated", "unsat": "holds"}


def maraboupy_version():
    try:
        from importlib.metadata import version

        return version("maraboupy")
    except Exception:  # the version only labels the output
        return "?"


def run_marabou_cli(argv, log_path):
    """Call Marabou's command line in this process with its stdout (C printf) sent to log_path."""
    from maraboupy import MarabouCore

    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    saved = os.dup(1)
    with open(log_path, "w") as log:
        os.dup2(log.fileno(), 1)
        try:
            return MarabouCore.maraboupyMain(argv)
        finally:
            libc.fflush(None)  # Marabou prints with C stdio: flush it before fd 1 goes back
            os.dup2(saved, 1)
            os.close(saved)


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        return lines[-1] if lines else ""
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description="Run Marabou on one ONNX + VNN-LIB instance; print one JSON line.")
    ap.add_argument("network")
    ap.add_argument("property")
    ap.add_argument("--timeout", type=float, default=0.0, help="seconds (rounded up); 0 = no timeout")
    ap.add_argument("--log", help="where Marabou's own output goes (default: discarded)")
    args = ap.parse_args()
    result = {"maraboupy": maraboupy_version()}
    with tempfile.TemporaryDirectory(prefix="marabou-run-") as tmp:
        summary = os.path.join(tmp, "summary.txt")
        log = args.log or os.path.join(tmp, "marabou.log")
        argv = ["Marabou", args.network, args.property, "--timeout", str(math.ceil(args.timeout)),
                "--summary-file", summary]
        try:
            code = run_marabou_cli(argv, log)
        except Exception as e:  # maraboupy raises what Marabou's parsers throw
            result.update(verdict="error", reason=f"{type(e).__name__}: {e}")
            print(json.dumps(result))
            return 0
        words = open(summary).read().split() if os.path.exists(summary) else []
        if not words:
            result.update(verdict="error", reason=f"no summary (exit {code}): {last_line(log) or 'no output'}")
        else:
            result["marabou_result"] = words[0]
            if len(words) > 1 and words[1].isdigit():
                result["marabou_time_s"] = int(words[1])
            verdict = VERDICT_OF_RESULT.get(words[0])
            if verdict:
                result["verdict"] = verdict
            elif words[0] == "ERROR":
                result.update(verdict="error", reason=f"Marabou ERROR: {last_line(log)}")
            else:
                result.update(verdict="unknown", reason=words[0].lower())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
