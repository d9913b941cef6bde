#!/usr/bin/env bash
# Runs one libFuzzer target, or every one in turn (for CI).
#   scripts/fuzz.sh TARGET SECONDS   one target (json, sigv4, route-table, jwt, apigw, runtime-api, manifest, sqs)
#   scripts/fuzz.sh all SECONDS      every target, SECONDS each; fails on the first crash
# Needs the debug build (`swift build`): Fuzz/build.py recompiles only the modules under test
# with -sanitize=fuzzer,address. The seed corpus is Fuzz/Corpus/TARGET (read only); what the
# fuzzer finds goes to .build/fuzz/corpus/TARGET, crashes to .build/fuzz/crashes/.
# A crash: minimise it, add it as a Swift Testing regression test, then fix it (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(json sigv4 route-table jwt apigw runtime-api manifest sqs s3)
target=${1:?usage: scripts/fuzz.sh TARGET|all SECONDS}
seconds=${2:-30}
if [ "$target" = all ]; then
    for t in "${TARGETS[@]}"; do "$0" "$t" "$seconds"; done
    exit 0
fi
# FUZZ_NO_BUILD=1 runs the binary built last (long runs while the tree changes).
if [ "${FUZZ_NO_BUILD:-}" = 1 ]; then
    binary=.build/fuzz/bin/$target
else
    [ -f .build/debug.yaml ] || SWIFT_DETERMINISTIC_HASHING=1 swift build
    binary=$(python3 Fuzz/build.py "$target" | tail -1)
fi
mkdir -p ".build/fuzz/corpus/$target" .build/fuzz/crashes
extra=()
# NIO's EmbeddedChannel keeps its core (and its loop's promise records) past `finish` in a
# debug build: LeakSanitizer reports it for every input. Memory errors are still caught.
if [ "$target" = runtime-api ]; then extra+=(-detect_leaks=0); export ASAN_OPTIONS=detect_leaks=0; fi
# FoundationXML's own leak per malformed document (Fuzz/lsan-s3.supp); any other leak still fails.
if [ "$target" = s3 ]; then export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-s3.supp"; fi
# libFuzzer reports crashes itself; Swift's backtracer would hold the terminal for 30 s.
export SWIFT_BACKTRACE=enable=no
# -rss_limit_mb: ASan plus Foundation run near libFuzzer's 2 GB default on long runs.
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=".build/fuzz/crashes/$target-" ${extra[@]+"${extra[@]}"} ".build/fuzz/corpus/$target" "Fuzz/Corpus/$target" \
    2> >(tee ".build/fuzz/$target.log" | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::|==[0-9]+==|SUMMARY|INFO: seed)" >&2)
