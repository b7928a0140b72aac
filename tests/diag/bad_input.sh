#!/usr/bin/env bash
# Bad command lines and bad inputs: gradc exits 2 on usage and I/O errors and
# 1 when the input is C it cannot differentiate, says why on stderr, and
# writes no output: a fresh -o path does not exist afterwards, an existing
# one keeps its contents, and no temporary file is left beside it.
#   bad_input.sh GRADC SOURCE_DIR BUILD_DIR
# Called by run.sh; ends with `bad_input: N passed, M failed`.
set -u
# (BUILD_DIR is not needed: the work happens in a folder under /tmp.)
gradc=$(realpath "$1") src=$(realpath "$2")
# A folder of its own under /tmp, so that another user can reach it (below).
work=$(mktemp -d "${TMPDIR:-/tmp}/gradc-diag-bad.XXXXXX")
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
pass=0 fail=0 skip=0

cat >"$work/ok.c" <<'EOF'
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) { return x * x; }
EOF
# The same function without annotation, for --fn.
printf 'double f(double x) { return x * x; }\ndouble g(double x, int n) { return x * n; }\n' >"$work/plain.c"
: >"$work/empty.c"
# Fixed binary bytes (an ELF header, NULs, invalid UTF-8), the same every run.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000\001\000\000\000\020`\000\000\000\000\000\000\377\376\000\200\n\001\002\033[0m\377\n' >"$work/garbage.c"
mkdir -p "$work/adir.c"

# check NAME RC REGEX [RUNNER...] -- GRADC_ARGS...: run gradc twice, with
# @OUT@ in GRADC_ARGS replaced first by a path that does not exist, then by
# an existing file. Each run must exit RC with a line matching the extended
# REGEX on stderr, and leave the output as it found it. RUNNER (e.g. setpriv
# ...) prefixes the command.
check() {
  local name=$1 want_rc=$2 regex=$3 ok=0 rc run dir out a
  shift 3
  local -a runner=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do runner+=("$1"); shift; done
  shift
  for run in fresh existing; do
    dir=$work/out-$name-$run
    mkdir -p "$dir" && chmod 777 "$dir"
    out=$dir/out.c
    local sentinel="/* sentinel: gradc must not touch this file */"
    [ $run = existing ] && printf '%s\n' "$sentinel" >"$out" && chmod 666 "$out"
    local -a args=()
    for a in "$@"; do args+=("${a//@OUT@/$out}"); done
    (cd "$work" && "${runner[@]}" "$gradc" "${args[@]}") >"$dir/stdout" 2>"$dir/stderr"
    rc=$?
    if [ $rc -ne "$want_rc" ]; then
      echo "FAIL $name ($run output): exit status $rc, expected $want_rc"; ok=1
    fi
    if ! grep -q -E -- "$regex" "$dir/stderr"; then
      echo "FAIL $name ($run output): no message matching /$regex/ on stderr"; ok=1
    fi
    if [ $run = fresh ] && [ -e "$out" ]; then
      echo "FAIL $name: an output file was written"; ok=1
    fi
    if [ $run = existing ] && [ "$(cat "$out")" != "$sentinel" ]; then
      echo "FAIL $name: the existing output file was changed"; ok=1
    fi
    local left="" f
    for f in "$dir"/* "$dir"/.[!.]*; do
      [ -e "$f" ] || continue
      case ${f##*/} in out.c | stdout | stderr) ;; *) left+=" ${f##*/}" ;; esac
    done
    if [ -n "$left" ]; then
      echo "FAIL $name ($run output): left behind:$left"; ok=1
    fi
    if [ $ok -ne 0 ]; then
      echo "  command: ${runner[*]} gradc ${args[*]}"
      sed 's/^/  stderr: /' "$dir/stderr" | head -n 20
      break
    fi
  done
  if [ $ok -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

inc=(-I "$src/include")

# ---- usage and I/O errors: exit 2 --------------------------------------------
check missing_input 2 "nosuch\.c" -- nosuch.c "${inc[@]}" -o @OUT@
check directory_input 2 "adir\.c" -- adir.c "${inc[@]}" -o @OUT@
check unknown_option 2 "unknown option.*--frobnicate" -- --frobnicate ok.c "${inc[@]}" -o @OUT@
check no_input 2 "no input" -- "${inc[@]}" -o @OUT@
check fn_without_wrt 2 "--wrt" -- ok.c "${inc[@]}" --fn f -o @OUT@

# The output's folder does not exist: an I/O error, and the folder is not made.
check output_folder_missing 2 "nodir/out\.c" -- ok.c "${inc[@]}" -o "$work/nodir/out.c"
if [ -e "$work/nodir" ]; then
  echo "FAIL output_folder_missing: gradc created $work/nodir"; fail=$((fail + 1))
fi

# An unreadable input. Root reads it anyway, so as root the check runs as
# 'nobody' when setpriv can switch to it, and is skipped otherwise.
cp "$work/ok.c" "$work/unreadable.c"
chmod 000 "$work/unreadable.c"
as_other=()
if cat "$work/unreadable.c" >/dev/null 2>&1; then
  nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  if command -v setpriv >/dev/null 2>&1 &&
     "${nobody[@]}" test -x "$gradc" 2>/dev/null &&
     ! "${nobody[@]}" cat "$work/unreadable.c" >/dev/null 2>&1 &&
     "${nobody[@]}" test -r "$src/include/gradc.h" 2>/dev/null; then
    as_other=("${nobody[@]}")
  else
    as_other=(skip)
  fi
fi
if [ "${as_other[*]-}" = skip ]; then
  echo "SKIP unreadable_input: running as root, and cannot switch to 'nobody'"
  skip=$((skip + 1))
else
  check unreadable_input 2 "unreadable\.c.*(Permission denied|cannot read)" "${as_other[@]}" -- \
    unreadable.c "${inc[@]}" -o @OUT@
fi

# ---- inputs that are not C gradc can differentiate: exit 1 ---------------------
check empty_file 1 "empty\.c: error: no function to differentiate" -- empty.c "${inc[@]}" -o @OUT@
check garbage_file 1 "^garbage\.c:[0-9]+:[0-9]+: error: " -- garbage.c "${inc[@]}" -o @OUT@
check fn_no_such_function 1 "^plain\.c: error: .*'nosuch'" -- plain.c "${inc[@]}" --fn nosuch --wrt x -o @OUT@
check fn_wrt_unknown 1 "^plain\.c:[0-9]+:[0-9]+: error: 'y' in wrt\(\.\.\.\) is not a parameter of 'f'" -- \
  plain.c "${inc[@]}" --fn f --wrt y -o @OUT@
check fn_wrt_int 1 "^plain\.c:[0-9]+:[0-9]+: error: 'n' in wrt" -- \
  plain.c "${inc[@]}" --fn g --wrt n -o @OUT@

[ $skip -gt 0 ] && echo "bad_input: $skip skipped"
echo "bad_input: $pass passed, $fail failed"
[ $fail -eq 0 ]
