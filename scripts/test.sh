#!/usr/bin/env bash
# test.sh [CMAKE_ARGS...]: build (build.sh) and run every test suite with
# ctest. The exit status is non-zero if the build or any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2
# the same suites with the tool and runtime built under AddressSanitizer and
# UBSan (fuzzing already runs sanitized above)
bash scripts/sanitize.sh -E '^fuzz$'
