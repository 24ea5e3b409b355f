"""Backstage's own code for the template's tests: the catalog's entity validators, the scaffolder's form
validation and templating, and its fetch:cookiecutter action (backstage.mjs). It runs under Node.js from
this directory's pinned, locked npm install (`make test` runs `npm ci` here)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTALL_HINT = "run `make test` (it runs `npm ci` in tests/backstage), or `npm ci --prefix tests/backstage` by hand"


def unavailable_reason() -> str | None:
    """Why Backstage's code cannot run here, or None when it can."""
    if not shutil.which("node"):
        return "Node.js (node) is not on PATH: install Node.js 20 or newer"
    if not (HERE / "node_modules/@backstage/plugin-scaffolder-backend-module-cookiecutter").is_dir():
        return f"Backstage's npm packages are not installed: {INSTALL_HINT}"
    return None


def call(command: str, env: Mapping[str, str] | None = None, **request) -> dict:
    """The answer of one backstage.mjs command. Raises with Node's error output when it fails."""
    result = subprocess.run(["node", str(HERE / "backstage.mjs")], input=json.dumps({"command": command, **request}),
                            capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RuntimeError(f"backstage.mjs {command} failed ({result.returncode}): {result.stderr[-6000:]}")
    return json.loads(result.stdout)
