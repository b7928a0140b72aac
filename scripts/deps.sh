#!/usr/bin/env bash
# deps.sh: make sure the Debian 12 packages that gradc builds and tests with
# are installed. Idempotent: with everything present it only checks. Missing
# packages are installed with apt-get when running as root or with
# passwordless sudo; otherwise the apt-get line to run is printed and the
# exit status is 1.
set -euo pipefail

packages=(libclang-19-dev clang-19 libclang-rt-19-dev libomp-19-dev libcriterion-dev libopenblas-dev pkg-config
          cmake make gcc)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: no dpkg-query, not a Debian system; need: ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  echo "deps.sh: all ${#packages[@]} packages installed"
  exit 0
fi

echo "deps.sh: missing: ${missing[*]}"
if [[ $(id -u) == 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "deps.sh: not root and no passwordless sudo; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
