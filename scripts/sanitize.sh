#!/usr/bin/env bash
# sanitize.sh [CTEST_ARGS...]: build gradc, the runtime and the tests with
# AddressSanitizer and UndefinedBehaviorSanitizer (-DGRADC_SANITIZE=ON) into
# $SAN_BUILD_DIR (default build-san/) and run the ctest suite there. Every
# program the suites build from the tree then runs under the sanitizers: the
# tool itself on every input (including tests/reliability's extreme ones), the
# runtime under the unit tests and gradcheck programs. Tests that cannot run
# under ASan are not registered in a sanitized build (valgrind, install).
# The exit status is non-zero if the build or any test fails.
#   GRADC_DIFFTEST_COUNT   random programs for tests/difftest (default here 14)
#   GRADC_TIME_SCALE       slack for tests/reliability's time bounds (default 5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${SAN_BUILD_DIR:-build-san}
start=$(date +%s)
cmake -S . -B "$build_dir" -DGRADC_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j2
built=$(date +%s)

export GRADC_DIFFTEST_COUNT=${GRADC_DIFFTEST_COUNT:-14}
export GRADC_TIME_SCALE=${GRADC_TIME_SCALE:-5}
# Halt on the first error and report leaks. A small quarantine (freed
# blocks ASan holds back to catch uses after free): with the default 256 MB
# the resident size of a long run grows by hundreds of MB, which
# tests/gradcheck's tape case (maxrss stays flat over a million calls)
# rightly reports; 2 MB still catches a use right after a free.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:quarantine_size_mb=2}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The suites compile generated code and link it with the sanitized runtime:
# their gcc and clang-19 add the sanitizer flags (wrappers first in PATH), so
# that the test programs run under ASan and UBSan too.
wrap=$PWD/$build_dir/sanitize-bin
mkdir -p "$wrap"
for cc in gcc cc clang-19; do
  real=$(PATH=${PATH#"$wrap:"} command -v "$cc") || continue
  printf '#!/bin/sh\nexec %s "$@" -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer\n' \
    "$real" >"$wrap/$cc"
  chmod +x "$wrap/$cc"
done
export PATH=$wrap:$PATH GRADC_SAN_WRAPPED=1
status=0
ctest --test-dir "$build_dir" --output-on-failure -j2 -LE valgrind "$@" || status=$?
end=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s, exit status $status"
exit "$status"
