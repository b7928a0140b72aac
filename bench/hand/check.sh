#!/usr/bin/env bash
# check.sh: builds bench/hand/check_hand.c against the kernels, gradc's
# generated gradients and the hand-written adjoints of BA, LSTM (both forms) and the ODE,
# and runs it three times: gcc -O2, clang -O2, and gcc (or $SAN_CC) -O1 with
# -fsanitize=address,undefined. Needs build/gradc and build/libgradc.a
# (GRADC, GRADC_LIB override them). Exit status non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
gradc=${GRADC:-$root/build/gradc}
lib=${GRADC_LIB:-$root/build/libgradc.a}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for k in ba lstm ode; do
  "$gradc" "$bench/kernels/$k.c" -I "$root/include" -o "$out/${k}_grad.c"
done
for k in ba lstm; do
  "$gradc" "$bench/adbench/$k.c" -I "$root/include" -I "$bench/adbench" -o "$out/adb_${k}_grad.c"
done
srcs=("$here/check_hand.c" "$here/ba_hand.c" "$here/lstm_hand.c" "$here/ode_hand.c")
for k in ba lstm ode; do srcs+=("$bench/kernels/$k.c" "$out/${k}_grad.c"); done
for k in ba lstm; do srcs+=("$bench/adbench/$k.c" "$out/adb_${k}_grad.c"); done
warn=(-Wall -Wextra -Wno-unused-parameter)
run() {
  local name=$1 cc=$2
  shift 2
  echo "== $name"
  # one object per source: the kernels and the generated files share static helper names
  local objs=()
  for s in "${srcs[@]}"; do
    local o=$out/$name.$(basename "${s%.c}").$(echo "$s" | cksum | cut -d' ' -f1).o
    "$cc" -std=c11 -D_GNU_SOURCE "${warn[@]}" "$@" -I "$root/include" -I "$bench/adbench" -c "$s" -o "$o" ||
      return 1
    objs+=("$o")
  done
  "$cc" "$@" "${objs[@]}" "$lib" -lm -o "$out/check_$name" || return 1
  "$out/check_$name"
}
status=0
run gcc "${CC_GCC:-gcc}" -O2 || status=1
if command -v "${CC_CLANG:-clang}" >/dev/null; then
  run clang "${CC_CLANG:-clang}" -O2 || status=1
else
  echo "== clang: not found, skipped"
fi
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  run asan-ubsan "${SAN_CC:-gcc}" -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=all || status=1
exit $status
