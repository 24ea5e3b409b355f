"""Set the scripts' executable bits in the freshly rendered project and tell the user what to do next.

Runs inside the rendered project directory and is idempotent. Files that depend on the answers are chosen by
their templated names, not here, so renders that run no hooks (Backstage's fetch:cookiecutter) get the same tree.
"""
from __future__ import annotations

import json
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

RENDERED_CONTEXT = r"""{{ cookiecutter | jsonify }}"""

EXECUTABLE_GLOBS = ("scripts/*.sh",)


def make_scripts_executable(project_dir: Path) -> list[Path]:
    """Set the executable bits on the project's scripts; returns the scripts touched."""
    scripts = sorted(path for pattern in EXECUTABLE_GLOBS for path in project_dir.glob(pattern))
    for script in scripts:
        mode = script.stat().st_mode
        script.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return scripts


def next_steps(context: Mapping[str, str]) -> str:
    """The short guide printed after rendering."""
    slug = context["project_slug"]
    steps = [
        (f"cd {slug} && make install test", "the service's checks, locally"),
        ("make run", f"serve it on http://127.0.0.1:{context['container_port']}"),
        ("git init, push", f"to github.com/{context['github_owner']}/{context['github_repo']}"),
        ("make bootstrap", "once per AWS account: state bucket, OIDC roles (docs/runbook.md)"),
        ("push to main", "CI tests, plans, applies and deploys"),
    ]
    width = max(len(command) for command, _ in steps)
    lines = [f"  {number}. {command:<{width}}  # {what}" for number, (command, what) in enumerate(steps, 1)]
    return "\n".join([f"Rendered {slug}/. Next:", *lines])


def main() -> int:
    context = json.loads(RENDERED_CONTEXT)
    project_dir = Path.cwd()
    make_scripts_executable(project_dir)
    print(next_steps(context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
