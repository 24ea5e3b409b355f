"""An actions/github-script step run for real: its script, in Node, as the action runs it (an async function of
`require`, `github`, `context` and `core`), with the step's env, in a directory of the files it reads.

What it proves: the script's own logic, which issues and comments it creates, updates or closes for a given
state of the repository, since every Octokit call it makes is answered from that state and recorded. What it
cannot prove: GitHub's real API (the stand-in answers the few calls the rendered scripts make, as GitHub
documents them: `issues.listForRepo`, `listComments`, `create`, `update`, `createComment`, `updateComment`,
and `github.paginate`).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import missing

RUNNER = r"""
const fs = require("fs");
const state = JSON.parse(fs.readFileSync(process.env.GITHUB_SCRIPT_STATE, "utf8"));
const calls = [];
const record = (name) => async (args) => { calls.push([name, args]); return { data: {} }; };
const github = {
  paginate: async (method, args) => method(args),
  rest: { issues: {
    listForRepo: (args) => {
      calls.push(["listForRepo", args]);
      return state.issues.filter((issue) => issue.state === args.state);
    },
    listComments: (args) => { calls.push(["listComments", args]); return state.comments; },
    create: record("create"), update: record("update"), createComment: record("createComment"),
    updateComment: record("updateComment"),
  } },
};
const core = { warning: (message) => calls.push(["warning", message]) };
const context = state.context;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction("require", "github", "context", "core", process.env.GITHUB_SCRIPT)(require, github, context, core)
  .then(() => process.stdout.write(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def run_github_script(step: dict, directory: Path, issues: list[dict] | None = None,
                      comments: list[dict] | None = None, context: dict | None = None) -> list[list]:
    """Runs the step's `with.script` with its `env` in `directory`; returns the recorded calls, in order."""
    node = shutil.which("node")
    if not node:
        missing("Node.js (node)", "install Node.js 20 or newer (Debian: apt-get install nodejs)")
    state = directory / ".github-script-state.json"
    state.write_text(json.dumps({"issues": issues or [], "comments": comments or [], "context": context or {
        "repo": {"owner": "acme", "repo": "orders-api"}}}))
    env = {"PATH": os.environ["PATH"], "GITHUB_SCRIPT": step["with"]["script"], "GITHUB_SCRIPT_STATE": str(state),
           **step.get("env", {})}
    result = subprocess.run([node, "-e", RUNNER], cwd=directory, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
