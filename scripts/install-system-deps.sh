#!/usr/bin/env bash
# Installs the system tools the reliability tests and benchmarks use: wrk (the load generator) and
# bubblewrap (bwrap, the sandbox that runs the app as Fargate runs the container); and jq, with which the
# emulated GitHub answers `gh api --jq` as gh does.
set -euo pipefail

packages=()
command -v wrk >/dev/null 2>&1 || packages+=(wrk)
command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
command -v jq >/dev/null 2>&1 || packages+=(jq)
if [ ${#packages[@]} -eq 0 ]; then
  echo "system tools: $(command -v wrk) $(command -v bwrap) $(command -v jq)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing ${packages[*]} and this system has no apt-get; install them with your package manager." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "system tools: installing ${packages[*]} from Debian/Ubuntu packages"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
