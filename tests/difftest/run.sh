#!/usr/bin/env bash
# Differential testing: gen writes random numeric C functions; for each,
# gradc's gradient is compared with finite differences and with forward mode
# (the dot-product test), and the generated code runs under AddressSanitizer
# and UndefinedBehaviorSanitizer. A program whose helpers live in a second
# file (gen's ACROSS form) is split into its files, and gradc runs on each.
#   run.sh GRADC SOURCE_DIR BUILD_DIR [COUNT [FIRST_SEED]]
# A program with parallel loops (gen's PAR form, marked "OPENMP") is
# differentiated with '-- -fopenmp' and compiled with -fopenmp; it runs at one
# thread (every check as for the others) and again at two (the value of
# f_grad against f then to 1e-12: a reduction's terms are added in another
# order; the gradient against finite differences and the dot-product test
# as at one thread).
# COUNT defaults to $GRADC_DIFFTEST_COUNT or 300. A failing case is kept in
# BUILD_DIR/difftest/ with its seed; rerun one with COUNT=1 FIRST_SEED=seed.
# GRADC_DIFFTEST_TSAN=1: OPENMP programs also run at two threads built with
# clang-19's ThreadSanitizer under libomp's race detection (archer), which
# must report no race (a missing '#pragma omp atomic' in f_grad, or a race
# that gen wrote). GRADC_DIFFTEST_JOBS: programs run at once (2).
# GRADC_DIFFTEST_FORM=NAME: only the seeds whose program has that form (e.g.
# PAR) run; the others are counted as "other".
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
count=${4:-${GRADC_DIFFTEST_COUNT:-300}} first=${5:-1}
jobs=${GRADC_DIFFTEST_JOBS:-2} form=${GRADC_DIFFTEST_FORM:-}
out=$build/difftest
mkdir -p "$out"
cc -O2 -o "$out/gen" "$src/tests/difftest/gen.c" || exit 2
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# warnings are errors, except gcc's range analysis taking the helpers' int n
# for negative in malloc(n * sizeof *w) once they are inlined into a large
# f (the user's code, unchanged; it depends on everything around it)
werr="-Wall -Wextra -Werror -Wno-error=alloc-size-larger-than"

one() {
  seed=$1
  d=$out/s$seed
  mkdir -p "$d"
  "$out/gen" "$seed" >"$d/all.c"
  # ACROSS programs hold three files, each after a line "//@@ NAME"
  awk -v d="$d" 'BEGIN { f = d "/case.c" } /^\/\/@@ / { f = d "/" $2; next } { print > f }' "$d/all.c"
  rm -f "$d/all.c"
  if [ -n "$form" ] && ! grep -q "^/\* generated .*forms:.* $form[ ]" "$d/case.c"; then
    echo "other $seed"; rm -rf "$d"; return
  fi
  # OPENMP programs (gen's PAR form): parallel loops
  local extra= gomp= ccomp=
  if grep -q '^/\* OPENMP' "$d/case.c"; then gomp="-- -fopenmp" ccomp=-fopenmp; fi
  if [ -e "$d/helpers.c" ]; then
    if ! "$gradc" "$d/helpers.c" -I "$src/include" -o "$d/helpers_grad.c" $gomp 2>"$d/gradc-helpers.log" ||
       [ -s "$d/gradc-helpers.log" ]; then
      echo "FAIL $seed gradc helpers.c"; return
    fi
    if ! gcc -std=c11 -O1 $werr $ccomp $san -I "$src/include" -c "$d/helpers_grad.c" -o "$d/hgrad.o" 2>"$d/cc.log"; then
      echo "FAIL $seed compile helpers_grad.c"; return
    fi
    extra="$d/helpers.c $d/hgrad.o"
  fi
  if grep -q '^/\* EXPECT: refused' "$d/case.c"; then
    # a pointer parameter that carries derivatives without an adjoint
    if "$gradc" "$d/case.c" -I "$src/include" -o "$d/case_grad.c" $gomp 2>"$d/gradc.log"; then
      echo "FAIL $seed accepted: 'st' carries derivatives without an adjoint"; return
    fi
    if [ -e "$d/case_grad.c" ] || ! grep -q "'st' holds values .* but has no adjoint" "$d/gradc.log"; then
      echo "FAIL $seed refusal without the located message"; return
    fi
    echo "pass $seed"
    rm -rf "$d"
    return
  fi
  if ! "$gradc" "$d/case.c" -I "$src/include" -o "$d/case_grad.c" $gomp 2>"$d/gradc.log"; then
    echo "FAIL $seed gradc"; return
  fi
  # the generated file without debug information: it is the largest, and -g
  # doubles its compile time (a kept failing case: rebuild it with -g)
  if ! gcc -std=c11 -O1 $werr $ccomp $san -I "$src/include" -c "$d/case_grad.c" -o "$d/grad.o" 2>"$d/cc.log" ||
     ! gcc -std=c11 -O1 -g $ccomp $san -DGRADCHECK_MAIN -I "$src/include" "$d/case.c" "$d/grad.o" $extra \
         "$src/runtime/tape.c" "$src/runtime/checkpoint.c" -lm -o "$d/case" 2>>"$d/cc.log"; then
    echo "FAIL $seed compile"; return
  fi
  res=$(ASAN_OPTIONS=detect_leaks=1 OMP_NUM_THREADS=1 "$d/case" 2>"$d/run.log")
  st=$?
  if [ $st -ne 0 ]; then echo "FAIL $seed run: $res"; return; fi
  if [ -n "$ccomp" ]; then
    # threads that wait sleep (OMP_WAIT_POLICY): the run takes no second core
    res2=$(ASAN_OPTIONS=detect_leaks=1 OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive "$d/case" 2>"$d/run2.log")
    st=$?
    if [ $st -ne 0 ]; then echo "FAIL $seed run, 2 threads: $res2"; return; fi
    [ "$res2" = skip ] && res=skip
    if [ "${GRADC_DIFFTEST_TSAN:-0}" = 1 ]; then
      local archer tsrc=
      archer=$(clang-19 -print-file-name=libarcher.so 2>/dev/null)
      [ -f "$archer" ] || archer=/usr/lib/llvm-19/lib/libarcher.so
      [ -e "$d/helpers.c" ] && tsrc="$d/helpers.c $d/helpers_grad.c"
      if ! clang-19 -std=c11 -O1 -g -fsanitize=thread -fopenmp -I "$src/include" -DGRADCHECK_MAIN "$d/case.c" \
           "$d/case_grad.c" $tsrc "$src/runtime/tape.c" "$src/runtime/checkpoint.c" -lm -o "$d/case-tsan" 2>"$d/cc-tsan.log"; then
        echo "FAIL $seed compile (ThreadSanitizer)"; return
      fi
      if ! OMP_TOOL_LIBRARIES=$archer TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1" OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive \
           "$d/case-tsan" >/dev/null 2>"$d/tsan.log"; then
        echo "FAIL $seed ThreadSanitizer, 2 threads: $(grep -m1 -A3 'WARNING: ThreadSanitizer' "$d/tsan.log" | tr '\n' ' ' | cut -c1-200)"; return
      fi
    fi
  fi
  echo "$res $seed"
  rm -rf "$d"
}
export -f one
export out gradc src san form

seq "$first" $((first + count - 1)) | xargs -P "$jobs" -I{} bash -c 'one {}' >"$out/results.txt"
pass=$(grep -c '^pass' "$out/results.txt")
skip=$(grep -c '^skip' "$out/results.txt")
fail=$(grep -c '^FAIL' "$out/results.txt")
other=$(grep -c '^other' "$out/results.txt")
grep '^FAIL' "$out/results.txt" | head -20
echo "difftest: $((pass + skip)) passed, $fail failed ($skip with a kink skipped at some input; seeds $first..$((first + count - 1))${form:+; $other without $form not run})"
[ "$fail" -eq 0 ]
