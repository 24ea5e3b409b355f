#!/usr/bin/env bash
# Installs wrk, the C load generator the reliability tests and benchmarks drive the service with.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
  echo "wrk: $(command -v wrk)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "wrk is missing and this system has no apt-get; install wrk with your package manager (e.g. brew install wrk)." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "wrk: installing from Debian/Ubuntu packages"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends wrk
