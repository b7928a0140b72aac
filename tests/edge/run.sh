#!/usr/bin/env bash
# Numerical edge cases: kinks and ties (edge_kinks.c), singular points
# (edge_singular.c), the ends of the floating range (edge_range.c). Each case
# is run like a gradcheck case (tests/gradcheck/run.sh: gradc, the generated
# code compiled warning-free with gcc and clang, the case's own main under
# -DGRADCHECK_MAIN) and checks exact values, infinities and the absence of
# NaN in reverse and forward mode, with the macros of edge.h.
#   run.sh GRADC SOURCE_DIR BUILD_DIR [CASE...]
set -u
gradc=$1 src=$2 build=$3
shift 3
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=("$src"/tests/edge/edge_*.c)
bash "$src/tests/gradcheck/run.sh" "$gradc" "$src" "$build" "${cases[@]}" | sed 's/^gradcheck: /edge: /'
exit "${PIPESTATUS[0]}"
