#!/usr/bin/env bash
# Across files: caller.c differentiates calls of functions that callee.c
# defines, through the annotations on their prototypes in across.h. gradc
# runs on both files; caller_grad.c calls the companions callee_grad.c
# defines. The gradient is checked against central differences (main.c),
# built with gcc and with clang, and under ASan/UBSan.
# Usage: run.sh GRADC SOURCE_DIR BUILD_DIR
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
here=$src/tests/across
work=$build/across
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "across: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

cp "$here"/*.c "$here"/*.h . || exit 2
inc=-I$src/include
for f in caller callee; do
  if "$gradc" $f.c -o ${f}_grad.c -- "$inc" 2>$f.log && [ ! -s $f.log ]; then ok
  else bad "gradc $f.c (no diagnostics expected)"; cat $f.log; fi
done
# each companion the caller declares is defined by the callee's file
for c in $(grep -oE '\b[a-z0-9]+_(fwd|rev)_[A-Za-z0-9_]+\(' caller_grad.c | tr -d '(' | sort -u); do
  grep -q "^[a-z ]*$c(" callee_grad.c && ok || bad "callee_grad.c defines $c"
done

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# a runtime built with -DGRADC_SANITIZE=ON links only into sanitized programs
nm "$build/libgradc.a" 2>/dev/null | grep -q __asan_ && always=$sanitize || always=
for cc in gcc clang; do
  command -v $cc >/dev/null || continue
  for extra in "" "$sanitize"; do
    [ -n "$always" ] && [ -z "$extra" ] && continue
    name="$cc${extra:+ (ASan/UBSan)}"
    # the runtime from source under the sanitizers, so that they see into it
    # (the redo log writes the caller's memory); the installed library else
    rt="$build/libgradc.a"
    [ -n "$extra" ] && rt="$src/runtime/tape.c $src/runtime/checkpoint.c"
    # shellcheck disable=SC2086  # flag lists
    if $cc -std=c11 -O1 -g -Wall -Wextra -Werror $always $extra "$inc" main.c caller.c callee.c caller_grad.c \
         callee_grad.c $rt -lm -o t >cc.log 2>&1; then
      if ./t >run.log 2>&1; then ok; else bad "$name: the gradient agrees with central differences"; cat run.log; fi
    else
      bad "$name: the generated files compile without warnings"; cat cc.log
    fi
  done
done
finish
