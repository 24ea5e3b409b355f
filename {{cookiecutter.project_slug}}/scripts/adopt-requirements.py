"""Moves the dependencies a project added to its old requirements*.in files into pyproject.toml and uv.lock.

Projects rendered before the template moved to uv kept their pins in requirements.in (runtime),
requirements-dev.in (tools) and requirements-emulator.in (moto). When the project changed any of them,
`cruft update` leaves the old files where they were. This script reads them and, for each requirement:
- a package its group in pyproject.toml does not name yet is added there with `uv add`;
- a package pinned there at a newer version (the template's update) or the same one is left as it is;
- a package pinned there at an older version, or with other extras or markers, and any option line
  (-r, -e, --index-url, ...) is a decision for a person: the script lists them, adds nothing and deletes
  nothing.
When nothing is left to decide, it deletes the old files. Run it through make (`make adopt-requirements`),
then review and commit pyproject.toml, uv.lock and the deletions.
Usage: python3 scripts/adopt-requirements.py UV PYTHON
"""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# Each old file, the pyproject.toml lists a package of it may already be in, and the `uv add` options that put
# a new one where it belongs.
GROUPS = {
    "requirements.in": (["dependencies"], []),
    "requirements-dev.in": (["dev", "dependencies"], ["--group", "dev"]),
    "requirements-emulator.in": (["emulator"], ["--group", "emulator"]),
}
# What the old template itself wrote that uv replaces: pip-tools, and the dev file's constraint on requirements.txt.
REPLACED = {"pip-tools"}
TEMPLATE_OPTIONS = {"requirements-dev.in": {"-c requirements.txt"}}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:==\s*([0-9][0-9A-Za-z.]*))?\s*(;.*)?$")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def version_key(version: str) -> tuple:
    """Release numbers compared as numbers (1.10 > 1.9); anything that is not a plain release sorts as unknown."""
    return tuple(int(part) for part in version.split(".")) if re.fullmatch(r"\d+(\.\d+)*", version) else ()


def parsed(requirement: str):
    match = REQUIREMENT.match(requirement.strip())
    if not match:
        return None
    name, extras, version, marker = match.groups()
    return normalised(name), (extras or "").replace(" ", ""), version, " ".join((marker or "").split())


def declared(pyproject: dict, lists: list[str]) -> dict:
    """name -> parsed requirement, for the named lists of pyproject.toml (dependencies or a group)."""
    found = {}
    for key in lists:
        items = pyproject["project"].get("dependencies", []) if key == "dependencies" else \
            pyproject.get("dependency-groups", {}).get(key, [])
        for item in items:
            if isinstance(item, str) and (requirement := parsed(item)):
                found.setdefault(requirement[0], requirement)
    return found


def lines(path: Path) -> list[str]:
    """The meaningful lines of a pip-tools input file: no comments or blank lines, continuations joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    return [line for line in (raw.split(" #", 1)[0].strip() for raw in text.splitlines())
            if line and not line.startswith("#")]


def plan(name: str, pyproject: dict) -> tuple[list[str], list[str]]:
    """(requirements to add, lines a person has to decide on) for one old file."""
    lists, _ = GROUPS[name]
    known = declared(pyproject, lists)
    to_add, to_decide = [], []
    for line in lines(Path(name)):
        if line in TEMPLATE_OPTIONS.get(name, set()):
            continue
        requirement = parsed(line)
        if line.startswith("-") or requirement is None:
            to_decide.append(f"{name}: `{line}` is not a plain requirement: carry it over by hand "
                             "(an index goes to [[tool.uv.index]], another file's requirements with uv add -r)")
            continue
        package, extras, version, marker = requirement
        if package in REPLACED:
            continue
        if package not in known:
            to_add.append(line)
            continue
        _, their_extras, their_version, their_marker = known[package]
        if (extras, marker) != (their_extras, their_marker):
            to_decide.append(f"{name}: `{line}` differs from pyproject.toml's {package} in its extras or marker")
        elif version and their_version and version_key(version) > version_key(their_version):
            to_decide.append(f"{name}: `{line}` is newer than pyproject.toml's {package}=={their_version}")
        elif version and their_version and not (version_key(version) and version_key(their_version)):
            to_decide.append(f"{name}: `{line}` cannot be compared with pyproject.toml's {package}=={their_version}")
    return to_add, to_decide


def add(uv: str, python: str, plans: dict) -> int:
    for name, (to_add, _) in plans.items():
        if not to_add:
            print(f"{name}: pyproject.toml already has every requirement (or a newer pin of it)")
            continue
        print(f"{name}: adding {', '.join(to_add)} to pyproject.toml")
        result = subprocess.run([uv, "add", "--no-sync", "--python", python, *GROUPS[name][1], *to_add])
        if result.returncode:
            print(f"uv add failed for {name}; no old file was deleted. Fix the requirement it names, then run "
                  "make adopt-requirements again (what was added already stays and is not added twice).",
                  file=sys.stderr)
            return result.returncode
    return 0


def main(uv: str, python: str) -> int:
    leftovers = [Path(name) for name in GROUPS if Path(name).exists()]
    orphans = [path for path in map(Path, ("requirements.txt", "requirements-dev.txt", "requirements-emulator.txt"))
               if path.exists() and not path.with_suffix(".in").exists()]
    if orphans:
        print(f"{', '.join(map(str, orphans))} without its .in file: move any pin of yours from it into "
              "pyproject.toml by hand, delete it, then run make adopt-requirements again.", file=sys.stderr)
        return 1
    if not leftovers:
        print("No requirements*.in file is left: nothing to adopt.")
        return 0
    pyproject = tomllib.loads(Path("pyproject.toml").read_text())
    plans = {path.name: plan(path.name, pyproject) for path in leftovers}
    undecided = [item for _, to_decide in plans.values() for item in to_decide]
    if undecided:
        print("Nothing was changed. Decide on each of these, in pyproject.toml (then make py-lock) or by deleting "
              "the line from the old file, then run make adopt-requirements again:", file=sys.stderr)
        print("\n".join(f"  - {item}" for item in undecided), file=sys.stderr)
        return 1
    if status := add(uv, python, plans):
        return status
    for old in (path for leftover in leftovers for path in (leftover, leftover.with_suffix(".txt"))):
        if old.exists():
            old.unlink()
            print(f"deleted {old}")
    print("Done: review pyproject.toml and uv.lock, then commit them with the deletions.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
