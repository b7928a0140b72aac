#!/usr/bin/env bash
# samples/mlp end to end: build it the way its Makefile does (gradc runs at
# build time and writes model_grad.c), train in double and in float with a
# fixed seed, and check what it prints and draws: the gradient check against
# finite differences passed, the loss fell at least 10x from the first epoch
# to the last, the training accuracy is above 90%, the same seed gives the
# same numbers, and the SVG loss curve is well-formed.
# Works in BUILD_DIR/sample; nothing is written into samples/.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
work=$build/sample
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "sample: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

cp -p "$src"/samples/mlp/Makefile "$src"/samples/mlp/*.c "$src"/samples/mlp/*.h . || exit 2
blas=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
# A runtime built with -DGRADC_SANITIZE=ON links only into sanitized programs.
san=
nm "$build/libgradc.a" 2>/dev/null | grep -q __asan_ \
  && san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if make --no-print-directory GRADC="$gradc" GRADC_CFLAGS="-I$src/include" \
    GRADC_LIBS="$build/libgradc.a $blas" CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $san" \
    LDFLAGS="$san" >make.log 2>&1; then
  ok
else
  bad "make builds samples/mlp"; cat make.log; finish
fi
grep -q 'mlp_loss_d_grad' model_grad.c && grep -q 'mlp_loss_f_grad' model_grad.c \
  && ok || bad "model_grad.c defines mlp_loss_d_grad and mlp_loss_f_grad"

# check_run TAG: the output of a run in precision TAG (double or float), in TAG.out
check_run() {
  local tag=$1 out=$1.out
  grep -q '^gradient check (double): max relative error .*: ok$' "$out" \
    && ok || bad "$tag: the gradient agrees with finite differences"
  # [double] loss 1.134837 -> 0.007064 (160.6x lower), training accuracy 100.00% (300/300), 0.12 s
  local line
  line=$(grep "^\[$tag\] loss " "$out")
  if [ -z "$line" ]; then bad "$tag: no summary line"; return; fi
  echo "  $line"
  echo "$line" | awk '{ exit !($3 > 0 && $5 > 0 && $3 / $5 >= 10) }' \
    && ok || bad "$tag: the loss falls at least 10x ($line)"
  echo "$line" | awk '{ a = $10; sub(/%/, "", a); exit !(a + 0 > 90) }' \
    && ok || bad "$tag: training accuracy above 90% ($line)"
  # every reported loss is a number, and the epochs count up to the last
  [ "$(grep -c "^\[$tag\] epoch " "$out")" -ge 3 ] \
    && ! grep "^\[$tag\] epoch " "$out" | grep -qiE 'nan|inf' && ok || bad "$tag: loss printed every N epochs"
  local svg=$tag.svg
  if [ -s "$svg" ] && head -c 4 "$svg" | grep -q '^<svg' && grep -q '<polyline ' "$svg" \
      && tail -n 1 "$svg" | grep -q '^</svg>$'; then ok; else bad "$tag: $svg starts with <svg, has a polyline, ends with </svg>"; fi
  if command -v xmllint >/dev/null; then
    xmllint --noout "$svg" 2>"$tag.xml.log" && ok || { bad "$tag: $svg is well-formed XML"; cat "$tag.xml.log"; }
  fi
}

for tag in double float; do
  st=0
  ./mlp --"$tag" --seed 7 --epochs 400 --every 100 --svg "$tag.svg" >"$tag.out" 2>&1 || st=$?
  [ $st = 0 ] && ok || { bad "$tag: ./mlp --$tag exits 0 (got $st)"; cat "$tag.out"; }
  check_run "$tag"
done
grep -q '^gradient check (float against double): .*: ok$' float.out \
  && ok || bad "float: the float gradient agrees with the double one"

# The same seed gives the same numbers (all but the timing).
./mlp --float --seed 7 --epochs 400 --every 100 --svg again.svg >again.out 2>&1
if diff <(sed 's/, [0-9.]* s$//' float.out | grep -v '^wrote') \
        <(sed 's/, [0-9.]* s$//' again.out | grep -v '^wrote') >/dev/null \
    && cmp -s float.svg again.svg; then ok; else bad "a second run with the same seed prints the same"; fi

# make run: both precisions, one picture
make --no-print-directory run GRADC="$gradc" GRADC_CFLAGS="-I$src/include" \
  GRADC_LIBS="$build/libgradc.a $blas" CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $san" \
  LDFLAGS="$san" >run.log 2>&1 \
  && [ "$(grep -c '<polyline ' loss.svg)" = 2 ] && ok || { bad "make run draws both curves to loss.svg"; cat run.log; }

# A bad argument is a usage error.
./mlp --epochs zero >usage.out 2>&1
[ $? = 2 ] && ok || bad "a bad argument exits 2"

finish
