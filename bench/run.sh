#!/usr/bin/env bash
# bench/run.sh: issue 7's benchmark suite. Run after the README's setup
# (bash scripts/build.sh), from anywhere:   bash bench/run.sh
# Installs its extra dependencies if missing and possible (libadolc-dev,
# python3-torch; skipped with a note when unavailable), builds gradc's
# gradients of bench/kernels/*.c and the drivers with -O2, runs every kernel
# single-threaded and writes bench/results.md (also printed). Not part of
# the test suite. About 3-6 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=$here/out
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# ---- dependencies -------------------------------------------------------------
missing=()
for pkg in libadolc-dev python3-torch g++; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq || true
    for pkg in "${missing[@]}"; do
      # grep reads to the end: with -q it would stop at the match, and under
      # pipefail apt-cache's SIGPIPE would read as "not available"
      if apt-cache policy "$pkg" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$pkg" >/dev/null || echo "bench: could not install $pkg" >&2
      else
        echo "bench: $pkg is not available from apt; continuing without it" >&2
      fi
    done
  else
    echo "bench: not root; missing ${missing[*]} (sudo apt-get install ${missing[*]}); continuing" >&2
  fi
fi

# ---- gradc ----------------------------------------------------------------------
if [ -f "$root/build/CMakeCache.txt" ]; then
  if ! cmake --build "$root/build" -j2 >"$out/cmake.log" 2>&1; then
    [ -x "$root/build/gradc" ] || { cat "$out/cmake.log" >&2; exit 1; }
    echo "bench: rebuilding gradc failed (see $out/cmake.log); using the existing build/gradc" >&2
  fi
else
  bash "$root/scripts/build.sh" >/dev/null
fi

# ---- build and run ----------------------------------------------------------------
bash "$here/build.sh"
# ADOL-C: buffers large enough that every tape stays in memory (no tape files)
printf '"OBUFSIZE" "67108864"\n"LBUFSIZE" "67108864"\n"VBUFSIZE" "67108864"\n"TBUFSIZE" "67108864"\n' >"$out/.adolcrc"
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
rows=$out/rows.txt
: >"$rows"
cd "$out"
# adb_*: the same problems written as ordinary C (bench/adbench), next to the
# flattened kernels; build.sh leaves them out while gradc refuses them
for k in gmm adb_gmm lstm adb_lstm ba adb_ba mlp heat ode; do
  if [[ $k == adb_* ]] && [ ! -x "$out/bench_$k" ]; then
    echo "bench: $k skipped (gradc refuses bench/adbench/${k#adb_}.c, see $out/$k.gradc.log)" >&2
    continue
  fi
  echo "bench: $k" >&2
  "${pin[@]}" ./bench_$k "$out" >"$out/$k.log" 2>&1 || { echo "bench: $k failed, see $out/$k.log" >&2; continue; }
  grep '^ROW|' "$out/$k.log" >>"$rows"
done
py=""
for c in /usr/bin/python3 python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import torch, numpy' 2>/dev/null; then py=$c; break; fi
done
if [ -n "$py" ]; then
  echo "bench: PyTorch" >&2
  "${pin[@]}" "$py" "$here/torch/bench_torch.py" "$out" >"$out/torch.log" 2>&1 || echo "bench: PyTorch failed, see $out/torch.log" >&2
  grep '^ROW|' "$out/torch.log" >>"$rows" || true
  torch_version=$("$py" -c 'import torch; print(torch.__version__)')
else
  torch_version="not available"
fi
adolc_version=$(dpkg-query -W -f='${Version}' libadolc-dev 2>/dev/null || echo "not available")
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(lscpu | sed -n 's/^CPU(s): *//p' | head -1) CPUs (lscpu), nproc $(nproc)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "gcc=$(gcc --version | head -1)"
  echo "gxx=$(g++ --version | head -1)"
  echo "gradc=$("$root/build/gradc" --version | head -1) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "adolc=$adolc_version"
  echo "torch=$torch_version"
  echo "flags=${BENCH_CFLAGS:--O2} (gcc -std=c11 for kernels, generated and hand-written code; g++ -std=c++17 for drivers and ADOL-C)"
} >"$out/machine.txt"
python3 "$here/report.py" "$rows" "$out/machine.txt" "$here/results.md"
cat "$here/results.md"
