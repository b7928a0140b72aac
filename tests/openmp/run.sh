#!/usr/bin/env bash
# Parallel loops (issue 14): tests/openmp/loops.c differentiated with
# -fopenmp, compiled warning-free with gcc (libgomp) and clang (libomp), run
# at 1, 2 and 3 threads (3 is more threads than iterations in some chunks'
# worth and than cores here). Each run checks its gradients against central
# differences and forward mode against them (the dot-product test) itself;
# here, each must also equal the serial build's gradient (the same source
# without -fopenmp, whose pragmas gradc then ignores as a compiler does) to
# 1e-12 relative. A ThreadSanitizer build under libomp's race-detection tool
# (archer; libomp itself is not instrumented, so its own accesses are
# ignored) must report no race: it finds a missing '#pragma omp atomic'.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
work=$build/openmp
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "openmp: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }
case_=$src/tests/openmp/loops.c
inc=-I$src/include
rt="$src/runtime/tape.c $src/runtime/checkpoint.c"

"$gradc" "$case_" -o par.c -- -fopenmp "$inc" 2>gradc-par.log && ok || { bad "gradc -fopenmp"; cat gradc-par.log; finish; }
"$gradc" "$case_" -o ser.c -- "$inc" 2>gradc-ser.log && ok || { bad "gradc"; cat gradc-ser.log; finish; }
grep -q "pragma omp" ser.c && bad "without -fopenmp, the generated code has no pragma" || ok
grep -q "pragma omp parallel" par.c && ok || bad "with -fopenmp, the generated code has parallel regions"

# the same gradients, to 1e-12 relative
same() {
  paste "$1" "$2" | awk '{ d = $3 - $6; if (d < 0) d = -d; s = $3 < 0 ? -$3 : $3; if (s < 1) s = 1;
                          if ($1 != $4 || $2 != $5 || d > 1e-12 * s) { print "  " $0; bad++ } }
                         END { exit bad > 0 }' | head -5
  return "${PIPESTATUS[1]}"
}

gcc -std=c11 -O2 "$inc" -DOMP_MAIN "$case_" ser.c $rt -lm -o serial 2>cc-serial.log || { bad "serial build"; cat cc-serial.log; finish; }
./serial >serial.out && ok || { bad "serial gradients"; grep FAIL serial.out | head; }
for cc in gcc clang-19; do
  command -v $cc >/dev/null || continue
  if ! $cc -std=c11 -O2 -Wall -Wextra -Werror -fopenmp "$inc" -c par.c -o par-$cc.o 2>cc-$cc.log ||
     ! $cc -std=c11 -O2 -fopenmp "$inc" -DOMP_MAIN "$case_" par-$cc.o $rt -lm -o par-$cc 2>>cc-$cc.log; then
    bad "$cc -fopenmp: the generated code compiles without warnings"; cat cc-$cc.log; continue
  fi
  for t in 1 2 3; do
    if OMP_NUM_THREADS=$t ./par-$cc >par-$cc-$t.out; then ok
    else bad "$cc, $t threads: gradients against central differences"; grep FAIL par-$cc-$t.out | head; fi
    same serial.out par-$cc-$t.out && ok || bad "$cc, $t threads: the serial build's gradients"
  done
done

archer=$(clang-19 -print-file-name=libarcher.so 2>/dev/null)
[ -f "$archer" ] || archer=/usr/lib/llvm-19/lib/libarcher.so
# ThreadSanitizer must be able to start here at all (some kernels' address
# space layouts stop it): a program with nothing to report first
echo 'int main(void) { return 0; }' >tsan-probe.c
if [ -f "$archer" ] && clang-19 -fsanitize=thread -fopenmp tsan-probe.c -o tsan-probe 2>/dev/null &&
   ./tsan-probe 2>/dev/null &&
   clang-19 -std=c11 -O1 -g -fsanitize=thread -fopenmp "$inc" -DOMP_MAIN "$case_" par.c $rt -lm -o tsan 2>cc-tsan.log; then
  if OMP_TOOL_LIBRARIES=$archer TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1" OMP_NUM_THREADS=2 ./tsan >tsan.out 2>tsan.err; then ok
  else bad "ThreadSanitizer (archer), 2 threads: no data race"; grep -A12 "WARNING: ThreadSanitizer" tsan.err | head -30; fi
else
  echo "openmp: no ThreadSanitizer run (clang-19 with libarcher and the TSan runtime needed)"
fi
finish
