#!/usr/bin/env bash
# Regression tests: gradcheck cases named after the issue that found them.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
exec bash "$2/tests/gradcheck/run.sh" "$1" "$2" "$3" "$2"/tests/regress/*.c
