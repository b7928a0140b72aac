#!/usr/bin/env bash
# ADBench-style kernels written as ordinary C (bench/adbench/: helpers in a
# header, malloc'd scratch, pointer walks, size_t counters, writes into the
# caller's arrays, names pasted by a macro). For each kernel: run gradc, compile
# the kernel and the generated file with gcc and clang-19 under
# -Wall -Wextra -Werror, build check_<kernel>.c with each compiler and run it
# (gradient against central differences, relative 1e-6, small sizes, fixed
# seed), then once more built with -fsanitize=address,undefined.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR [KERNEL...]   (kernels: gmm ba lstm)
set -u
gradc=$1 src=$2 build=$3
shift 3
out=$build/adbench
mkdir -p "$out"
here=$src/tests/adbench
adb=$src/bench/adbench
kernels=("$@")
[ ${#kernels[@]} -eq 0 ] && kernels=(gmm ba lstm)
lib=$build/libgradc.a
blas=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
inc=(-I "$src/include" -I "$adb" -I "$here")
strict=(-std=c11 -O1 -Wall -Wextra -Werror)
# reference code the checks compare with (the flattened kernel, the hand-written adjoint)
refs() {
  case $1 in
    gmm) echo "$src/bench/kernels/gmm.c $src/bench/hand/gmm_hand.c" ;;
    ba) echo "$src/bench/kernels/ba.c" ;;
    lstm) echo "$src/bench/hand/lstm_hand.c" ;;
    *) echo "" ;;
  esac
}
pass=0 fail=0
for k in "${kernels[@]}"; do
  gen=$out/${k}_grad.c
  if ! "$gradc" "$adb/$k.c" "${inc[@]}" -o "$gen" 2>"$out/$k.gradc.log"; then
    echo "FAIL $k: gradc refused bench/adbench/$k.c"; cat "$out/$k.gradc.log"; fail=$((fail + 1)); continue
  fi
  [ -s "$out/$k.gradc.log" ] && cat "$out/$k.gradc.log"
  ok=1
  for cc in gcc clang-19; do
    for f in "$adb/$k.c" "$gen"; do
      b=$(basename "$f" .c)
      if ! $cc "${strict[@]}" "${inc[@]}" -c "$f" -o "$out/$b.$cc.o" 2>"$out/$b.$cc.log"; then
        echo "FAIL $k: $b.c does not compile cleanly with $cc"; cat "$out/$b.$cc.log"; ok=0
      fi
    done
  done
  for cc in gcc clang-19; do
    [ $ok = 1 ] || break
    exe=$out/check_$k.$cc
    # shellcheck disable=SC2046
    if ! $cc -std=c11 -O1 -Wall -Wextra -D_GNU_SOURCE "${inc[@]}" "$here/check_$k.c" $(refs "$k") \
        "$out/$k.$cc.o" "$out/${k}_grad.$cc.o" "$lib" $blas -lm -o "$exe" 2>"$out/check_$k.$cc.build.log"; then
      echo "FAIL $k: check_$k.c does not build with $cc"; cat "$out/check_$k.$cc.build.log"; ok=0; break
    fi
    if ! "$exe" >"$out/check_$k.$cc.out" 2>&1; then
      echo "FAIL $k (built with $cc)"; cat "$out/check_$k.$cc.out"; ok=0
    fi
  done
  if [ $ok = 1 ]; then
    exe=$out/check_$k.asan
    # shellcheck disable=SC2046
    if ! gcc -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
        -D_GNU_SOURCE "${inc[@]}" "$here/check_$k.c" $(refs "$k") "$adb/$k.c" "$gen" "$lib" $blas -lm \
        -o "$exe" 2>"$out/check_$k.asan.build.log"; then
      echo "FAIL $k: does not build with -fsanitize=address,undefined"; cat "$out/check_$k.asan.build.log"; ok=0
    elif ! ASAN_OPTIONS=detect_leaks=1 "$exe" >"$out/check_$k.asan.out" 2>&1; then
      echo "FAIL $k under -fsanitize=address,undefined"; cat "$out/check_$k.asan.out"; ok=0
    fi
  fi
  if [ $ok = 1 ]; then
    cat "$out/check_$k.gcc.out"
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
  fi
done
echo "adbench: $pass passed, $fail failed"
[ $fail -eq 0 ]
