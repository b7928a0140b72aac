#!/usr/bin/env bash
# Golden tests: each tests/golden/NAME.c holds its input and, after the line
#   #if 0 /* gradc golden output */
# the output gradc is expected to write for it, up to the closing #endif.
# The suite regenerates each output and diffs it with the expected one, so
# that any change in the generated code (tape layout, names) shows in review.
#   run.sh GRADC SOURCE_DIR BUILD_DIR           check
#   run.sh GRADC SOURCE_DIR BUILD_DIR --update  rewrite the expected outputs
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3") update=${4:-}
marker='#if 0 /* gradc golden output */'
out=$build/golden
mkdir -p "$out"
pass=0 fail=0
for f in "$src"/tests/golden/*.c; do
  name=$(basename "$f" .c)
  if ! (cd "$(dirname "$f")" && "$gradc" "$name.c" -I "$src/include" -o "$out/$name.out") 2>"$out/$name.log"; then
    echo "FAIL $name: gradc failed"; cat "$out/$name.log"; fail=$((fail + 1)); continue
  fi
  if [ "$update" = --update ]; then
    awk -v m="$marker" '$0 == m { exit } { print }' "$f" >"$out/$name.in"
    { cat "$out/$name.in"; echo "$marker"; cat "$out/$name.out"; echo "#endif"; } >"$f"
    echo "updated $name"; pass=$((pass + 1)); continue
  fi
  awk -v m="$marker" 'found && $0 == "#endif" { exit } found { print } $0 == m { found = 1 }' "$f" >"$out/$name.expected"
  if diff -u "$out/$name.expected" "$out/$name.out" >"$out/$name.diff"; then
    pass=$((pass + 1))
  else
    echo "FAIL $name: generated code differs from the expected output (run with --update to accept)"
    cat "$out/$name.diff"; fail=$((fail + 1))
  fi
done
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
