#!/usr/bin/env bash
# Differential testing: gen writes random numeric C functions; for each,
# gradc's gradient is compared with finite differences and with forward mode
# (the dot-product test), and the generated code runs under AddressSanitizer
# and UndefinedBehaviorSanitizer. A program whose helpers live in a second
# file (gen's ACROSS form) is split into its files, and gradc runs on each.
#   run.sh GRADC SOURCE_DIR BUILD_DIR [COUNT [FIRST_SEED]]
# COUNT defaults to $GRADC_DIFFTEST_COUNT or 300. A failing case is kept in
# BUILD_DIR/difftest/ with its seed; rerun one with COUNT=1 FIRST_SEED=seed.
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
count=${4:-${GRADC_DIFFTEST_COUNT:-300}} first=${5:-1}
out=$build/difftest
mkdir -p "$out"
cc -O2 -o "$out/gen" "$src/tests/difftest/gen.c" || exit 2
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

one() {
  seed=$1
  d=$out/s$seed
  mkdir -p "$d"
  "$out/gen" "$seed" >"$d/all.c"
  # ACROSS programs hold three files, each after a line "//@@ NAME"
  awk -v d="$d" 'BEGIN { f = d "/case.c" } /^\/\/@@ / { f = d "/" $2; next } { print > f }' "$d/all.c"
  rm -f "$d/all.c"
  local extra=
  if [ -e "$d/helpers.c" ]; then
    if ! "$gradc" "$d/helpers.c" -I "$src/include" -o "$d/helpers_grad.c" 2>"$d/gradc-helpers.log" ||
       [ -s "$d/gradc-helpers.log" ]; then
      echo "FAIL $seed gradc helpers.c"; return
    fi
    if ! gcc -std=c11 -O1 -g -Wall -Wextra -Werror $san -I "$src/include" -c "$d/helpers_grad.c" -o "$d/hgrad.o" 2>"$d/cc.log"; then
      echo "FAIL $seed compile helpers_grad.c"; return
    fi
    extra="$d/helpers.c $d/hgrad.o"
  fi
  if grep -q '^/\* EXPECT: refused' "$d/case.c"; then
    # a pointer parameter that carries derivatives without an adjoint
    if "$gradc" "$d/case.c" -I "$src/include" -o "$d/case_grad.c" 2>"$d/gradc.log"; then
      echo "FAIL $seed accepted: 'st' carries derivatives without an adjoint"; return
    fi
    if [ -e "$d/case_grad.c" ] || ! grep -q "'st' holds values .* but has no adjoint" "$d/gradc.log"; then
      echo "FAIL $seed refusal without the located message"; return
    fi
    echo "pass $seed"
    rm -rf "$d"
    return
  fi
  if ! "$gradc" "$d/case.c" -I "$src/include" -o "$d/case_grad.c" 2>"$d/gradc.log"; then
    echo "FAIL $seed gradc"; return
  fi
  if ! gcc -std=c11 -O1 -g -Wall -Wextra -Werror $san -I "$src/include" -c "$d/case_grad.c" -o "$d/grad.o" 2>"$d/cc.log" ||
     ! gcc -std=c11 -O1 -g $san -DGRADCHECK_MAIN -I "$src/include" "$d/case.c" "$d/grad.o" $extra \
         "$src/runtime/tape.c" "$src/runtime/checkpoint.c" -lm -o "$d/case" 2>>"$d/cc.log"; then
    echo "FAIL $seed compile"; return
  fi
  res=$(ASAN_OPTIONS=detect_leaks=1 "$d/case" 2>"$d/run.log")
  st=$?
  if [ $st -ne 0 ]; then echo "FAIL $seed run: $res"; return; fi
  echo "$res $seed"
  rm -rf "$d"
}
export -f one
export out gradc src san

seq "$first" $((first + count - 1)) | xargs -P 2 -I{} bash -c 'one {}' >"$out/results.txt"
pass=$(grep -c '^pass' "$out/results.txt")
skip=$(grep -c '^skip' "$out/results.txt")
fail=$(grep -c '^FAIL' "$out/results.txt")
grep '^FAIL' "$out/results.txt" | head -20
echo "difftest: $((pass + skip)) passed, $fail failed ($skip with a kink skipped at some input; seeds $first..$((first + count - 1)))"
[ "$fail" -eq 0 ]
