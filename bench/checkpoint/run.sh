#!/usr/bin/env bash
# bench/checkpoint/run.sh: the gradient of a 500-point heat equation with
# and without GRADC_CHECKPOINT, at 10^4 and 10^5 steps, against the number
# of snapshots: time, peak memory of the gradc runtime (tape and
# snapshots), peak resident set, and whether the gradient equals the
# recorded one (relative 1e-10). Runs after the README's build; each
# configuration 3 times, interleaved, best time kept. Writes
# bench/checkpoint/results.md. About a minute on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$(dirname "$here")")
build=${GRADC_BUILD:-$root/build}
out=$here/out
mkdir -p "$out"
"$build/gradc" "$here/heat.c" -o "$out/heat_grad.c" -- -I"$root/include"
cc -std=c11 -O2 -I"$root/include" "$here/driver.c" "$here/heat.c" "$out/heat_grad.c" "$build/libgradc.a" -lm \
  -o "$out/driver"
configs="-1 5 10 20 50 0"
{
  echo "# GRADC_CHECKPOINT: the heat equation, 500 points"
  echo
  echo "\`bash bench/checkpoint/run.sh\`, $(date -u +%Y-%m-%d), gradc $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?');"
  echo "one gradient per process, best of 3 interleaved runs. Runtime memory: the tape and the"
  echo "snapshots, through gradc's allocator hook; RSS: the process's peak resident set."
  echo
  echo "| steps | snapshots | time (s) | time / recorded | runtime memory | memory / recorded | peak RSS | gradient |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$here/results.md"
for steps in 10000 100000; do
  declare -A best=() mem=() rss=() sum=()
  for rep in 1 2 3; do
    for c in $configs; do
      read -r t m r s _ < <("$out/driver" "$steps" "$c")
      if [ -z "${best[$c]:-}" ] || awk -v a="$t" -v b="${best[$c]}" 'BEGIN { exit !(a < b) }'; then best[$c]=$t; fi
      mem[$c]=$m rss[$c]=$r sum[$c]=$s
    done
  done
  for c in $configs; do
    same=$(awk -v a="${sum[$c]}" -v b="${sum[-1]}" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; print (d <= 1e-10 * (s > 1 ? s : 1)) ? "equal" : "DIFFERS" }')
    label=$([ "$c" = -1 ] && echo "recorded" || { [ "$c" = 0 ] && echo "0 (auto)" || echo "$c"; })
    awk -v st="$steps" -v l="$label" -v t="${best[$c]}" -v t0="${best[-1]}" -v m="${mem[$c]}" -v m0="${mem[-1]}" \
        -v r="${rss[$c]}" -v g="$same" \
        'BEGIN { printf "| %d | %s | %.3f | %.2f | %.2f MB | %.3f | %.1f MB | %s |\n", st, l, t, t / t0, m / 1e6, m / m0, r / 1024, g }'
  done >>"$here/results.md"
  unset best mem rss sum
done
cat "$here/results.md"
