#!/usr/bin/env bash
# Prints a Python 3.11+ interpreter: python3.12 (the rendered default), python3.13 (also those
# managed by pyenv but not selected), then python3. Exits 1 with a hint when there is none.
set -euo pipefail

usable() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

for candidate in python3.12 python3.13; do
  if usable "$candidate"; then command -v "$candidate"; exit 0; fi
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E "^${candidate#python}(\.[0-9]+)?$" | sort -rV); do
      path="$(pyenv root)/versions/$version/bin/$candidate"
      if usable "$path"; then echo "$path"; exit 0; fi
    done
  fi
done
if usable python3; then command -v python3; exit 0; fi
echo "No Python 3.11 or newer found; install python3.12 (e.g. apt-get install python3.12-venv) and re-run." >&2
exit 1
