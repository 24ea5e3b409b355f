"""The rendered project's shell scripts, run for real with stand-ins for the tools they call (gh, aws,
terraform): each stand-in answers as the real tool does and records how it was called."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

IDS = ("81726354", "918273645")


def stand_in(directory: Path, name: str, body: str) -> None:
    """An executable `name` in `directory` that logs its arguments to calls.log, then runs `body`."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> "{directory}/calls.log"\n{body}\n')
    script.chmod(0o755)


def run_script(project: Path, command: list[str], tools: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs with the stand-ins first on PATH and nothing else but the system's basic tools."""
    path = f"{tools}:/usr/bin:/bin"
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "AWS_", "TF_"))}
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120,
                          env={**clean, "PATH": path, **(env or {})}, check=False)


def calls(tools: Path) -> list[str]:
    log = tools / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def default_project(bakery) -> Path:
    return bakery({})


def test_github_ids_prints_the_ids_gh_reads(default_project, tmp_path):
    stand_in(tmp_path, "gh", f'echo "{IDS[0]} {IDS[1]}"')
    result = run_script(default_project, ["scripts/github-ids.sh"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"-var=github_owner_id={IDS[0]} -var=github_repository_id={IDS[1]}"
    assert calls(tmp_path) == ['gh api repos/acme/orders-api --jq "\\(.owner.id) \\(.id)"']


def test_github_ids_fails_saying_to_create_the_repository_first(default_project, tmp_path):
    stand_in(tmp_path, "gh", 'echo "gh: Not Found (HTTP 404)" >&2; exit 1')
    result = run_script(default_project, ["scripts/github-ids.sh"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "Create the repository first" in result.stderr
    assert "gh repo create acme/orders-api --private" in result.stderr


def test_github_ids_without_gh_says_how_to_get_the_ids(default_project, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    result = run_script(default_project, ["scripts/github-ids.sh"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "gh CLI is not installed" in result.stderr and "GITHUB_OWNER_ID=" in result.stderr


@pytest.mark.parametrize("owner, repository, ok", [
    (IDS[0], IDS[1], True), (IDS[0], "", False), ("acme", IDS[1], False), ("0", IDS[1], False),
])
def test_github_ids_can_be_given_instead_of_read(default_project, tmp_path, owner, repository, ok):
    stand_in(tmp_path, "gh", "exit 99")
    result = run_script(default_project, ["scripts/github-ids.sh"], tmp_path,
                        {"GITHUB_OWNER_ID": owner, "GITHUB_REPOSITORY_ID": repository})
    assert (result.returncode == 0) is ok, result.stderr
    assert calls(tmp_path) == []
    if ok:
        assert result.stdout.strip() == f"-var=github_owner_id={owner} -var=github_repository_id={repository}"
    else:
        assert f"GITHUB_OWNER_ID='{owner}'" in result.stderr


def test_make_bootstrap_stops_before_terraform_apply_when_the_ids_are_unreadable(default_project, tmp_path):
    stand_in(tmp_path, "gh", "exit 1")
    stand_in(tmp_path, "terraform", "exit 0")
    stand_in(tmp_path, "aws", "exit 0")
    result = run_script(default_project, ["make", "bootstrap", "TERRAFORM=terraform"], tmp_path)
    assert result.returncode != 0
    assert "Create the repository first" in result.stderr
    assert not [call for call in calls(tmp_path) if call.startswith("terraform") and " apply" in call]


PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


@pytest.mark.parametrize("mode, state, providers, expected", [
    ("yes", "", "", "true"),
    ("no", "", "", "false"),
    ("auto", "", "", "true"),
    ("auto", "", f"arn:aws:iam::123456789012:oidc-provider/gitlab.example.com\t{PROVIDER}", "false"),
    ("auto", "aws_iam_openid_connect_provider.github[0]", PROVIDER, "true"),
])
def test_oidc_provider_is_reused_or_created(default_project, tmp_path, mode, state, providers, expected):
    stand_in(tmp_path, "terraform", f'[ "$2" = state ] && printf "%s\\n" "{state}"; exit 0')
    stand_in(tmp_path, "aws", f'printf "%s\\n" "{providers}"')
    result = run_script(default_project, ["scripts/oidc-provider.sh", mode], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"-var=create_oidc_provider={expected}"
    asked_aws = any(call.startswith("aws iam list-open-id-connect-providers") for call in calls(tmp_path))
    assert asked_aws is (mode == "auto" and not state)


def test_oidc_provider_refuses_an_unknown_mode_and_a_failed_lookup(default_project, tmp_path):
    assert run_script(default_project, ["scripts/oidc-provider.sh", "maybe"], tmp_path).returncode == 64
    stand_in(tmp_path, "terraform", "exit 1")
    stand_in(tmp_path, "aws", 'echo "An error occurred (ExpiredToken)" >&2; exit 254')
    result = run_script(default_project, ["scripts/oidc-provider.sh", "auto"], tmp_path)
    assert result.returncode == 1 and "could not list the account's OIDC providers" in result.stderr
