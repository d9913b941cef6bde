#!/usr/bin/env bash
# The README's run command: build Gust, start `gust serve` on embedded storage (./.gust), deploy
# every example app, and keep serving in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SWIFT_DETERMINISTIC_HASHING=1

if ! command -v bwrap >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  echo "==> installing bubblewrap and curl (instance sandbox, the shell example)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap curl
fi

echo "==> swift build (the first build takes a few minutes)"
swift build --product gust
GUST="$PWD/.build/debug/gust"
PORT="${GUST_PORT:-9000}"
export GUST_DATA_DIR="${GUST_DATA_DIR:-$PWD/.gust}"
export GUST_ENDPOINT="http://127.0.0.1:$PORT"

"$GUST" serve --port "$PORT" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fs "$GUST_ENDPOINT/gust/v1/health" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "gust serve exited"; exit 1; }
  sleep 0.1
done

for app in examples/*/; do
  [ -f "$app/gust.yaml" ] && "$GUST" deploy "$app"
done
"$GUST" ls
echo
echo "Gust is serving on $GUST_ENDPOINT (data in $GUST_DATA_DIR). Try, in another shell:"
echo "  export GUST_DATA_DIR=$GUST_DATA_DIR GUST_ENDPOINT=$GUST_ENDPOINT"
echo "  $GUST invoke hello-python --payload '{\"name\": \"Ada\"}'"
echo "  $GUST logs hello-python"
echo "Ctrl-C stops the server."
wait $SERVER
