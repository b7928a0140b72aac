#!/usr/bin/env bash
# build.sh: generate the gradients with gradc and build the benchmark drivers
# into $OUT (default bench/out). Called by run.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=${OUT:-$here/out}
gradc=${GRADC:-$root/build/gradc}
lib=${GRADC_LIB:-$root/build/libgradc.a}
mkdir -p "$out/obj"
CC=${CC:-gcc}
CXX=${CXX:-g++}
CFLAGS=${BENCH_CFLAGS:--O2}
adolc_flags=()
if [ -f /usr/include/adolc/adolc.h ]; then adolc_flags=(-DHAVE_ADOLC); adolc_libs=(-ladolc); else adolc_libs=(); fi
# the BLAS variant of the MLP needs the runtime kernels (gradc/kernels.h)
blas_libs=()
if nm "$lib" 2>/dev/null | grep ' T gradc_gemm_d$' >/dev/null &&
   "$gradc" "$here/kernels/mlp_blas.c" -I "$root/include" -o "$out/mlp_blas_grad.c"; then
  blas_libs=($(pkg-config --libs openblas 2>/dev/null || echo -lopenblas))
  $CC $CFLAGS -std=c11 -I "$root/include" -c "$here/kernels/mlp_blas.c" -o "$out/obj/mlp_blas.o"
  $CC $CFLAGS -std=c11 -I "$root/include" -c "$out/mlp_blas_grad.c" -o "$out/obj/mlp_blas_grad.o"
  adolc_flags+=(-DHAVE_GRADC_KERNELS)
fi
for k in ${KERNELS:-gmm lstm ba mlp heat ode}; do
  "$gradc" "$here/kernels/$k.c" -I "$root/include" -o "$out/${k}_grad.c"
  objs=("$out/obj/$k.o" "$out/obj/${k}_grad.o")
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I "$root/include" -c "$here/kernels/$k.c" -o "$out/obj/$k.o"
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I "$root/include" -c "$out/${k}_grad.c" -o "$out/obj/${k}_grad.o"
  if [ -f "$here/hand/${k}_hand.c" ]; then
    $CC $CFLAGS -std=c11 -D_GNU_SOURCE -c "$here/hand/${k}_hand.c" -o "$out/obj/${k}_hand.o"
    objs+=("$out/obj/${k}_hand.o")
  fi
  if [ "$k" = mlp ] && [ ${#blas_libs[@]} -gt 0 ]; then objs+=("$out/obj/mlp_blas.o" "$out/obj/mlp_blas_grad.o"); fi
  $CXX $CFLAGS -std=c++17 "${adolc_flags[@]}" -I "$root/include" "$here/drivers/$k.cpp" "${objs[@]}" \
    "$lib" "${blas_libs[@]}" "${adolc_libs[@]}" -lm -o "$out/bench_$k"
done
# ADBench-style kernels written as ordinary C (bench/adbench/: helpers in a
# header, malloc, pointer walks): one driver each, built only when gradc
# accepts the kernel; otherwise gradc's diagnostics go to adb_<k>.gradc.log
# and run.sh skips that kernel's rows.
adb_build() {
  local k=$1
  local objs=("$out/obj/adb_$k.o" "$out/obj/adb_${k}_grad.o")
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I "$root/include" -I "$here/adbench" -c "$here/adbench/$k.c" \
    -o "$out/obj/adb_$k.o" || return 1
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I "$root/include" -I "$here/adbench" -c "$out/adb_${k}_grad.c" \
    -o "$out/obj/adb_${k}_grad.o" || return 1
  if [ -f "$here/hand/${k}_hand.c" ]; then
    $CC $CFLAGS -std=c11 -D_GNU_SOURCE -c "$here/hand/${k}_hand.c" -o "$out/obj/adb_${k}_hand.o" || return 1
    objs+=("$out/obj/adb_${k}_hand.o")
  fi
  $CXX $CFLAGS -std=c++17 -I "$root/include" "$here/drivers/adb_$k.cpp" "${objs[@]}" "$lib" -lm \
    -o "$out/bench_adb_$k" || return 1
}
for k in ${ADB_KERNELS:-gmm lstm ba}; do
  rm -f "$out/bench_adb_$k"
  if ! "$gradc" "$here/adbench/$k.c" -I "$root/include" -I "$here/adbench" -o "$out/adb_${k}_grad.c" \
      2>"$out/adb_$k.gradc.log"; then
    echo "bench: gradc refuses bench/adbench/$k.c, no rows for it (see $out/adb_$k.gradc.log):" >&2
    grep ' error: ' "$out/adb_$k.gradc.log" | head -3 >&2
    continue
  fi
  if ! adb_build "$k"; then
    echo "bench: building bench_adb_$k failed (gradc accepted bench/adbench/$k.c); no rows for it" >&2
    rm -f "$out/bench_adb_$k"
  fi
done
