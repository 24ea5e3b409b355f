"""Moves the dependencies a project added to its old requirements*.in files into pyproject.toml and uv.lock.

Projects rendered before the template moved to uv kept their pins in requirements.in (runtime),
requirements-dev.in (tools) and requirements-emulator.in (moto). `cruft update` deletes those files when the
project never changed them, and leaves them as they were when it did. This script adds every requirement of
the files left over that pyproject.toml does not already name to the matching group with `uv add` (the
template's own pins stay as the template has them), then deletes the old files. Run it through make:
`make adopt-requirements`, then review and commit pyproject.toml, uv.lock and the deletions.
Usage: python3 scripts/adopt-requirements.py UV PYTHON
"""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# Each old file, and the `uv add` options that put its requirements where pyproject.toml keeps them now.
GROUPS = {
    "requirements.in": [],
    "requirements-dev.in": ["--group", "dev"],
    "requirements-emulator.in": ["--group", "emulator"],
}
# Tools the old template pinned that uv replaces.
REPLACED = {"pip-tools"}
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def declared(pyproject: Path) -> set[str]:
    """Every package pyproject.toml names, in its dependencies or any dependency group."""
    data = tomllib.loads(pyproject.read_text())
    listed = data["project"].get("dependencies", []) + [
        item for group in data.get("dependency-groups", {}).values() for item in group if isinstance(item, str)]
    return {normalised(NAME.match(item)[1]) for item in listed}


def requirements(path: Path) -> list[str]:
    """The requirement lines of a pip-tools input file: no comments, blank lines or options (-c, -r)."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            found.append(line)
    return found


def main(uv: str, python: str) -> int:
    pyproject = Path("pyproject.toml")
    leftovers = [name for name in GROUPS if Path(name).exists()]
    if not leftovers:
        print("No requirements*.in file is left: nothing to adopt.")
        return 0
    for name in leftovers:
        known = declared(pyproject) | REPLACED
        added = [line for line in requirements(Path(name)) if normalised(NAME.match(line)[1]) not in known]
        if added:
            print(f"{name}: adding {', '.join(added)} to pyproject.toml")
            result = subprocess.run([uv, "add", "--no-sync", "--python", python, *GROUPS[name], *added])
            if result.returncode:
                print(f"uv add failed for {name}; nothing was deleted. Fix the requirement it names, or add it to "
                      "pyproject.toml by hand, then run make adopt-requirements again.", file=sys.stderr)
                return result.returncode
        else:
            print(f"{name}: every requirement is already in pyproject.toml")
    for name in leftovers:
        for old in (Path(name), Path(name).with_suffix(".txt")):
            if old.exists():
                old.unlink()
                print(f"deleted {old}")
    print("Done: review pyproject.toml and uv.lock, then commit them with the deletions.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
