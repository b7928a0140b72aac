#!/usr/bin/env bash
# check-install.sh BUILD_DIR WORK_DIR: install BUILD_DIR into WORK_DIR/prefix and
# build a small program against it twice, with pkg-config and with
# find_package(gradc), as DESIGN.md "Install layout" promises. Run by ctest
# (test "install"); WORK_DIR is deleted and recreated.
set -euo pipefail

build=$(cd "${1:?usage: check-install.sh BUILD_DIR WORK_DIR}" && pwd)
work=${2:?usage: check-install.sh BUILD_DIR WORK_DIR}
rm -rf "$work"
mkdir -p "$work/app"
work=$(cd "$work" && pwd)
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

for f in bin/gradc include/gradc.h lib/libgradc.a lib/pkgconfig/gradc.pc \
         lib/cmake/gradc/gradcConfig.cmake lib/cmake/gradc/gradcConfigVersion.cmake \
         lib/cmake/gradc/gradcTargets.cmake; do
  [[ -e $prefix/$f ]] || { echo "check-install: missing $prefix/$f" >&2; exit 1; }
done
[[ -x $prefix/bin/gradc ]] || { echo "check-install: bin/gradc not executable" >&2; exit 1; }

cat >"$work/app/app.c" <<'C'
#include <gradc.h>
#include <stdio.h>

GRADC_GRAD(wrt(x))
double square(double x);

double square(double x) { return x * x; }

int main(void) {
  gradc_tape *t = gradc_tape_new();
  for (int i = 0; i < 100000; i++)
    gradc_push_d(t, square(i));
  for (int i = 100000; i-- > 0;)
    if (gradc_pop_d(t) != square(i)) {
      printf("wrong value at %d\n", i);
      return 1;
    }
  if (gradc_tape_size(t) != 0)
    return 1;
  gradc_tape_free(t);
  puts("ok");
  return 0;
}
C

# 0. The installed gradc finds its own headers: the README's first example,
#    run from another folder with no -I (issue 13).
[[ $("$prefix/bin/gradc" --print-include-dir) == "$prefix/include" ]] ||
  { echo "check-install: --print-include-dir is not $prefix/include" >&2; exit 1; }
cat >"$work/app/f.c" <<'C'
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) { return sin(x * x); }
C
(cd "$work" && "$prefix/bin/gradc" app/f.c -o app/f_grad.c) ||
  { echo "check-install: gradc needed -I for its own gradc.h" >&2; exit 1; }
grep -q 'double f_grad(double x, double \*x_bar)' "$work/app/f_grad.c"

# 1. pkg-config, as in DESIGN.md.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs gradc)
case $flags in
  *"-I$prefix/include"*"-L$prefix/lib"*"-lgradc"*"-lm"*) ;;
  *) echo "check-install: unexpected pkg-config output: $flags" >&2; exit 1 ;;
esac
# shellcheck disable=SC2046
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags gradc) \
  "$work/app/app.c" -o "$work/app/app-pc" $(pkg-config --libs gradc)
[[ $("$work/app/app-pc") == ok ]]

# 2. find_package(gradc) and the imported targets.
cat >"$work/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(gradc 0.1 REQUIRED)
if(NOT TARGET gradc::gradc OR NOT EXISTS "${GRADC_EXECUTABLE}")
  message(FATAL_ERROR "gradc::gradc or GRADC_EXECUTABLE missing")
endif()
add_executable(app app.c)
target_link_libraries(app PRIVATE gradc::runtime)
CMAKE
unset PKG_CONFIG_PATH
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/app/build" >/dev/null
[[ $("$work/app/build/app") == ok ]]
echo "check-install: ok ($prefix)"
