"""Workflow artifacts as the pinned actions store and lay them out, so that a step reading another job's
files is tested against the layout GitHub gives it, not one a test builds by hand.

What it proves: where a job's files land. actions/upload-artifact (v7.0.0) stores a single file at the root
of its artifact; actions/download-artifact (v8.0.1, src/download-artifact.ts) extracts into `path` itself a
download by `name`, one with `merge-multiple`, and one whose `pattern` matches a single artifact, and into
`path/<artifact name>` each artifact of a pattern that matches two or more. A missing artifact fails the
download step unless the step continues on error. What it cannot prove: GitHub's storage itself (retention,
sizes, other runs' artifacts), and patterns beyond what fnmatch and minimatch agree on (no braces, no
dot-files).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath


def uploaded_by(job: dict, files: dict[str, str]) -> dict[str, dict[str, str]]:
    """The artifacts a job's upload-artifact steps store: artifact name -> {file name: text}. `files` gives
    the text of each file the job wrote (a single file an upload, as the rendered workflows upload); an
    upload of a path the job did not write stores nothing."""
    artifacts = {}
    for step in job.get("steps", []):
        if step.get("uses", "").split("@")[0] == "actions/upload-artifact" and step["with"]["path"] in files:
            path = step["with"]["path"]
            artifacts[step["with"]["name"]] = {PurePosixPath(path).name: files[path]}
    return artifacts


def download(inputs: dict, artifacts: dict[str, dict[str, str]], workspace: Path) -> None:
    """One download-artifact step with these inputs (`with:`), from the run's artifacts, into `workspace`."""
    root = workspace / inputs.get("path", ".")
    if "name" in inputs:
        if inputs["name"] not in artifacts:
            raise FileNotFoundError(f"Unable to download artifact(s): Artifact not found for name: {inputs['name']}")
        chosen = {inputs["name"]: artifacts[inputs["name"]]}
    else:
        pattern = inputs.get("pattern", "*")
        chosen = {name: files for name, files in artifacts.items() if fnmatchcase(name, pattern)}
    flat = "name" in inputs or str(inputs.get("merge-multiple", "")).lower() == "true" or len(chosen) == 1
    for name, files in chosen.items():
        for file, text in files.items():
            target = (root if flat else root / name) / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


CONDITION = re.compile(r"^(?P<expression>[\w.-]+) == '(?P<value>[^']*)'$")


def runs(step: dict, expressions: Mapping[str, str]) -> bool:
    """Whether a step runs: no `if:`, or one of the form `EXPRESSION == 'VALUE'` whose expression
    `expressions` gives (any other form is refused, so that a condition is never guessed)."""
    condition = step.get("if")
    if condition is None:
        return True
    found = CONDITION.match(condition.strip())
    if not found or found["expression"] not in expressions:
        raise ValueError(f"cannot evaluate the step condition {condition!r}")
    return expressions[found["expression"]] == found["value"]


def download_steps(job: dict, artifacts: dict[str, dict[str, str]], workspace: Path,
                   expressions: Mapping[str, str] | None = None) -> None:
    """Every download-artifact step of a job that runs, in order; a failed one stops the job unless it
    continues on error."""
    for step in job.get("steps", []):
        if step.get("uses", "").split("@")[0] == "actions/download-artifact" and runs(step, expressions or {}):
            try:
                download(step.get("with", {}), artifacts, workspace)
            except FileNotFoundError:
                if not step.get("continue-on-error"):
                    raise
