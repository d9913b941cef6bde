#!/usr/bin/env bash
# Runs the benchmarks: installs wrk, hyperfine and gcc if missing, builds a release `gust`, and
# appends dated results to BENCHMARKS.md. Uses the test venv (scripts/test.sh creates it).
#   Benchmarks/run.sh          process runtimes (Python, provided)
#   Benchmarks/run.sh wasm     the wasm runtime (needs the toolchain scripts/test.sh installs)
#   Benchmarks/run.sh sandbox  the hardened sandbox against the pre-hardening profile and none
#   Benchmarks/run.sh mapping  SQS event source mapping: send -> handler start, against Invoke
#   Benchmarks/run.sh sqs      SQS throughput and long-poll wake-up against moto_server and raw SQLite
#                              (its own venv, .venv-bench, with moto[server]; GUST_SCRATCH_PATH picks the
#                              build directory, default .build; extra arguments go to bench_sqs.py)
#   Benchmarks/run.sh s3       S3 GET/PUT of 4 KiB and 64 MiB objects against nginx, moto_server and dd+fsync,
#                              and memory during a 1 GiB upload (installs nginx, wrk and curl if missing; the same
#                              venv, GUST_SCRATCH_PATH and extra arguments as sqs, which go to bench_s3.py)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SWIFT_DETERMINISTIC_HASHING=1
if [ "${1:-}" = sqs ] || [ "${1:-}" = s3 ]; then
  if [ "$1" = s3 ]; then
    missing=()
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    for pkg in wrk curl; do command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    if [ "${#missing[@]}" -gt 0 ]; then
      SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
  fi
  VENV="$PWD/.venv-bench"
  if [ ! -x "$VENV/bin/python" ]; then
    "$(python3 -c 'import sys; print(sys.executable)')" -m venv "$VENV"
  fi
  "$VENV/bin/python" -c 'import boto3, requests, moto' 2>/dev/null || "$VENV/bin/python" -m pip install -q boto3 requests 'moto[server]==5.2.5'
  SCRATCH="${GUST_SCRATCH_PATH:-.build}"
  case "$SCRATCH" in /*) ;; *) SCRATCH="$PWD/$SCRATCH" ;; esac
  swift build -c release --scratch-path "$SCRATCH"
  exec "$VENV/bin/python" "Benchmarks/bench_$1.py" "$SCRATCH/release/gust" "${@:2}"
fi
missing=()
for pkg in wrk hyperfine gcc bubblewrap; do
  command -v "$pkg" >/dev/null 2>&1 || { [ "$pkg" = bubblewrap ] && command -v bwrap >/dev/null 2>&1; } || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
VENV="$PWD/.venv-test"
if [ ! -x "$VENV/bin/python" ]; then
  "$(python3 -c 'import sys; print(sys.executable)')" -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import boto3, requests' 2>/dev/null || "$VENV/bin/python" -m pip install -q boto3 requests
swift build -c release --product gust
swift build -c release --product gust-bench
if [ "${1:-}" = sandbox ]; then
  exec "$VENV/bin/python" Benchmarks/bench_sandbox.py "$PWD/.build/release/gust"
fi
if [ "${1:-}" = mapping ]; then
  exec "$VENV/bin/python" Benchmarks/bench_mapping.py "$PWD/.build/release/gust"
fi
if [ "${1:-}" = wasm ]; then
  swift build -c release --product hello-hummingbird
  swift build -c release --product hello-nio
  exec "$VENV/bin/python" Benchmarks/bench_wasm.py "$PWD/.build/release/gust"
fi
exec "$VENV/bin/python" Benchmarks/bench.py "$PWD/.build/release/gust"
