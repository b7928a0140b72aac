#!/usr/bin/env bash
# gradc verify: passes on correct gradients (a loss with loops and arrays; an
# out(y) function given by --wrt/--out), fails with FAIL rows and exit 1 on a
# wrong custom gradient, exits 2 on usage errors; and the runtime checks of
# <gradc/check.h> work in a test program of one's own.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
gradc=$1 src=$2 build=$3
here=$src/tests/verify/cases
out=$build/verify
mkdir -p "$out"
# A runtime built with -DGRADC_SANITIZE=ON links only into sanitized programs
# (scripts/sanitize.sh puts wrapping compilers first in PATH instead).
if grep -q '^GRADC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && [ -z "${GRADC_SAN_WRAPPED:-}" ]; then
  export CC="${CC:-cc} -fsanitize=address,undefined -fno-omit-frame-pointer"
fi
pass=0 fail=0

# expect NAME STATUS PATTERN -- ARGS...: gradc verify ARGS exits with STATUS
# and its output matches PATTERN (grep -E).
expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local got=0
  TMPDIR=$out "$gradc" verify "$@" >"$out/$name.out" 2>&1 || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL $name: exit status $got, expected $want"; cat "$out/$name.out"; fail=$((fail + 1))
  elif ! grep -Eq -- "$pattern" "$out/$name.out"; then
    echo "FAIL $name: output does not match '$pattern'"; cat "$out/$name.out"; fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}

expect loss 0 '^verify: PASS: 5 entries, 0 failed' -- "$here/loss.c" --fn loss \
  --len w=n --len x=12 --len t=m --set n=4 --set m=3
# d/dlambda = |w| = 2 at w = (1, 1, 1, 1)
expect loss_at 0 '^lambda +2\.0000000000000000e\+00 ' -- "$here/loss.c" --fn loss --len w=n --len x=12 \
  --len t=m --set n=4 --set m=3 --at w=1,1,1,1 --at t=0.1,0.2,-0.3 --seed 42
expect model 0 'dot product: .* ok$' -- "$here/model.c" --fn layer --wrt w,b --out y \
  --len w=6 --len b=m --len x=n --len y=m --set n=3 --set m=2
expect model_rows 0 '^b\[1\] .* ok$' -- "$here/model.c" --fn layer --wrt w,b --out y \
  --len w=6 --len b=m --len x=n --len y=m --set n=3 --set m=2 -std=c11 -DUNUSED=1
expect wrong 1 '^w\[2\] .* FAIL$' -- "$here/wrong.c" --fn energy --len w=n --set n=3
expect wrong_dot 1 'dot product: .* FAIL$' -- "$here/wrong.c" --fn energy --len w=n --set n=3
expect wrong_no_dot 1 '^verify: FAIL: 3 entries, 3 failed' -- "$here/wrong.c" --fn energy \
  --len w=n --set n=3 --no-dot
expect no_len 2 "array parameter 'w' needs a length" -- "$here/loss.c" --fn loss --set n=4 --set m=3
expect no_set 2 "integer parameter 'n' needs a value" -- "$here/wrong.c" --fn energy --len w=n
expect no_wrt 2 'no GRADC_GRAD annotation' -- "$here/model.c" --fn layer --len w=6
expect bad_option 2 "unknown option '--bogus'" -- "$here/loss.c" --fn loss --bogus
expect no_fn 2 'which function' -- "$here/loss.c"
expect at_count 2 '2 values for 3 elements' -- "$here/wrong.c" --fn energy --len w=n --set n=3 --at w=1,2
expect help 0 'usage: gradc verify' -- --help
expect parallel 0 '^verify: PASS: 41 entries, 0 failed; value ok; dot-product test ok' -- "$here/parallel.c" \
  --fn roughness --wrt u,k --len u=n --set n=40 -fopenmp

# the temporary directories are gone, except with --keep
if compgen -G "$out/gradc-verify-*" >/dev/null; then
  echo "FAIL cleanup: left $(echo "$out"/gradc-verify-*)"; fail=$((fail + 1))
else
  pass=$((pass + 1))
fi
expect keep 0 'kept ' -- "$here/wrong.c" --fn energy --len w=n --set n=3 --at w=0,0,0 --keep
kept=$(sed -n 's/^gradc verify: kept //p' "$out/keep.out")
if [ -n "$kept" ] && [ -f "$kept/harness.c" ] && [ -f "$kept/grad.c" ]; then
  pass=$((pass + 1)); rm -rf "$kept"
else
  echo "FAIL keep: no harness in '$kept'"; fail=$((fail + 1))
fi

# <gradc/check.h> in a test program of one's own
# shellcheck disable=SC2086  # CC may hold flags
if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -I "$src/include" "$here/check_api.c" "$build/libgradc.a" -lm \
    -o "$out/check_api" 2>"$out/check_api.log" && "$out/check_api" >>"$out/check_api.log" 2>&1; then
  pass=$((pass + 1))
else
  echo "FAIL check_api"; cat "$out/check_api.log"; fail=$((fail + 1))
fi

echo "verify: $pass passed, $fail failed"
[ $fail -eq 0 ]
