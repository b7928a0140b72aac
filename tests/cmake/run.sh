#!/usr/bin/env bash
# The installed package in a user's build: install the build tree to a
# temporary prefix, then
#  - build and run samples/cmake (find_package(gradc) + gradc_add_gradients)
#    with Makefiles: the gradient agrees with finite differences, a second
#    build does nothing, a changed constant in params.h regenerates the
#    gradient, and so does a new gradc;
#  - the same header change with Ninja, when ninja is there;
#  - pkg-config: cc $(pkg-config --cflags gradc) ... $(pkg-config --libs gradc)
#    builds a program from code the installed gradc generated;
#  - the Makefile pattern rule of the README (-MD depfile, --header);
#  - the man page and gradcFunctions.cmake are installed.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR (GRADC is unused: the suite runs the
# installed copy of BUILD_DIR's gradc).
# shellcheck disable=SC2015  # `c && ok || bad`: ok always succeeds
set -u
src=$(realpath "$2") build=$(realpath "$3")
work=$build/cmaketests
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "cmake: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
# dE/dx[0] as the sample prints it
grad0() { awk '$1 == "dE/dx[0]" { print $2 }' "$1"; }
# ratio check: is $2 = $3 * $1 to 1e-9?
ratio() { awk -v a="$1" -v b="$2" -v k="$3" 'BEGIN { d = b - k * a; if (d < 0) d = -d; exit !(a != 0 && d <= 1e-9 * (b < 0 ? -b : b)) }'; }

prefix=$work/prefix
# Under GRADC_SANITIZE the installed runtime needs the sanitizers to link.
san=
grep -q '^GRADC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null \
  && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
if cmake --install "$build" --prefix "$prefix" >install.log 2>&1; then ok; else bad "cmake --install"; cat install.log; finish; fi
for f in bin/gradc lib/cmake/gradc/gradcFunctions.cmake share/man/man1/gradc.1; do
  [ -e "$prefix/$f" ] && ok || bad "installed $f"
done

# -- samples/cmake with Makefiles ----------------------------------------------
cp -r "$src/samples/cmake" sample
configure() { # configure DIR [GENERATOR]
  cmake -S sample -B "$1" ${2:+-G "$2"} -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san"
}
if configure mk >mk-config.log 2>&1 && cmake --build mk >mk-build1.log 2>&1; then ok
else bad "configure and build samples/cmake"; cat mk-config.log mk-build1.log; finish; fi
mk/springs >run1.out 2>&1 && grep -q '^ok: the gradient agrees' run1.out && ok \
  || { bad "the sample's gradient agrees with finite differences"; cat run1.out; }
[ -f mk/model_grad.c ] && [ -f mk/model_grad.h ] && ok || bad "model_grad.c and model_grad.h in the binary dir"
grep -q 'include/params.h' mk/model_grad.c.d && ok || bad "the depfile names params.h"
grep -q -- '-DSPRINGS_N=6' mk/model_grad.c && grep -q 'energy = .*6 masses' run1.out \
  && ok || bad "the target's compile definitions reach gradc"
cmake --build mk >mk-build2.log 2>&1
grep -q 'gradc: generating' mk-build2.log && bad "a second build runs gradc again" || ok

# a changed constant in a header that model.c includes regenerates the gradient
g1=$(grad0 run1.out)
sed -i 's/^#define STIFFNESS 1.0 /#define STIFFNESS 3.0 /' sample/include/params.h
grep -q 'STIFFNESS 3.0' sample/include/params.h || bad "edit params.h"
cmake --build mk >mk-build3.log 2>&1
grep -q 'gradc: generating model_grad.c' mk-build3.log && ok || { bad "a header change reruns gradc"; cat mk-build3.log; }
mk/springs >run2.out 2>&1 && ok || { bad "after the header change, the gradient still agrees"; cat run2.out; }
g2=$(grad0 run2.out)
ratio "$g1" "$g2" 3 && ok || bad "the gradient follows STIFFNESS 1 -> 3 ($g1 -> $g2)"

# a new gradc regenerates
sleep 1
touch "$prefix/bin/gradc"
cmake --build mk >mk-build4.log 2>&1
grep -q 'gradc: generating model_grad.c' mk-build4.log && ok || { bad "a new gradc reruns gradc"; cat mk-build4.log; }

# -- the same with Ninja ------------------------------------------------------------
if command -v ninja >/dev/null; then
  sed -i 's/^#define STIFFNESS 3.0 /#define STIFFNESS 1.0 /' sample/include/params.h
  if configure nj Ninja >nj-config.log 2>&1 && cmake --build nj >nj-build1.log 2>&1 && nj/springs >nj1.out 2>&1; then ok
  else bad "samples/cmake with Ninja"; cat nj-config.log nj-build1.log nj1.out; fi
  sed -i 's/^#define STIFFNESS 1.0 /#define STIFFNESS 2.0 /' sample/include/params.h
  cmake --build nj >nj-build2.log 2>&1
  if grep -q 'gradc: generating' nj-build2.log && nj/springs >nj2.out 2>&1 && ratio "$(grad0 nj1.out)" "$(grad0 nj2.out)" 2
  then ok; else bad "Ninja: a header change regenerates the gradient"; cat nj-build2.log; cat nj2.out 2>/dev/null; fi
fi

# -- pkg-config ---------------------------------------------------------------------
mkdir -p pc && cd pc || exit 2
cat >cube.c <<'C'
#include <gradc.h>
GRADC_GRAD(wrt(x))
double cube(double x) { return x * x * x; }
C
cat >main.c <<'C'
#include <stdio.h>
#include "cube_grad.h"
int main(void) { double g = 0; double v = cube_grad(2.0, &g); printf("%g %g\n", v, g); return 0; }
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046,SC2086  # $san and pkg-config's flags are word lists
if "$prefix/bin/gradc" cube.c $(pkg-config --cflags gradc) -o cube_grad.c --header cube_grad.h 2>gen.log \
   && ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san $(pkg-config --cflags gradc) main.c cube.c cube_grad.c \
        $(pkg-config --libs gradc) -o cube >cc.log 2>&1 \
   && [ "$(./cube)" = "8 12" ]; then ok
else bad "pkg-config builds a program with generated code"; cat gen.log cc.log; fi

# -- the README's Makefile pattern rule ------------------------------------------------
cat >params.h <<'H'
#define GAIN 2.0
H
cat >model.c <<'C'
#include <gradc.h>
#include "params.h"
GRADC_GRAD(wrt(x))
double model(double x) { return GAIN * x * x; }
C
cat >app.c <<'C'
#include <stdio.h>
#include "model_grad.h"
int main(void) { double g = 0; model_grad(3.0, &g); printf("%g\n", g); return 0; }
C
cat >Makefile <<'M'
GRADC    = gradc
CFLAGS   = -std=c11 -O2 -MMD
CPPFLAGS = $(shell pkg-config --cflags gradc)
LDLIBS   = $(shell pkg-config --libs gradc)

app: app.o model.o model_grad.o
app.o: model_grad.h

%_grad.c %_grad.h: %.c
	$(GRADC) $< -o $*_grad.c --header $*_grad.h -MD -MF $*_grad.c.d $(CPPFLAGS)

-include $(wildcard *.d)
M
if make GRADC="$prefix/bin/gradc" LDFLAGS="$san" CFLAGS="-std=c11 -O2 -MMD $san" >make1.log 2>&1 && [ "$(./app)" = 12 ]; then ok
else bad "the Makefile pattern rule builds"; cat make1.log; fi
sleep 1
echo '#undef GAIN
#define GAIN 5.0' >>params.h
if make GRADC="$prefix/bin/gradc" LDFLAGS="$san" CFLAGS="-std=c11 -O2 -MMD $san" >make2.log 2>&1 && [ "$(./app)" = 30 ]; then ok
else bad "the Makefile pattern rule regenerates on a header change ($(./app))"; cat make2.log; fi
make GRADC="$prefix/bin/gradc" LDFLAGS="$san" CFLAGS="-std=c11 -O2 -MMD $san" 2>&1 | grep -q "is up to date" && ok || bad "make is idempotent"
grep -q 'model.c' make2.log && ok || bad "-MMD: model.o is rebuilt on the header change too"
cd ..

# -- samples/multifile: a function defined in one file, differentiated in another --
# loss (model.c) calls dense (layers.c), annotated on its prototype in layers.h.
# ms FILE: the sample's exit status says whether its gradient agrees with
# central differences and its loss fell tenfold.
cp -r "$src/samples/multifile" multi
(cd multi && make GRADC="$prefix/bin/gradc" LDFLAGS="$san" CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $san" \
   >make1.log 2>&1 && ./fit >fit1.out 2>&1) && ok \
  || { bad "samples/multifile with make"; cat multi/make1.log multi/fit1.out 2>/dev/null; }
grep -q 'dense_rev_W_b_x_h' multi/model_grad.c && grep -q '^void dense_rev_W_b_x_h' multi/layers_grad.c \
  && ok || bad "model_grad.c calls the companions that layers_grad.c defines"
sleep 1
touch multi/layers.h
(cd multi && make GRADC="$prefix/bin/gradc" LDFLAGS="$san" CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $san" \
   >make2.log 2>&1)
[ "$(grep -c 'bin/gradc' multi/make2.log)" = 2 ] && ok || { bad "editing layers.h regenerates both gradients"; cat multi/make2.log; }
# a stale companion: the definition changed, the generated file did not
sed -i 's/double s = b\[i\];/double s = 2 * b[i];/' multi/layers.c
(cd multi && "$prefix/bin/gradc" --check layers.c -o layers_grad.c >check.log 2>&1) \
  && bad "gradc --check catches a stale layers_grad.c" || ok
cp -r "$src/samples/multifile" multi-cmake
if cmake -S multi-cmake -B multi-cmake/build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
     -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >mc-config.log 2>&1 \
   && cmake --build multi-cmake/build >mc-build1.log 2>&1 && multi-cmake/build/fit >mc1.out 2>&1; then ok
else bad "samples/multifile with CMake"; cat mc-config.log mc-build1.log mc1.out 2>/dev/null; fi
sleep 1
touch multi-cmake/layers.h
cmake --build multi-cmake/build >mc-build2.log 2>&1
[ "$(grep -c 'gradc: generating' mc-build2.log)" = 2 ] && ok \
  || { bad "CMake: editing layers.h regenerates both gradients"; cat mc-build2.log; }

finish
