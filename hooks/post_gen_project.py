"""Set the scripts' executable bits in the freshly rendered project and tell the user what to do next.

Runs inside the rendered project directory and is idempotent. Files that depend on the answers are chosen by
their templated names, not here, so renders that run no hooks (Backstage's fetch:cookiecutter) get the same tree.
"""
from __future__ import annotations

import json
import shlex
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


def bootstrap_steps(context: Mapping[str, str]) -> list[tuple[str, str]]:
    """One bootstrap for the one account; with production in an account of its own, one per account."""
    production = context["aws_oidc_role_arn"].split(":")[4]
    staging = context.get("staging_account_id") or production
    if staging == production:
        return [("make bootstrap", "once per AWS account: state, image repository, OIDC roles (docs/runbook.md)")]
    return [("make bootstrap ENV=production", f"as an administrator of {production}: state, OIDC roles"),
            ("make bootstrap ENV=staging", f"then as one of {staging}: the same, and the image repository")]


def next_steps(context: Mapping[str, str], project_dir: Path) -> str:
    """The short guide printed after rendering, starting from where the project was written."""
    repository = f"{context['github_owner']}/{context['github_repo']}"
    steps = [
        (f"cd {shlex.quote(str(project_dir))}", "where the project was written"),
        ("make install test", "the service's checks, locally"),
        ("make run", f"serve it on http://127.0.0.1:{context['container_port']}"),
        (f"gh repo create {repository} --private", "the repository first: the AWS roles trust its ID"),
        *bootstrap_steps(context),
        ("git init, commit, push to main", "CI tests, plans, applies and releases"),
    ]
    width = max(len(command) for command, _ in steps)
    lines = [f"  {number}. {command:<{width}}  # {what}" for number, (command, what) in enumerate(steps, 1)]
    return "\n".join([f"Rendered {context['project_slug']}. Next:", *lines])


def main() -> int:
    context = json.loads(RENDERED_CONTEXT)
    project_dir = Path.cwd()
    make_scripts_executable(project_dir)
    print(next_steps(context, project_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
