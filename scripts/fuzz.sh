#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer target over gradc's pipeline (clang-19,
# -fsanitize=fuzzer,address,undefined) and runs it, seeded with every C file
# of the test suite. A finding stops the run and leaves crash-* in build-fuzz/;
# keep the reproducer in tests/regress/ with the fix.
#   bash scripts/fuzz.sh [SECONDS]        default 60; the long campaign: 3600
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
secs=${1:-60}
out=${FUZZ_DIR:-build-fuzz}
mkdir -p "$out/corpus"
res=$(clang-19 -print-resource-dir)
srcs=()
for f in tool/*.c; do [ "$f" = tool/main.c ] || srcs+=("$f"); done
clang-19 -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_POSIX_C_SOURCE=200809L -DGRADC_CLANG_RESOURCE_DIR="\"$res\"" -DGRADC_VERSION_STRING='"fuzz"' \
  -DGRADC_FUZZ_INCLUDE="\"$root/include\"" -Itool -I/usr/lib/llvm-19/include \
  tests/fuzz/fuzz_gradc.c "${srcs[@]}" -L/usr/lib/llvm-19/lib -lclang-19 -lm -o "$out/fuzz_gradc"
# seed corpus: the suite's inputs
find tests samples -name '*.c' -size -64k -exec cp {} "$out/corpus/" \; 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
  "$out/fuzz_gradc" -max_total_time="$secs" -max_len=8192 -timeout=20 -rss_limit_mb=4096 \
  -close_fd_mask=2 -artifact_prefix="$out/" "$out/corpus"
echo "fuzz: ${secs} s without a finding"
