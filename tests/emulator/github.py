"""An emulated GitHub for what the bootstrap reads of it and what the pipeline's sign-ins present: a
repository's ID (GET /repos/OWNER/REPO), its OIDC subject settings (GET .../actions/oidc/customization/sub),
both answered through a stand-in `gh` that applies `--jq` with jq as gh does, and the claims of the token
GitHub gives a job.

What it proves: the roles trust what GitHub reports and emits, not values the tests assemble the way the
trust policies do. The subject follows GitHub's documented default template, the `sub_claim_prefix` GitHub
reports then the job's context (`environment:NAME`, `ref:REF` or `pull_request`); the prefix is
repo:OWNER@ID/REPO@ID for a repository created since 2026-07-15 and repo:OWNER/REPO for an older one. The
token also carries the claims STS accepts as condition keys (`ref`, `environment`, `repository`,
`repository_id`, `workflow`, `actor`), from the job. What it cannot prove: GitHub's real answers; a failing
sign-in on a real repository prints the job's own subject (scripts/oidc-subject.sh).
"""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

OWNER_ID = "81726354"
REPOSITORY_ID = "918273645"


@dataclass(frozen=True)
class Job:
    """What GitHub knows of a job when it mints its token."""

    context: str  # environment:NAME, ref:REF or pull_request
    ref: str  # the git ref the run is for: refs/heads/main, refs/pull/7/merge, refs/tags/v1
    workflow: str = "ci-cd"


MAIN = Job("ref:refs/heads/main", "refs/heads/main")
RELEASE = Job("environment:production", "refs/heads/main")


class GitHub:
    """One repository as GitHub's API describes it, kept in a JSON file the stand-in `gh` reads."""

    def __init__(self, directory: Path, owner: str, repository: str, created_since_ids: bool = True,
                 repository_id: str = REPOSITORY_ID) -> None:
        self.owner, self.repository, self.repository_id = owner, repository, repository_id
        names = f"{owner}@{OWNER_ID}/{repository}@{repository_id}" if created_since_ids else f"{owner}/{repository}"
        directory.mkdir(parents=True, exist_ok=True)
        self.state = directory / "github.json"
        # use_immutable_subject is false even where the prefix carries IDs, as GitHub answers for a
        # repository created with them; the prefix is what counts.
        self.state.write_text(json.dumps({
            "repository": {"id": int(repository_id), "full_name": f"{owner}/{repository}",
                           "owner": {"login": owner, "id": int(OWNER_ID)}},
            "oidc": {"use_default": True, "use_immutable_subject": False, "sub_claim_prefix": f"repo:{names}"}}))
        self.bin = directory / "bin"
        self.bin.mkdir(exist_ok=True)
        gh = self.bin / "gh"
        gh.write_text(f"#!{sys.executable}\n# Stand-in gh: what GitHub's API says of {owner}/{repository}.\n"
                      f"import sys\nsys.path.insert(0, {str(Path(__file__).parents[2])!r})\n"
                      f"from tests.emulator.github import gh_main\n"
                      f"sys.exit(gh_main({str(self.state)!r}, sys.argv[1:]))\n")
        gh.chmod(0o755)

    def settings(self) -> dict:
        return json.loads(self.state.read_text())["oidc"]

    def subject(self, job: Job) -> str:
        """The `sub` claim GitHub gives `job` under the default template."""
        settings = self.settings()
        assert settings["use_default"], "only GitHub's default subject template is emulated"
        return f"{settings['sub_claim_prefix']}:{job.context}"

    def claims(self, job: Job) -> dict:
        claims = {"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
                  "sub": self.subject(job), "repository": f"{self.owner}/{self.repository}",
                  "repository_owner": self.owner, "repository_id": self.repository_id,
                  "repository_owner_id": OWNER_ID, "ref": job.ref, "workflow": job.workflow, "actor": "octocat"}
        if job.context.startswith("environment:"):
            claims["environment"] = job.context.split(":", 1)[1]
        return claims


def gh_main(state: str, argv: list[str]) -> int:
    """`gh api ENDPOINT [--jq EXPR]` for the two endpoints the bootstrap reads, answered as GitHub does."""
    with open(Path(state).parent / "gh-calls.log", "a") as log:
        log.write(shlex.join(argv) + "\n")
    if argv[:1] != ["api"] or any(arg in ("--method", "-X", "--input", "-f", "-F") for arg in argv):
        print(f"gh stand-in: only reading `gh api` is emulated, not {shlex.join(argv)}", file=sys.stderr)
        return 2
    known = json.loads(Path(state).read_text())
    name = known["repository"]["full_name"]
    args, jq, endpoint = argv[1:], None, None
    while args:
        head = args.pop(0)
        if head in ("--jq", "-q"):
            jq = args.pop(0)
        else:
            endpoint = head
    answers = {f"repos/{name}": known["repository"], f"repos/{name}/actions/oidc/customization/sub": known["oidc"]}
    if endpoint not in answers:
        print(f"gh: Not Found (HTTP 404) for {endpoint}", file=sys.stderr)
        return 1
    answer = json.dumps(answers[endpoint])
    if jq is None:
        print(answer)
        return 0
    return subprocess.run(["jq", "-r", jq], input=answer, text=True, check=False).returncode
