#!/usr/bin/env bash
# Numeric tests: for each case, run gradc, compile the case (with its test
# main) and the generated file warning-free with gcc and clang, and run it.
# A case passes when every gradient agrees with finite differences and closed
# forms. Usage: run.sh GRADC SOURCE_DIR BUILD_DIR [CASE...]
set -u
gradc=$1 src=$2 build=$3
shift 3
out=$build/gradcheck
mkdir -p "$out"
here=$src/tests/gradcheck
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=("$here"/cases/*.c)
lib=$build/libgradc.a
blas=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
blas_cflags=$(pkg-config --cflags openblas 2>/dev/null || true)
pass=0 fail=0
for c in "${cases[@]}"; do
  name=$(basename "$c" .c)
  gen=$out/${name}_grad.c
  if ! "$gradc" "$c" -I "$src/include" $blas_cflags -o "$gen" 2>"$out/$name.log"; then
    echo "FAIL $name: gradc failed"; cat "$out/$name.log"; fail=$((fail + 1)); continue
  fi
  ok=1
  for cc in gcc clang-19; do
    if ! $cc -std=c11 -O1 -Wall -Wextra -Werror -I "$src/include" $blas_cflags -c "$gen" -o "$out/$name.$cc.o" \
        2>"$out/$name.$cc.log"; then
      echo "FAIL $name: generated code does not compile cleanly with $cc"; cat "$out/$name.$cc.log"; ok=0
    fi
  done
  if [ $ok = 1 ] && ! gcc -std=c11 -O1 -Wall -Wextra -DGRADCHECK_MAIN -I "$src/include" $blas_cflags -I "$here" \
      "$c" "$out/$name.gcc.o" "$lib" $blas -lm -o "$out/$name" 2>"$out/$name.build.log"; then
    echo "FAIL $name: does not build"; cat "$out/$name.build.log"; ok=0
  fi
  if [ $ok = 1 ] && ! "$out/$name" >"$out/$name.out" 2>&1; then
    echo "FAIL $name"; cat "$out/$name.out"; ok=0
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "gradcheck: $pass passed, $fail failed"
[ $fail -eq 0 ]
