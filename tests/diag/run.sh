#!/usr/bin/env bash
# Diagnostic tests: each tests/diag/NAME.c holds one construct gradc must
# refuse, with the expected message beside the line it must point at:
#   u.d = x * x; // expect-error: union member 'd'
# A line `// gradc-args: ARGS` adds ARGS to gradc's command line.
# (or `// expect-warning: ...` for a warning on a file gradc still accepts).
#   run.sh GRADC SOURCE_DIR BUILD_DIR
# For each file with an expect-error, gradc must
#   - exit with status 1 (not crash, not succeed);
#   - print `NAME.c:LINE:COL: error: ` on each expected LINE, with the
#     expected text, followed by that source line and a caret under COL;
#   - print no error on any other line, and nothing that is not a
#     diagnostic, a source line or a caret;
#   - leave no output file behind (the -o path does not exist afterwards,
#     and no temporary file is left in its folder), and leave an existing
#     output file untouched.
# For a file with only expect-warning lines, gradc must exit 0, print the
# warnings where expected, and write its output.
# bad_input.sh then checks bad command lines and unreadable inputs.
set -u
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
here=$src/tests/diag
work=$build/diag
rm -rf "$work"
mkdir -p "$work"
pass=0 fail=0

# A diagnostic header, a source line (`   12 | text`), a caret (`      |   ^`).
header_re='^[^ ].*:[0-9]+:[0-9]+: (error|warning|note): |^[^ ].*: (error|warning|note): '
source_re='^ *[0-9]+ \| '
caret_re='^ *\| *[~^]'

# check_located NAME KIND LINE TEXT LOG: LOG holds `NAME.c:LINE:COL: KIND: `
# with TEXT in the message, then the source line LINE and a caret under COL.
check_located() {
  local name=$1 kind=$2 line=$3 text=$4 log=$5 n hdr col srcline caret want
  n=$(grep -n -F -- "$name.c:$line:" "$log" | grep -F -- ": $kind: " | grep -F -- "$text" | head -n 1 | cut -d: -f1)
  if [ -z "$n" ]; then
    echo "$name.c:$line: expected '$kind: ...$text...' on this line"
    return 1
  fi
  hdr=$(sed -n "${n}p" "$log")
  col=${hdr#"$name.c:$line:"}
  col=${col%%:*}
  srcline=$(sed -n "$((n + 1))p" "$log")
  caret=$(sed -n "$((n + 2))p" "$log")
  want=$(sed -n "${line}p" "$here/$name.c")
  if [[ ! $srcline =~ ^\ *$line\ \|\ (.*)$ ]] || [ "${BASH_REMATCH[1]}" != "$want" ]; then
    echo "$name.c:$line: the diagnostic is not followed by source line $line:"
    echo "  got:  $srcline"
    return 1
  fi
  # The caret sits COL-1 characters after the `| ` (the test files hold no tabs).
  if [[ ! $caret =~ ^\ *\|\ (\ *)\^ ]] || [ ${#BASH_REMATCH[1]} -ne $((col - 1)) ]; then
    echo "$name.c:$line: no caret under column $col:"
    echo "  got:  $caret"
    return 1
  fi
}

# check_file NAME: run every check on tests/diag/NAME.c; print what failed.
check_file() {
  local name=$1 dir=$work/$1 log=$work/$1/stderr rc ok=0 line kind text
  local -a expects
  mkdir -p "$dir"
  local n=0 src_line
  expects=()
  while IFS= read -r src_line || [ -n "$src_line" ]; do
    n=$((n + 1))
    if [[ $src_line =~ //\ *expect-(error|warning):\ *(.*)$ ]]; then
      expects+=("$n"$'\t'"${BASH_REMATCH[1]}"$'\t'"${BASH_REMATCH[2]}")
    fi
  done <"$here/$name.c"
  if [ ${#expects[@]} -eq 0 ]; then
    echo "$name.c: no '// expect-error:' or '// expect-warning:' comment"
    return 1
  fi
  local want_rc=0
  printf '%s\n' "${expects[@]}" | cut -f2 | grep -q -x error && want_rc=1

  # Run 1: the output does not exist beforehand.
  # shellcheck disable=SC2046  # a case's own arguments: // gradc-args: -- -fopenmp
  (cd "$here" && "$gradc" "$name.c" -I "$src/include" -o "$dir/out.c" $(sed -n 's|^// gradc-args: ||p' "$name.c")) \
    2>"$log" >"$dir/stdout"
  rc=$?
  if [ $rc -ne $want_rc ]; then
    echo "$name.c: exit status $rc, expected $want_rc"
    [ $rc -gt 128 ] && echo "  (gradc was killed by signal $((rc - 128)))"
    ok=1
  fi
  local entry
  for entry in "${expects[@]}"; do
    IFS=$'\t' read -r line kind text <<<"$entry"
    check_located "$name" "$kind" "$line" "$text" "$log" || ok=1
  done
  # Every error and warning must be one of the expected ones.
  local hline hl hk
  while IFS= read -r hline; do
    [[ $hline =~ ^$name\.c:([0-9]+):[0-9]+:\ (error|warning):\  ]] || continue
    hl=${BASH_REMATCH[1]} hk=${BASH_REMATCH[2]}
    if ! printf '%s\n' "${expects[@]}" | cut -f1,2 | grep -q -x -F "$hl"$'\t'"$hk"; then
      echo "$name.c:$hl: unexpected $hk: $hline"
      ok=1
    fi
  done <"$log"
  if grep -v -E "$header_re|$source_re|$caret_re" "$log" | grep -q .; then
    echo "$name.c: stderr holds lines that are not diagnostics:"
    grep -v -E "$header_re|$source_re|$caret_re" "$log" | sed 's/^/  /'
    ok=1
  fi
  if [ $want_rc -eq 1 ]; then
    if [ -e "$dir/out.c" ]; then
      echo "$name.c: gradc failed but wrote $dir/out.c"
      ok=1
    fi
    # Run 2: an existing output file is left as it was, and no temporary
    # file is left next to it.
    local sentinel="/* diag sentinel for $name: gradc must not touch this file */"
    printf '%s\n' "$sentinel" >"$dir/existing.c"
    # shellcheck disable=SC2046
    (cd "$here" && "$gradc" "$name.c" -I "$src/include" -o "$dir/existing.c" $(sed -n 's|^// gradc-args: ||p' "$name.c")) \
      2>"$dir/stderr2" >/dev/null
    rc=$?
    [ $rc -eq 1 ] || { echo "$name.c: exit status $rc on the second run, expected 1"; ok=1; }
    if [ "$(cat "$dir/existing.c")" != "$sentinel" ]; then
      echo "$name.c: gradc failed but changed the existing output file"
      ok=1
    fi
  else
    if [ ! -s "$dir/out.c" ] || ! grep -q 'f_grad(' "$dir/out.c"; then
      echo "$name.c: gradc only warned, but $dir/out.c does not define f_grad"
      ok=1
    fi
  fi
  local left="" f
  for f in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$f" ] || continue
    case ${f##*/} in out.c | existing.c | stderr | stderr2 | stdout) ;; *) left+=" ${f##*/}" ;; esac
  done
  if [ -n "$left" ]; then
    echo "$name.c: files left behind in the output folder:$left"
    ok=1
  fi
  if [ $ok -ne 0 ]; then
    echo "  stderr of gradc $name.c:"
    sed 's/^/    /' "$log"
  fi
  return $ok
}

for f in "$here"/*.c; do
  name=$(basename "$f" .c)
  if check_file "$name" >"$work/$name.result" 2>&1; then
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    cat "$work/$name.result"
    fail=$((fail + 1))
  fi
done

# Bad command lines and inputs: bad_input.sh prints its failures and ends
# with `bad_input: N passed, M failed`.
bash "$here/bad_input.sh" "$gradc" "$src" "$build" >"$work/bad_input.log" 2>&1
grep -v '^bad_input: ' "$work/bad_input.log"
summary=$(grep '^bad_input: ' "$work/bad_input.log" | tail -n 1)
if [[ $summary =~ ^bad_input:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
  echo "$summary"
else
  echo "FAIL bad_input.sh: it did not finish"
  fail=$((fail + 1))
fi

echo "diag: $pass passed, $fail failed"
[ $fail -eq 0 ]
