#!/usr/bin/env bash
# Resolves the rendered project's uv.lock and requirements-uv.txt again after a pin in its pyproject.toml or
# requirements-uv.in changed: renders the default project, locks it with uv, and writes both files back into
# the template with the project's name templated again. One lock serves every render: the rendered
# pyproject.toml names no input but the project's name (tests/test_rendered_service.py proves it).
# Usage: scripts/lock-rendered.sh UV PYTHON COOKIECUTTER
set -euo pipefail
uv=$(realpath "$1") python=$2 cookiecutter=$3
template=$(cd "$(dirname "$0")/.." && pwd)
rendered="$template/{{cookiecutter.project_slug}}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$cookiecutter" --no-input --output-dir "$out" "$template" >/dev/null
project=$(find "$out" -mindepth 1 -maxdepth 1 -type d)
slug=$(basename "$project")
echo "Locking the rendered project ($slug) with $("$uv" --version)"
(cd "$project" && UV_PYTHON_DOWNLOADS=never "$uv" lock --python "$python" \
  && "$uv" pip compile --quiet --no-config --generate-hashes --universal requirements-uv.in -o requirements-uv.txt)

# The lock names the project once, as the root package; the template writes that name as its input.
if [ "$(grep -cx "name = \"$slug\"" "$project/uv.lock")" != 1 ]; then
  echo "expected the project's name \"$slug\" exactly once in uv.lock; look at $project/uv.lock" >&2
  trap - EXIT
  exit 1
fi
sed "s/^name = \"$slug\"\$/name = \"{{ cookiecutter.project_slug }}\"/" "$project/uv.lock" > "$rendered/uv.lock"
cp "$project/requirements-uv.txt" "$rendered/requirements-uv.txt"
echo "Wrote $rendered/uv.lock and requirements-uv.txt"
