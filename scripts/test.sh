#!/usr/bin/env bash
# The one test command: system packages, a Python venv for the end-to-end tools, the Swift build,
# Swift unit + integration tests, the end-to-end tests (pytest) against the built `gust`, then
# every fuzz target for a short time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# (a) System packages the runtimes and tests use.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
# wasi-libc and libclang-rt-dev-wasm32: the sysroot and builtins the wasm examples build with;
# libseccomp-dev: the sandbox's syscall filter (a build dependency); passt: pasta, the sandbox's
# outbound network.
for pkg in bubblewrap libseccomp-dev passt curl zip unzip make wasi-libc libclang-rt-dev-wasm32; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# pip for the interpreter functions run on (not a venv's): `gust deploy` installs requirements.txt
# with it (Tests/e2e/test_log_cleaning.py).
"$(python3 -c 'import sys; print(getattr(sys, "_base_executable", "") or sys.executable)')" -m pip --version >/dev/null 2>&1 \
  || missing+=(python3-pip)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# The wasm examples need a clang with the WebAssembly target and wasm-ld: Swift's toolchain has
# both; elsewhere Debian's clang and lld do.
if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
  echo "==> apt-get install clang lld (for the wasm examples)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang lld
  command -v wasm-ld >/dev/null 2>&1 || export PATH="$PATH:$(ls -d /usr/lib/llvm-*/bin | tail -1)"
fi

# (b) A venv with boto3, awscli, pytest and requests, made from the real interpreter (not a shim),
# and Pillow, with which test_image_pipeline.py makes and reads images.
PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
VENV="$PWD/.venv-test"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV with $PYTHON"
  if ! "$PYTHON" -m venv "$VENV"; then  # a Debian python3 needs python3-venv
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    rm -rf "$VENV" && "$PYTHON" -m venv "$VENV"
  fi
fi
if ! "$VENV/bin/python" -c 'import boto3, awscli, pytest, requests, PIL' >/dev/null 2>&1; then
  echo "==> pip install boto3 awscli pytest requests pillow"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check boto3 awscli pytest requests pillow
fi

# The runtime's boto3 for python3.x functions (docs/runtimes.md), installed as the run script
# does; the e2e tests' servers find it through GUST_PYTHON_PACKAGES. Under /tmp, not the clone:
# the sandbox shows the directory at its own path, and a path under the clone would show the
# host's layout above it (`/work`, `/home`), which test_hostile.py checks is hidden.
export GUST_PYTHON_PACKAGES="${TMPDIR:-/tmp}/gust-python-packages-$(id -u)"
if [ ! -f "$GUST_PYTHON_PACKAGES/boto3/__init__.py" ]; then
  echo "==> pip install --target $GUST_PYTHON_PACKAGES boto3"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --target "$GUST_PYTHON_PACKAGES" boto3
fi

# (c) Swift build, unit and integration tests.
export SWIFT_DETERMINISTIC_HASHING=1
echo "==> swift build"
swift build
status=0
echo "==> swift test"
swift test || status=1

# (d) End-to-end tests, with the venv's `aws` first on PATH.
echo "==> pytest Tests/e2e"
PATH="$VENV/bin:$PATH" GUST_BIN="${GUST_BIN:-$PWD/.build/debug/gust}" PYTHONDONTWRITEBYTECODE=1 \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider Tests/e2e || status=1

# (e) Every fuzz target for a short fixed time (docs/fuzzing.md): a crash fails the run.
echo "==> scripts/fuzz.sh all ${GUST_FUZZ_SECONDS:-20}"
scripts/fuzz.sh all "${GUST_FUZZ_SECONDS:-20}" || status=1

if [ "$status" -ne 0 ]; then
  echo "==> FAILED"
fi
exit "$status"
