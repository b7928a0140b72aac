#!/usr/bin/env bash
# Reliability: extreme inputs. Every run must end, within a time bound, either
# in success (exit 0, an output that compiles, and where it is checked, right
# gradients) or in a clean refusal (exit 1 or 2 with a diagnostic on stderr,
# located file:line:col where the input is at fault): never a crash (status
# above 128, a sanitizer report), never a timeout, never a partial output
# file, and an existing output file is left as it was when a run fails.
#   run.sh GRADC SOURCE_DIR BUILD_DIR
# Environment:
#   GRADC_TIME_SCALE=K   multiply every time bound by K (sanitizer builds)
#   GRADC_REL_STRICT=1   also run the checks of known, reported bugs (they
#                        are skipped by default and listed as such)
# Ends with `reliability: N passed, M failed` and exits non-zero on failure.
set -u
export LC_ALL=C
gradc=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
lib=$build/libgradc.a
scale=${GRADC_TIME_SCALE:-1}
strict=${GRADC_REL_STRICT:-0}
limit=$((20 * scale))            # seconds, for every single gradc run
# A folder of its own under /tmp, so that 'nobody' can reach it (below).
work=$(mktemp -d "${TMPDIR:-/tmp}/gradc-reliability.XXXXXX")
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
cd "$work" || exit 2
inc=(-I "$src/include")
pass=0 fail=0 known=0
sentinel="/* sentinel: gradc must not touch this file */"

note() { printf '  %s\n' "$@"; }
ok() { pass=$((pass + 1)); echo "ok   $1${2:+ ($2)}"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1: $2"
  [ -s "${3:-/nonexistent}" ] && head -c 1500 "$3" | sed 's/^/  stderr: /' | cut -c1-200
}
# A check that fails today because of a reported bug: run only when strict.
known_bug() {
  if [ "$strict" = 1 ]; then return 1; fi
  known=$((known + 1)); echo "SKIP $1: known bug ($2); GRADC_REL_STRICT=1 runs it"
  return 0
}

# child_cpu VAR: sets VAR to the user + system time of this shell's finished
# children, in seconds (`times` runs in this shell, not in a $(...) subshell).
child_cpu() {
  times >"$work/.times"
  printf -v "$1" '%s' "$(awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%.2f", t }' "$work/.times")"
}

# gradc_run NAME DIR [RUNNER...] -- GRADC_ARGS...: runs gradc in $work under
# `timeout`, stdout and stderr in DIR; sets rc and secs (wall time) and checks
# what must hold of any run: no timeout, no crash, no sanitizer report, an
# exit status of 0, 1 or 2. Sets cpu to the user + system time too (of
# RUNNER as well, which is light). Returns 1 after a failure (already counted).
gradc_run() {
  local name=$1 dir=$2
  shift 2
  local -a runner=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do runner+=("$1"); shift; done
  shift
  local start end c0 c1
  child_cpu c0
  start=$(date +%s%N)
  "${runner[@]}" timeout -k 5 "$limit" "$gradc" "$@" >"$dir/stdout" 2>"$dir/stderr"
  rc=$?
  end=$(date +%s%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  child_cpu c1
  cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    bad "$name" "timed out after ${limit}s" "$dir/stderr"; return 1
  fi
  if [ "$rc" -gt 128 ]; then
    bad "$name" "crashed: exit status $rc (signal $((rc - 128)))" "$dir/stderr"; return 1
  fi
  if grep -q -E 'Sanitizer|runtime error:|libclang: crash' "$dir/stderr"; then
    bad "$name" "sanitizer report or libclang crash (exit status $rc)" "$dir/stderr"; return 1
  fi
  if [ "$rc" -gt 2 ]; then
    bad "$name" "exit status $rc, not 0, 1 or 2" "$dir/stderr"; return 1
  fi
  return 0
}

# leftovers DIR KEEP...: the names in DIR other than KEEP, stdout, stderr.
leftovers() {
  local dir=$1 f left="" k skip
  shift
  for f in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    skip=0
    for k in stdout stderr .times "$@"; do [ "${f##*/}" = "$k" ] && skip=1; done
    [ $skip = 1 ] || left+=" ${f##*/}"
  done
  printf '%s' "$left"
}

# expect_fail NAME RCS REGEX [RUNNER...] -- GRADC_ARGS...: the run must fail
# with an exit status in RCS (e.g. "1" or "1 2") and a line matching REGEX on
# stderr. @OUT@ in GRADC_ARGS is replaced first by a fresh path (which must
# not exist afterwards), then by an existing file (which must keep its bytes);
# nothing else may be left beside it.
expect_fail() {
  local name=$1 rcs=$2 regex=$3 run_ dir out a left
  shift 3
  local -a pre=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
  shift
  for run_ in fresh existing; do
    dir=$work/o-$name-$run_
    mkdir -p "$dir" && chmod 777 "$dir"
    out=$dir/out.c
    if [ $run_ = existing ]; then printf '%s\n' "$sentinel" >"$out"; chmod 666 "$out"; fi
    local -a args=()
    for a in "$@"; do args+=("${a//@OUT@/$out}"); done
    gradc_run "$name" "$dir" "${pre[@]}" -- "${args[@]}" || return
    case " $rcs " in
      *" $rc "*) ;;
      *) bad "$name ($run_ output)" "exit status $rc, expected $rcs" "$dir/stderr"; return ;;
    esac
    if ! grep -q -E -- "$regex" "$dir/stderr"; then
      bad "$name ($run_ output)" "no diagnostic matching /$regex/" "$dir/stderr"; return
    fi
    if [ $run_ = fresh ] && [ -e "$out" ]; then bad "$name" "an output file was written"; return; fi
    if [ $run_ = existing ] && [ "$(cat "$out")" != "$sentinel" ]; then
      bad "$name" "the existing output file was changed"; return
    fi
    left=$(leftovers "$dir" out.c)
    if [ -n "$left" ]; then bad "$name ($run_ output)" "left behind:$left"; return; fi
  done
  ok "$name" "exit $rc, ${secs}s: $(grep -m1 -E -- "$regex" "$work/o-$name-existing/stderr" | cut -c1-90)"
}

# expect_ok NAME INPUT [GRADC_ARGS...]: gradc INPUT -o NAME_grad.c must
# succeed, leave nothing but its output, and the output must compile
# (-fsyntax-only, warning-free). Sets gen to the output's path.
expect_ok() {
  local name=$1 input=$2 dir left
  shift 2
  dir=$work/o-$name
  mkdir -p "$dir"
  gen=$dir/${name}_grad.c
  gradc_run "$name" "$dir" -- "$input" "${inc[@]}" -o "$gen" "$@" || return 1
  if [ "$rc" -ne 0 ]; then bad "$name" "exit status $rc on valid input" "$dir/stderr"; return 1; fi
  if [ ! -s "$gen" ]; then bad "$name" "no output"; return 1; fi
  left=$(leftovers "$dir" "${gen##*/}")
  if [ -n "$left" ]; then bad "$name" "left behind:$left"; return 1; fi
  if ! gcc -std=c11 -fsyntax-only -Wall -Wextra -Werror "${inc[@]}" "$gen" 2>"$dir/cc.log"; then
    bad "$name" "the generated file does not compile" "$dir/cc.log"; return 1
  fi
  return 0
}

# numeric NAME INPUT DRIVER: build INPUT, the generated file and DRIVER (a C
# file whose main returns 0 when the gradients are right) and run it.
numeric() {
  local name=$1 input=$2 driver=$3 dir=$work/o-$1
  if ! gcc -std=c11 -O0 "${san[@]}" "${inc[@]}" "$input" "$gen" "$driver" "$lib" -lm -o "$dir/prog" \
      2>"$dir/build.log"; then
    bad "$name" "the program does not build" "$dir/build.log"; return 1
  fi
  if ! "$dir/prog" >"$dir/prog.out" 2>&1; then
    bad "$name" "wrong gradient" "$dir/prog.out"; return 1
  fi
  return 0
}

# A runtime built with -DGRADC_SANITIZE=ON links only into sanitized programs.
san=()
if nm "$lib" 2>/dev/null | grep -q __asan_; then
  san=("-fsanitize=address,undefined" -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
fi

ok_c() {
  printf '#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) { return x * x; }\n'
}
ok_c >ok.c

# ---- 1. 10,000 nested parentheses ---------------------------------------------
# clang's default limit is 256 levels of brackets, so this is refused, located.
{
  printf '#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) {\n  return '
  awk 'BEGIN { for (i = 0; i < 10000; i++) printf "("; printf "x * x"; for (i = 0; i < 10000; i++) printf ")"; print ";\n}" }'
} >paren10k.c
d=$work/o-paren10k-any; mkdir -p "$d"
if gradc_run paren10k "$d" -- paren10k.c "${inc[@]}" -o "$d/out.c"; then
  if [ "$rc" -eq 0 ]; then
    if gcc -std=c11 -fsyntax-only -fbracket-depth=20000 "${inc[@]}" "$d/out.c" 2>/dev/null ||
       gcc -std=c11 -fsyntax-only "${inc[@]}" "$d/out.c" 2>/dev/null; then ok paren10k "accepted"
    else bad paren10k "accepted, but the output does not compile"; fi
  else
    expect_fail paren10k 1 '^paren10k\.c:5:[0-9]+: error: .*nesting' -- paren10k.c "${inc[@]}" -o @OUT@
  fi
fi

# 250 levels (just under the limit) around an expression: the gradient is right.
{
  printf '#include <math.h>\n#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) {\n  return '
  awk 'BEGIN { for (i = 0; i < 250; i++) printf "(x * "; printf "1.0"; for (i = 0; i < 250; i++) printf ") * 0.99"; print ";\n}" }'
} >paren250.c
cat >paren250_main.c <<'EOF'
#include <math.h>
#include <stdio.h>
double f(double x);
double f_grad(double x, double *x_bar);
int main(void) {
  /* f = prod_{k=1..250} (x * 0.99) = (0.99 x)^250 */
  double x = 1.003, g = 0, v = f_grad(x, &g);
  double want_v = pow(0.99 * x, 250), want_g = 250 * pow(0.99 * x, 249) * 0.99;
  if (fabs(v - want_v) > 1e-12 * fabs(want_v) || fabs(g - want_g) > 1e-11 * fabs(want_g)) {
    printf("f %.17g (want %.17g), f' %.17g (want %.17g)\n", v, want_v, g, want_g);
    return 1;
  }
  return 0;
}
EOF
expect_ok paren250 paren250.c && numeric paren250 paren250.c paren250_main.c && ok paren250 "${secs}s"

# ---- 2. a 50,000-line annotated function ---------------------------------------
# Straight-line, each statement overwrites s, which the next one reads
# non-linearly: the tape holds 50,000 values. gcc -O0 takes minutes on the
# 600,000-line result, so it is compiled with -fsyntax-only; the same
# function at 2,000 lines is compiled, run and checked against its
# closed-form derivative (computed by the same recurrence, forward).
straight() { # straight N NAME
  awk -v n="$1" -v name="$2" 'BEGIN {
    printf "#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble %s(const double *x) {\n  double s = 1;\n", name
    for (i = 0; i < n; i++)
      printf "  s = s * 0.999 + x[%d] * s * %.17g + x[%d] * 1e-3;\n", i % 8, ((i * 7) % 13 + 1) / 65536.0, (i + 3) % 8
    printf "  return s;\n}\n"
  }'
}
straight 50000 big >big50k.c
if expect_ok big50k big50k.c; then
  lines=$(wc -l <"$gen")
  ok big50k "50,000 lines in ${cpu}s CPU (${secs}s wall), $lines generated lines compile (-fsyntax-only)"
  echo "  time: 50,000-line function: ${cpu}s CPU, ${secs}s wall" >>"$work/timings"
fi
straight 2000 mid >mid2k.c
awk 'BEGIN {
  print "#include <math.h>\n#include <stdio.h>\ndouble mid(const double *x);\ndouble mid_grad(const double *x, double *x_bar);"
  print "int main(void) {\n  double x[8], g[8] = {0}, d[8] = {0}, s = 1;\n  for (int i = 0; i < 8; i++) x[i] = 0.3 + 0.1 * i;"
  print "  /* forward: d[j] = ds/dx[j], through s = s * (0.999 + x[a] c) + x[b] 1e-3 */"
  print "  for (int i = 0; i < 2000; i++) {\n    int a = i % 8, b = (i + 3) % 8;\n    double c = ((i * 7) % 13 + 1) / 65536.0, f = 0.999 + x[a] * c;"
  print "    for (int j = 0; j < 8; j++) d[j] *= f;\n    d[a] += s * c;\n    d[b] += 1e-3;\n    s = s * f + x[b] * 1e-3;\n  }"
  print "  double v = mid_grad(x, g);\n  int bad = fabs(v - s) > 1e-12 * fabs(s);\n  if (bad) printf(\"value %.17g, want %.17g\\n\", v, s);"
  print "  for (int j = 0; j < 8; j++) if (fabs(g[j] - d[j]) > 1e-10 * fabs(d[j])) { printf(\"d/dx[%d] %.17g, want %.17g\\n\", j, g[j], d[j]); bad = 1; }"
  print "  return bad;\n}"
}' >mid2k_main.c
expect_ok mid2k mid2k.c && numeric mid2k mid2k.c mid2k_main.c && ok mid2k "2,000 lines: gradient checked, ${secs}s"

# ---- 3. 10,000-character identifiers ---------------------------------------------
awk 'function rep(c, n,   s) { s = ""; while (n-- > 0) s = s c; return s }
BEGIN {
  a = rep("a", 10000); b = rep("b", 9999) "Z"; t = rep("t", 10000); fn = rep("g", 10000)
  printf "#include <gradc.h>\n\nGRADC_GRAD(wrt(%s, %s))\n", a, b
  printf "double %s(double %s, const double *%s, int n) {\n  double %s = 0;\n", fn, a, b, t
  printf "  for (int i = 0; i < n; i++) %s += %s * %s[i] * %s[i];\n  return %s * %s;\n}\n", t, a, b, b, t, a
}' >longid.c
# The driver calls the generated function by its 10,005-character name.
printf '#include <math.h>\n#include <stdio.h>\n' >longid_main.c
awk 'function rep(c, n,   s) { s = ""; while (n-- > 0) s = s c; return s }
BEGIN {
  fn = rep("g", 10000)
  printf "double %s_grad(double, double *, const double *, double *, int);\n", fn
  print "int main(void) {"
  print "  double b[3] = {1, 2, 3}, bb[3] = {0}, xb = 0, x = 0.5;"
  printf "  double v = %s_grad(x, &xb, b, bb, 3);\n", fn
  print "  /* f = x^2 * sum b^2 = 0.25 * 14 */"
  print "  int bad = fabs(v - 3.5) > 1e-15 || fabs(xb - 14.0) > 1e-14;"
  print "  for (int i = 0; i < 3; i++) bad |= fabs(bb[i] - 2 * 0.25 * b[i]) > 1e-15;"
  print "  if (bad) printf(\"%g %g %g %g %g\\n\", v, xb, bb[0], bb[1], bb[2]);"
  print "  return bad;\n}"
}' >>longid_main.c
expect_ok longid longid.c && numeric longid longid.c longid_main.c && ok longid "${secs}s"

# ---- 4. a 10,000-line file of 1,111 annotated functions ----------------------------
# Generation must take under 2 s of CPU time (times GRADC_TIME_SCALE): CPU
# time, so that a busy machine does not fail the check.
awk 'BEGIN {
  print "#include <math.h>\n#include <gradc.h>\n"
  for (k = 0; k < 1111; k++) {
    printf "GRADC_GRAD(wrt(x, y))\ndouble f%d(double x, const double *y, int n) {\n  double s = x * %d.0;\n", k, k + 1
    print "  for (int i = 0; i < n; i++) {\n    if (y[i] > s) s = s * y[i] + sin(x);\n    else s = s - y[i] * y[i];\n  }\n  return s * x;\n}"
  }
}' >many.c
if expect_ok many10k many.c; then
  budget=$((2 * scale))
  lines=$(wc -l <many.c)
  if awk -v s="$cpu" -v b="$budget" 'BEGIN { exit !(s < b) }'; then
    ok many10k "$lines lines, 1,111 functions in ${cpu}s CPU, ${secs}s wall (bound ${budget}s CPU)"
  else
    bad many10k "generation took ${cpu}s CPU, more than ${budget}s"
  fi
  echo "  time: 10,000-line file, 1,111 functions: ${cpu}s CPU, ${secs}s wall" >>"$work/timings"
  many_gen=$gen
fi

# ---- 4b. 9,000 statements on one malloc'd buffer and one scalar --------------------
# Each statement asks per-statement questions of the whole function (is this
# a buffer's first fill? is this variable's address taken?); answering them by
# walking the function each time took minutes here (124 s and 96 s at 10,000
# statements). The same 2 s CPU bound.
awk 'BEGIN {
  print "#include <stdlib.h>\n#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble fills(const double *x) {"
  print "  double *t = malloc(8 * sizeof *t);\n  double s = 0, y;"
  for (i = 0; i < 3000; i++)
    printf "  t[%d] = x[%d] * 0.5;\n  y = x[%d] * x[%d];\n  s = s + t[%d] * t[%d] + y * 0.5;\n", i % 8, (i + 3) % 8, i % 8, (i + 5) % 8, i % 8, (i + 1) % 8
  print "  free(t);\n  return s;\n}"
}' >fills.c
if expect_ok fills9k fills.c; then
  budget=$((2 * scale))
  if awk -v s="$cpu" -v b="$budget" 'BEGIN { exit !(s < b) }'; then
    ok fills9k "9,000 statements on one buffer and one scalar in ${cpu}s CPU (bound ${budget}s CPU)"
  else
    bad fills9k "generation took ${cpu}s CPU, more than ${budget}s"
  fi
fi

# ---- 5. 200 levels of nested ifs and loops -----------------------------------------
awk 'BEGIN {
  D = 200
  print "#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble deep(double x, int n) {\n  double s = x;"
  for (d = 0; d < D; d++) {
    if (d % 2 == 0) printf "%*sif (s > -1e300) {\n", d + 2, ""
    else printf "%*sfor (int i%d = 0; i%d < n; i%d++) {\n", d + 2, "", d, d, d
    printf "%*ss = s * 1.0001 + x * 0.5;\n", d + 3, ""
  }
  for (d = D - 1; d >= 0; d--) printf "%*s}\n", d + 2, ""
  print "  return s;\n}"
}' >deep.c
cat >deep_main.c <<'EOF'
#include <math.h>
#include <stdio.h>
double deep_grad(double x, double *x_bar, int n);
int main(void) {
  /* with n = 1 every level runs once: s_k = 1.0001 s_{k-1} + 0.5 x, s_0 = x */
  double x = 0.7, s = x, d = 1, g = 0;
  for (int k = 0; k < 200; k++) { s = 1.0001 * s + 0.5 * x; d = 1.0001 * d + 0.5; }
  double v = deep_grad(x, &g, 1);
  if (fabs(v - s) > 1e-12 * s || fabs(g - d) > 1e-12 * d) {
    printf("deep %.17g (want %.17g), d/dx %.17g (want %.17g)\n", v, s, g, d);
    return 1;
  }
  /* n = 0: only the ifs (100 of them, one statement each before the loop) */
  s = x; d = 1; g = 0;
  s = 1.0001 * s + 0.5 * x; d = 1.0001 * d + 0.5;
  v = deep_grad(x, &g, 0);
  if (fabs(v - s) > 1e-12 * s || fabs(g - d) > 1e-12 * d) {
    printf("n=0: deep %.17g (want %.17g), d/dx %.17g (want %.17g)\n", v, s, g, d);
    return 1;
  }
  return 0;
}
EOF
expect_ok deep200 deep.c && numeric deep200 deep.c deep_main.c && ok deep200 "${secs}s"

# ---- 6. a function with 1,000 parameters ------------------------------------------
params() { # params WRT...
  awk -v wrt="$*" 'BEGIN {
    P = 1000
    printf "#include <gradc.h>\n\nGRADC_GRAD(wrt(%s))\ndouble many(", wrt
    for (i = 0; i < P; i++) printf "%s\n    double p%d", (i ? "," : ""), i
    print ") {\n  double s = 0;"
    for (i = 0; i < P; i++) printf "  s += p%d * p%d * %d;\n", i, (i + 1) % P, i + 1
    print "  return s;\n}"
  }'
}
params p0, p7, p59 >params.c
awk 'BEGIN {
  P = 1000
  print "#include <math.h>\n#include <stdio.h>"
  printf "double many_grad("
  for (i = 0; i < P; i++) printf "%sdouble%s", (i ? ", " : ""), (i == 0 || i == 7 || i == 59 ? ", double *" : "")
  print ");\nint main(void) {\n  double p[1000], g[3] = {0};\n  for (int i = 0; i < 1000; i++) p[i] = 1 + i * 1e-3;"
  printf "  double v = many_grad("
  for (i = 0; i < P; i++) printf "%sp[%d]%s", (i ? ", " : ""), i, (i == 0 ? ", &g[0]" : i == 7 ? ", &g[1]" : i == 59 ? ", &g[2]" : "")
  print ");"
  print "  double s = 0;\n  for (int i = 0; i < 1000; i++) s += p[i] * p[(i + 1) % 1000] * (i + 1);"
  print "  /* ds/dp_k = (k + 1) p_{k+1} + k p_{k-1}, cyclically (p_999 p_0 has weight 1000) */"
  print "  int k[3] = {0, 7, 59}, bad = fabs(v - s) > 1e-12 * s;"
  print "  for (int j = 0; j < 3; j++) {\n    int i = k[j];\n    double w = (i + 1) * p[(i + 1) % 1000] + (i ? i * p[i - 1] : 1000 * p[999]);"
  print "    if (fabs(g[j] - w) > 1e-12 * w) { printf(\"d/dp%d %.17g, want %.17g\\n\", i, g[j], w); bad = 1; }\n  }"
  print "  return bad;\n}"
}' >params_main.c
expect_ok params1000 params.c && numeric params1000 params.c params_main.c && ok params1000 "wrt 3 of 1,000, ${secs}s"
# wrt a parameter far down the list: gradc may refuse (it tracks activity in
# a 64-bit mask), but then cleanly, at the parameter.
params p0, p999 >params_late.c
d=$work/o-params_late-probe; mkdir -p "$d"
if gradc_run params_late "$d" -- params_late.c "${inc[@]}" -o "$d/out.c"; then
  if [ "$rc" -eq 0 ] && gcc -std=c11 -fsyntax-only -Wall -Wextra "${inc[@]}" "$d/out.c" 2>/dev/null; then
    ok params_late "wrt p999 accepted"
  else
    expect_fail params_late 1 '^params_late\.c:[0-9]+:[0-9]+: error: ' -- params_late.c "${inc[@]}" -o @OUT@
  fi
fi

# ---- 7. a long expression: 1,000 terms in one statement ---------------------------
awk 'BEGIN { printf "#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) {\n  return x"
  for (i = 0; i < 1000; i++) printf " * 1.0001 + x"; print ";\n}" }' >chain1k.c
expect_ok chain1k chain1k.c && ok chain1k "${secs}s"
if ! known_bug chain10k "/tmp/gradc-bugs/rel-01-long-expression-quadratic.sh: 10,000 terms take 13 s and 1.4 GB"; then
  awk 'BEGIN { printf "#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) {\n  return x"
    for (i = 0; i < 10000; i++) printf " * 1.0001 + x"; print ";\n}" }' >chain10k.c
  if expect_ok chain10k chain10k.c; then
    if awk -v s="$cpu" -v b="$((2 * scale))" 'BEGIN { exit !(s < b) }'; then ok chain10k "${cpu}s CPU"
    else bad chain10k "10,000 terms took ${cpu}s CPU"; fi
  fi
fi

# ---- 8. bytes that are not C ---------------------------------------------------------
# 20,000 pseudo-random bytes, the same on every run.
awk 'BEGIN { srand(20240601); for (i = 0; i < 20000; i++) printf "%c", int(rand() * 256) }' >random.c
expect_fail random_bytes 1 '^random\.c:[0-9]+:[0-9]+: error: ' -- random.c "${inc[@]}" -o @OUT@
# NUL bytes: clang ignores a NUL with a warning, so this is valid C.
printf '#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) { return x \000* x; }\n' >nul.c
d=$work/o-nul_byte-probe; mkdir -p "$d"
if gradc_run nul_byte "$d" -- nul.c "${inc[@]}" -o "$d/out.c"; then
  if [ "$rc" -eq 0 ]; then
    if grep -q 'x_bar' "$d/out.c" && gcc -std=c11 -fsyntax-only -Wall -Wextra -Werror "${inc[@]}" "$d/out.c" 2>/dev/null
    then ok nul_byte "accepted, as by clang"; else bad nul_byte "accepted, but the output is broken"; fi
  else
    expect_fail nul_byte 1 '^nul\.c:[0-9]+:[0-9]+: ' -- nul.c "${inc[@]}" -o @OUT@
  fi
fi
printf '\000\000\000\000' >nul_only.c
expect_fail nul_only "1 2" '(nul_only\.c)' -- nul_only.c "${inc[@]}" -o @OUT@
{ ok_c; printf '/* an unterminated comment\n\ndouble g(double x) { return x; }\n'; } >unterminated.c
expect_fail unterminated_comment 1 '^unterminated\.c:5:1: error: unterminated /\* comment' -- \
  unterminated.c "${inc[@]}" -o @OUT@
{ ok_c; printf 'const char *s = "an unterminated string;\n'; } >unterminated_string.c
expect_fail unterminated_string 1 '^unterminated_string\.c:5:[0-9]+: (error|warning): ' -- \
  unterminated_string.c "${inc[@]}" -o @OUT@
printf '#include <gradc.h>\n\nGRADC_GRAD(wrt(x))\ndouble f(double x) {\n  if (x > 0) {\n    x = x * x;\n  return x;\n' >unbalanced.c
expect_fail unbalanced_braces 1 '^unbalanced\.c:[0-9]+:[0-9]+: error: ' -- unbalanced.c "${inc[@]}" -o @OUT@
# A huge line: one statement of 200,000 characters that is an error.
{ ok_c; printf 'double g(double x) { return x'; awk 'BEGIN { for (i = 0; i < 20000; i++) printf " + x * 1.5"; }'; printf ' +; }\n'; } >hugeline.c
expect_fail huge_error_line 1 '^hugeline\.c:5:[0-9]+: error: ' -- hugeline.c "${inc[@]}" -o @OUT@

# ---- 9. encodings: a UTF-8 BOM, CRLF line endings (valid: must work) -----------------
printf '\357\273\277' >bom.c; ok_c >>bom.c
sed 's/$/\r/' ok.c >crlf.c
printf '\357\273\277' >bom_crlf.c; cat crlf.c >>bom_crlf.c
expect_ok plain ok.c && ref=$gen
for c in bom crlf bom_crlf; do
  if expect_ok "$c" "$c.c"; then
    # the same code as from ok.c, apart from the first line (it names the input)
    if diff <(tail -n +2 "$ref") <(tail -n +2 "$gen") >/dev/null; then ok "$c" "same output as with LF, no BOM"
    else bad "$c" "the output differs from the plain file's"; fi
  fi
done
# A located diagnostic in a CRLF file points at the right line and column.
printf '#include <gradc.h>\r\n\r\nGRADC_GRAD(wrt(x))\r\ndouble f(double x) {\r\nagain:\r\n  x = x * x;\r\n  if (x < 1) goto again;\r\n  return x;\r\n}\r\n' >crlf_goto.c
expect_fail crlf_diagnostic 1 '^crlf_goto\.c:7:14: error: ' -- crlf_goto.c "${inc[@]}" -o @OUT@

# ---- 10. file system: inputs and outputs that are not regular files ------------------
mkdir -p dir.c
expect_fail directory_named_x.c 2 "dir\.c" -- dir.c "${inc[@]}" -o @OUT@
mkdir -p outdir.c
d=$work/o-output_is_directory; mkdir -p "$d"
if gradc_run output_is_directory "$d" -- ok.c "${inc[@]}" -o outdir.c; then
  if [ "$rc" -ne 2 ]; then bad output_is_directory "exit status $rc, expected 2" "$d/stderr"
  elif ! grep -q 'outdir\.c' "$d/stderr"; then bad output_is_directory "no message naming it" "$d/stderr"
  elif [ ! -d outdir.c ] || [ -n "$(leftovers outdir.c)" ]; then bad output_is_directory "the folder was changed"
  elif compgen -G "$work/outdir.c?*" >/dev/null; then bad output_is_directory "a temporary file was left"
  else ok output_is_directory "exit 2: $(head -n1 "$d/stderr")"; fi
fi
# The output's folder is not writable. Root writes anyway, so as root the
# check runs as 'nobody' (as tests/diag/bad_input.sh does), else it is skipped.
mkdir -p ro && chmod 555 ro
nobody=()
if [ "$(id -u)" -eq 0 ]; then
  nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  if ! command -v setpriv >/dev/null 2>&1 || ! "${nobody[@]}" test -x "$gradc" 2>/dev/null ||
     ! "${nobody[@]}" test -r "$src/include/gradc.h" 2>/dev/null || ! "${nobody[@]}" test -r ok.c 2>/dev/null; then
    nobody=(skip)
  fi
fi
if [ "${nobody[*]-}" = skip ]; then
  echo "SKIP unwritable_output_dir: running as root, and cannot switch to 'nobody'"
else
  who=$(id -un); [ ${#nobody[@]} -gt 0 ] && who=nobody
  d=$work/o-unwritable_output_dir; mkdir -p "$d"; chmod 777 "$d"
  if gradc_run unwritable_output_dir "$d" "${nobody[@]}" -- ok.c "${inc[@]}" -o ro/out.c; then
    if [ "$rc" -ne 2 ]; then bad unwritable_output_dir "exit status $rc, expected 2" "$d/stderr"
    elif ! grep -q -E 'ro/out\.c.*Permission denied' "$d/stderr"; then bad unwritable_output_dir "no message" "$d/stderr"
    elif [ -n "$(leftovers ro)" ]; then bad unwritable_output_dir "left:$(leftovers ro)"
    else ok unwritable_output_dir "as ${who}: $(head -n1 "$d/stderr")"; fi
  fi
  # ... and an existing, read-only output in it keeps its contents
  chmod 755 ro; printf '%s\n' "$sentinel" >ro/old.c; chmod 444 ro/old.c; chmod 555 ro
  d=$work/o-unwritable_existing; mkdir -p "$d"; chmod 777 "$d"
  if gradc_run unwritable_existing "$d" "${nobody[@]}" -- ok.c "${inc[@]}" -o ro/old.c; then
    if [ "$rc" -ne 2 ]; then bad unwritable_existing "exit status $rc, expected 2" "$d/stderr"
    elif [ "$(cat ro/old.c)" != "$sentinel" ]; then bad unwritable_existing "the existing file was changed"
    elif [ -n "$(leftovers ro old.c)" ]; then bad unwritable_existing "left:$(leftovers ro old.c)"
    else ok unwritable_existing "exit 2, the old file kept"; fi
  fi
fi
# Standard output that cannot be written: exit 2, with a message.
if [ -c /dev/full ]; then
  d=$work/o-stdout_full; mkdir -p "$d"
  timeout "$limit" "$gradc" ok.c "${inc[@]}" -o - >/dev/full 2>"$d/stderr"; rc=$?
  if [ "$rc" -ne 2 ]; then bad stdout_full "exit status $rc, expected 2" "$d/stderr"
  elif [ -s "$d/stderr" ]; then ok stdout_full "exit 2: $(head -n1 "$d/stderr")"
  # cosmetic: the status is right, the message is missing
  elif ! known_bug stdout_full_message "/tmp/gradc-bugs/rel-06-stdout-write-error-silent.sh: exit 2 without a message"; then
    bad stdout_full "exit status 2 without a message"
  fi
fi

# ---- 11. outputs that are the input: never destroy it ------------------------------
# Each must refuse (exit 2) or leave the input byte-for-byte as it was.
same_check() { # NAME FILE GRADC_ARGS...
  local name=$1 file=$2 d=$work/o-$1
  shift 2
  mkdir -p "$d"
  ok_c >"$file"
  gradc_run "$name" "$d" -- "$@" || return
  if ! ok_c | cmp -s - "$file"; then bad "$name" "the input was overwritten (exit status $rc)" "$d/stderr"
  elif [ "$rc" -ne 0 ] && [ ! -s "$d/stderr" ]; then bad "$name" "exit status $rc without a message"
  else ok "$name" "exit $rc, the input is intact"; fi
}
if ! known_bug output_is_input "/tmp/gradc-bugs/rel-03-output-overwrites-input.sh"; then
  same_check output_is_input same.c same.c "${inc[@]}" -o same.c
  same_check output_is_input_dotslash same2.c same2.c "${inc[@]}" -o ./same2.c
  same_check header_is_input same3.c same3.c "${inc[@]}" -o same3_grad.c --header same3.c
  same_check depfile_is_input same4.c same4.c "${inc[@]}" -o same4_grad.c -MD -MF same4.c
fi

# ---- 12. --check against a large existing output ----------------------------------
if [ -n "${many_gen-}" ] && ! known_bug check_large "/tmp/gradc-bugs/rel-05-check-read-overflow.sh: read_file writes chunk[65536]"; then
  d=$work/o-check_large; mkdir -p "$d"
  if gradc_run check_large "$d" -- many.c "${inc[@]}" --check -o "$many_gen"; then
    if [ "$rc" -eq 0 ]; then ok check_large "--check on a $(wc -c <"$many_gen")-byte output"
    else bad check_large "exit status $rc on an up-to-date output" "$d/stderr"; fi
  fi
fi

echo
[ -f "$work/timings" ] && cat "$work/timings"
[ $known -gt 0 ] && echo "reliability: $known known bugs skipped (GRADC_REL_STRICT=1 runs them)"
echo "reliability: $pass passed, $fail failed"
[ $fail -eq 0 ]
