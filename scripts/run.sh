#!/usr/bin/env bash
# The README's run command: build Gust, start `gust serve` on embedded storage (./.gust), deploy
# every example app, and keep serving in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SWIFT_DETERMINISTIC_HASHING=1

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)   # the instance sandbox
dpkg -s libseccomp-dev >/dev/null 2>&1 || missing+=(libseccomp-dev)  # its syscall filter (build)
command -v pasta >/dev/null 2>&1 || missing+=(passt)        # its outbound network (egress)
command -v curl >/dev/null 2>&1 || missing+=(curl)          # the shell example
command -v make >/dev/null 2>&1 || missing+=(make)
# pip, for python3 (boto3 for python functions) and for the interpreter functions run on (`gust
# deploy` installs examples' requirements.txt with it).
{ python3 -m pip --version && "$(python3 -c 'import sys; print(getattr(sys, "_base_executable", "") or sys.executable)')" -m pip --version; } \
  >/dev/null 2>&1 || missing+=(python3-pip)
# The wasm examples: wasi-libc (sysroot) and the wasm32 compiler builtins; clang and wasm-ld
# come with Swift's toolchain, else from Debian's clang and lld.
dpkg -s wasi-libc >/dev/null 2>&1 || missing+=(wasi-libc)
dpkg -s libclang-rt-dev-wasm32 >/dev/null 2>&1 || missing+=(libclang-rt-dev-wasm32)
{ command -v clang >/dev/null 2>&1 && command -v wasm-ld >/dev/null 2>&1; } || missing+=(clang lld)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  command -v wasm-ld >/dev/null 2>&1 || export PATH="$PATH:$(ls -d /usr/lib/llvm-*/bin | tail -1)"
fi

echo "==> swift build (the first build takes a few minutes)"
swift build --product gust
GUST="$PWD/.build/debug/gust"
PORT="${GUST_PORT:-9000}"
export GUST_DATA_DIR="${GUST_DATA_DIR:-$PWD/.gust}"
export GUST_ENDPOINT="http://127.0.0.1:$PORT"

# boto3 for python3.x functions, as Lambda's runtime provides it (docs/runtimes.md); `gust serve`
# finds it in the data directory.
PACKAGES="$GUST_DATA_DIR/runtime/python"
if [ ! -f "$PACKAGES/boto3/__init__.py" ]; then
  echo "==> pip install --target $PACKAGES boto3"
  python3 -m pip install -q --disable-pip-version-check --target "$PACKAGES" boto3
fi

"$GUST" serve --port "$PORT" --http-port "${GUST_HTTP_PORT:-8080}" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fs "$GUST_ENDPOINT/gust/v1/health" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "gust serve exited"; exit 1; }
  sleep 0.1
done

for app in examples/*/; do
  [ -f "$app/Makefile" ] && make -s -C "$app"   # the wasm examples are built from C first
  [ -f "$app/gust.yaml" ] && "$GUST" deploy "$app"
done
"$GUST" ls
echo
echo "Gust is serving on $GUST_ENDPOINT (data in $GUST_DATA_DIR), HTTP routes on http://127.0.0.1:${GUST_HTTP_PORT:-8080}."
echo "Try, in another shell:"
echo "  export GUST_DATA_DIR=$GUST_DATA_DIR GUST_ENDPOINT=$GUST_ENDPOINT"
echo "  $GUST invoke hello-python --payload '{\"name\": \"Ada\"}'"
echo "  $GUST invoke hello-wasm-c --payload '{\"name\": \"Wasm\"}'"
echo "  curl -s localhost:${GUST_HTTP_PORT:-8080}/hello"
echo "  $GUST logs hello-python"
echo "Ctrl-C stops the server."
wait $SERVER
