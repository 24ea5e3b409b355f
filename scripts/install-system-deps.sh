#!/usr/bin/env bash
# Installs the system tools the reliability tests and benchmarks use: wrk (the load generator) and
# bubblewrap (bwrap, the sandbox that runs the app as Fargate runs the container); jq, with which the
# emulated GitHub answers `gh api --jq` as gh does; and the container engine that builds and runs the rendered
# image (podman with runc, catatonit as the init process, debootstrap for the stand-in base image); and
# PostgreSQL's server (initdb, pg_ctl), which the database renders' tests start (tests/postgres.py).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

packages=()
found=()
need() {  # need COMMAND PACKAGE
  if command -v "$1" >/dev/null 2>&1; then found+=("$(command -v "$1")"); else packages+=("$2"); fi
}
need wrk wrk
need bwrap bubblewrap
need jq jq
need curl curl
need podman podman
need iptables iptables
need runc runc
need catatonit catatonit
need debootstrap debootstrap
# Debian keeps the server's programs off PATH, in /usr/lib/postgresql/<major>/bin.
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  found+=(/usr/lib/postgresql/*/bin/pg_ctl)
else
  packages+=(postgresql)
fi
if [ ${#packages[@]} -eq 0 ]; then
  echo "system tools: ${found[*]}"
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
