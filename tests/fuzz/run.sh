#!/usr/bin/env bash
# A short fuzz run of gradc's pipeline in the test command (60 s; the long
# campaign is `bash scripts/fuzz.sh 3600`). Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
src=$(realpath "$2") build=$(realpath "$3")
if FUZZ_DIR="$build/fuzz" bash "$src/scripts/fuzz.sh" "${GRADC_FUZZ_SECONDS:-60}" >"$build/fuzz.log" 2>&1; then
  tail -1 "$build/fuzz.log"
  echo "fuzz: 1 passed, 0 failed"
else
  tail -30 "$build/fuzz.log"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
