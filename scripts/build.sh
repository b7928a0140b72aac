#!/usr/bin/env bash
# build.sh [CMAKE_ARGS...]: install missing dependencies (deps.sh), configure
# into $BUILD_DIR (default build/) and build. Idempotent: a second run only
# rebuilds what changed. CMAKE_BUILD_TYPE defaults to RelWithDebInfo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" -j2
