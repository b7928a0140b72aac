#!/usr/bin/env bash
# Issue 14's target for GRADC_CHECKPOINT: the gradient of a heat equation of
# 500 points and 20,000 steps (bench/checkpoint/heat.c), checkpointed with
# 20 snapshots, equals the recorded one to 1e-10 relative and holds at least
# 5x less memory in the runtime (tape and snapshots, counted through its
# allocator hook: exact, unlike time, which bench/checkpoint/run.sh
# measures). Built with gcc and with clang (and ASan/UBSan when the runtime
# was).
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
work=$build/checkpoint
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "checkpoint: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

if "$gradc" "$src/bench/checkpoint/heat.c" -o heat_grad.c -- -I"$src/include" 2>gradc.log; then ok
else bad "gradc heat.c"; cat gradc.log; finish; fi
san=
nm "$build/libgradc.a" 2>/dev/null | grep -q __asan_ \
  && san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
for cc in gcc clang; do
  command -v $cc >/dev/null || continue
  # shellcheck disable=SC2086  # $san is a flag list
  if ! $cc -std=c11 -O2 -Wall -Wextra -Werror $san -I"$src/include" "$src/bench/checkpoint/driver.c" \
       "$src/bench/checkpoint/heat.c" heat_grad.c "$build/libgradc.a" -lm -o driver-$cc 2>cc-$cc.log; then
    bad "$cc: the generated code compiles without warnings"; cat cc-$cc.log; continue
  fi
  read -r t0 m0 _ s0 v0 < <(./driver-$cc 20000 -1)
  read -r t1 m1 _ s1 v1 < <(./driver-$cc 20000 20)
  echo "$cc: recorded $m0 bytes, $t0 s; checkpointed (20 snapshots) $m1 bytes, $t1 s"
  awk -v a="$s1" -v b="$s0" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(d <= 1e-10 * (s > 1 ? s : 1)) }' \
    && ok || bad "$cc: the checkpointed gradient ($s1) equals the recorded one ($s0)"
  [ "$v0" = "$v1" ] && ok || bad "$cc: the same value ($v1, $v0)"
  awk -v a="$m0" -v b="$m1" 'BEGIN { exit !(b > 0 && a >= 5 * b) }' \
    && ok || bad "$cc: at least 5x less runtime memory ($m1 against $m0 bytes)"
done
finish
