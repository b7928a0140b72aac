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
# A runtime built with -DGRADC_SANITIZE=ON links only into sanitized
# programs: then compile through gcc/clang-19 wrappers that add the flags
# (scripts/sanitize.sh puts the same wrappers first in PATH).
if [ -z "${GRADC_SAN_WRAPPED-}" ] && nm "$build/libgradc.a" 2>/dev/null | grep -q __asan_; then
  wrap=$(mktemp -d "${TMPDIR:-/tmp}/gradc-edge-san.XXXXXX")
  trap 'rm -rf "$wrap"' EXIT
  for cc in gcc clang-19; do
    real=$(command -v "$cc") || continue
    printf '#!/bin/sh\nexec %s "$@" -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer\n' \
      "$real" >"$wrap/$cc"
    chmod +x "$wrap/$cc"
  done
  export PATH=$wrap:$PATH GRADC_SAN_WRAPPED=1
fi
bash "$src/tests/gradcheck/run.sh" "$gradc" "$src" "$build" "${cases[@]}" | sed 's/^gradcheck: /edge: /'
exit "${PIPESTATUS[0]}"
