#!/usr/bin/env bash
# valgrind.sh PROGRAM [ARGS...]: run a Criterion test program under memcheck
# and fail if any of its processes reported a memory error or a leak.
#
# Criterion runs each test in a child that it re-executes from the same binary,
# so valgrind must follow children (--trace-children). A child's
# --error-exitcode does not reach the exit status: Criterion ignores how a
# worker exits once its test has passed. So every process logs to a file and
# the logs are read here. "Possibly lost" blocks are not errors: Criterion's
# message threads leave some in a child that dies by a signal.
set -euo pipefail

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

status=0
valgrind --trace-children=yes --leak-check=full --error-exitcode=1 \
  --errors-for-leak-kinds=definite,indirect \
  --log-file="$logs/vg.%p" "$@" || status=$?

for log in "$logs"/vg.*; do
  if grep -q 'ERROR SUMMARY: [1-9]' "$log"; then
    cat "$log" >&2
    status=1
  fi
done
exit "$status"
