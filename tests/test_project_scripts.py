"""The rendered project's shell scripts, run for real with stand-ins for the tools they call (gh, aws,
terraform): each stand-in answers as the real tool does and records how it was called."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.harness import Server, container_command, free_port
from tests.emulator.account import ADMINISTRATOR, EmulatedAccount
from tests.emulator.ecs_actions import push_image
from tests.emulator.github import OWNER_ID, RELEASE, REPOSITORY_ID, GitHub


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


PREFIX = f"repo:acme@{OWNER_ID}/orders-api@{REPOSITORY_ID}"


def gh_calls(github: GitHub) -> list[str]:
    log = github.state.parent / "gh-calls.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("created_since_ids, prefix", [(True, PREFIX), (False, "repo:acme/orders-api")])
def test_github_oidc_prints_what_github_reports_and_changes_nothing(default_project, tmp_path, created_since_ids,
                                                                    prefix):
    github = GitHub(tmp_path, "acme", "orders-api", created_since_ids=created_since_ids)
    before = github.state.read_text()
    result = run_script(default_project, ["scripts/github-oidc.sh"], github.bin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"-var=github_subject_prefix={prefix} -var=github_repository_id={REPOSITORY_ID}"
    # Only reads: the stand-in refuses any write, and the repository's settings are as they were.
    assert [call.split(" --jq")[0] for call in gh_calls(github)] == [
        "api repos/acme/orders-api", "api repos/acme/orders-api/actions/oidc/customization/sub"]
    assert github.state.read_text() == before


@pytest.mark.parametrize("oidc, says", [
    ({"use_default": False, "include_claim_keys": ["repo", "context", "job_workflow_ref"]},
     "follow a custom template (repo,context,job_workflow_ref)"),
    ({"use_default": False}, "follow a custom template (the organisation's template)"),
    ({"use_default": True}, "GitHub did not report acme/orders-api's sub_claim_prefix"),
    ({"use_default": True, "sub_claim_prefix": "repo:acme@1/orders-api@2"}, "carries the repository ID 2, not"),
    ({"use_default": True, "sub_claim_prefix": "repo:acme/orders-api-fork"}, "names acme/orders-api-fork"),
])
def test_github_oidc_refuses_subjects_the_roles_would_not_match(default_project, tmp_path, oidc, says):
    github = GitHub(tmp_path, "acme", "orders-api")
    state = json.loads(github.state.read_text())
    github.state.write_text(json.dumps({**state, "oidc": oidc}))
    result = run_script(default_project, ["scripts/github-oidc.sh"], github.bin)
    assert result.returncode == 1 and result.stdout == ""
    assert says in result.stderr, result.stderr


def test_github_oidc_fails_saying_to_create_the_repository_first(default_project, tmp_path):
    stand_in(tmp_path, "gh", 'echo "gh: Not Found (HTTP 404)" >&2; exit 1')
    result = run_script(default_project, ["scripts/github-oidc.sh"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "gh: Not Found (HTTP 404)" in result.stderr  # gh's own words, then what to do
    assert "gh repo create acme/orders-api --private" in result.stderr


def test_github_oidc_without_gh_says_how_to_give_what_github_reports(default_project, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    result = run_script(default_project, ["scripts/github-oidc.sh"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "gh CLI is not installed" in result.stderr and "GITHUB_SUBJECT_PREFIX=<sub_claim_prefix" in result.stderr


@pytest.mark.parametrize("prefix, repository_id, error", [
    (PREFIX, REPOSITORY_ID, None),
    ("repo:acme/orders-api", "42", None),
    ("repo:ACME/Orders-API", "42", None),
    (PREFIX, "", "the repository ID '' is not a number"),
    ("", REPOSITORY_ID, "is not repo:OWNER/REPO"),
    (PREFIX, "42", f"carries the repository ID {REPOSITORY_ID}, not 42"),
    (f"repo:acme@{OWNER_ID}/orders-api", REPOSITORY_ID, "gives an ID for only one"),
    (f"repo:acme@{OWNER_ID}/orders-api-fork@{REPOSITORY_ID}", REPOSITORY_ID,
     "names acme/orders-api-fork, not acme/orders-api"),
    ("repo:acme/orders-api:environment:production", "42", "is not repo:OWNER/REPO"),
])
def test_github_oidc_values_can_be_given_instead_of_read(default_project, tmp_path, prefix, repository_id, error):
    stand_in(tmp_path, "gh", "exit 99")
    result = run_script(default_project, ["scripts/github-oidc.sh"], tmp_path,
                        {"GITHUB_SUBJECT_PREFIX": prefix, "GITHUB_REPOSITORY_ID": repository_id})
    assert calls(tmp_path) == []
    if error is None:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"-var=github_subject_prefix={prefix} -var=github_repository_id={repository_id}"
    else:
        assert result.returncode == 1 and error in result.stderr, result.stderr


def test_make_bootstrap_stops_before_terraform_apply_when_github_is_unreadable(default_project, tmp_path):
    stand_in(tmp_path, "gh", "exit 1")
    stand_in(tmp_path, "terraform", "exit 0")
    stand_in(tmp_path, "aws", "exit 0")
    result = run_script(default_project, ["make", "bootstrap", "TERRAFORM=terraform"], tmp_path)
    assert result.returncode != 0
    assert "gh repo create acme/orders-api --private" in result.stderr
    assert not [call for call in calls(tmp_path) if call.startswith("terraform") and " apply" in call]


@pytest.mark.parametrize("failing", ["production", "staging"])
def test_make_bootstrap_applies_each_environment_in_its_workspace_and_stops_at_the_first_failure(
        default_project, tmp_path, failing):
    """Production's bootstrap first, in the default workspace, then staging's in its own with its own variables;
    a failed apply stops the rest, fails make, and leaves the default workspace selected."""
    tools = GitHub(tmp_path, "acme", "orders-api").bin
    stand_in(tools, "aws", "echo arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")
    workspace = "default" if failing == "production" else "staging"
    stand_in(tools, "terraform", "\n".join([
        'case "$*" in',
        f'  *"workspace select -or-create {workspace}"*) echo {workspace} > "$(dirname "$0")/workspace" ;;',
        f'  *apply*) [ "$(cat "$(dirname "$0")/workspace" 2>/dev/null)" = {workspace} ] && exit 1 ;;',
        "esac",
        "exit 0"]))
    result = run_script(default_project, ["make", "bootstrap", "TERRAFORM=terraform"], tools)
    assert result.returncode != 0, result.stdout
    steps = [call.split(" ", 2)[-1] for call in calls(tools)
             if call.startswith("terraform") and ("apply" in call or "workspace" in call)]
    applies = ["workspace select -or-create default", "apply -input=false"] + (
        ["workspace select -or-create staging", "apply -input=false"] if failing == "staging" else [])
    assert [step.split(" -var")[0] for step in steps] == ["workspace select default", *applies,
                                                          "workspace select default"]
    if failing == "staging":
        assert steps[4].endswith("-var-file=staging.tfvars -var=create_oidc_provider=false")


def token_server(claims: dict):
    """GitHub's token endpoint for one job, on 127.0.0.1: answers {"value": <JWT>} and records the request."""
    import base64
    import http.server
    import threading

    segment = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")  # noqa: E731
    token = f"{segment({'alg': 'RS256'})}.{segment(claims)}.c2lnbmF0dXJl"
    asked: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            asked.append((self.path, self.headers.get("Authorization", "")))
            body = json.dumps({"value": token}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, token, asked


def test_oidc_subject_prints_the_jobs_subject_and_never_the_token(default_project, tmp_path):
    subject = GitHub(tmp_path, "acme", "orders-api").subject(RELEASE)
    server, token, asked = token_server({"sub": subject, "aud": "sts.amazonaws.com"})
    try:
        url = f"http://127.0.0.1:{server.server_port}/token?api-version=2.0"
        result = run_script(default_project, ["scripts/oidc-subject.sh"], tmp_path, {
            "ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
            "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{subject}\n" and token not in result.stdout + result.stderr
    assert asked == [("/token?api-version=2.0&audience=sts.amazonaws.com", "bearer request-token")]


def test_oidc_subject_says_when_the_job_cannot_have_a_token(default_project, tmp_path):
    result = run_script(default_project, ["scripts/oidc-subject.sh"], tmp_path)
    assert result.returncode == 1 and "id-token: write" in result.stderr


ENVIRONMENTS = {
    "reviewers": {"name": "production", "can_admins_bypass": False, "protection_rules": [
        {"type": "wait_timer", "wait_timer": 5},
        {"type": "required_reviewers", "prevent_self_review": True,
         "reviewers": [{"type": "Team", "reviewer": {"slug": "platform"}}]}]},
    "reviewers admins may bypass": {"name": "production", "can_admins_bypass": True, "protection_rules": [
        {"type": "required_reviewers", "reviewers": [{"type": "User", "reviewer": {"login": "a"}},
                                                     {"type": "User", "reviewer": {"login": "b"}}]}]},
    # What GitHub creates when a job names an environment that does not exist.
    "created by a job": {"name": "production", "can_admins_bypass": True, "protection_rules": [],
                         "deployment_branch_policy": None},
    "a wait timer only": {"name": "production", "protection_rules": [{"type": "wait_timer", "wait_timer": 30}]},
    "branches only": {"name": "production", "protection_rules": [{"type": "branch_policy"}],
                      "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True}},
    "a reviewers rule without reviewers": {"name": "production", "protection_rules": [
        {"type": "required_reviewers", "reviewers": []}]},
}


@pytest.mark.parametrize("environment, approval, released, says", [
    ("reviewers", None, True, "production requires one of 1 reviewers to approve each release"),
    ("reviewers admins may bypass", None, True, "::notice title=Administrators may bypass the reviewers::"),
    ("created by a job", None, False, "requires no reviewer, so every push to main would release unapproved"),
    ("a wait timer only", None, False, "Add required reviewers (Settings > Environments > production)"),
    ("branches only", None, False, "set the repository variable RELEASE_APPROVAL to none"),
    ("a reviewers rule without reviewers", None, False, "requires no reviewer"),
    ("reviewers", "never", False, "RELEASE_APPROVAL is 'never'; allowed: required (the default) or none"),
])
def test_a_release_is_refused_when_its_environment_needs_no_approval(
        default_project, tmp_path, environment, approval, released, says):
    answer = json.dumps(ENVIRONMENTS[environment])
    stand_in(tmp_path, "gh", '[ "$2" = repos/acme/orders-api/environments/production ] || exit 1\n'
                             f"printf '%s' '{answer}' | jq -r \"$4\"")
    extra = {"GITHUB_REPOSITORY": "acme/orders-api", **({"RELEASE_APPROVAL": approval} if approval else {})}
    result = run_script(default_project, ["scripts/release-approval.sh", "production"], tmp_path, extra)
    assert (result.returncode == 0) is released, result.stdout + result.stderr
    assert says in result.stdout + result.stderr
    assert ("::notice" in result.stdout) is (environment == "reviewers admins may bypass")
    if not released:
        assert "docs/runbook.md#first-deploy" in result.stderr


def test_a_release_without_approval_is_a_decision_that_reads_nothing(default_project, tmp_path):
    stand_in(tmp_path, "gh", "exit 99")
    result = run_script(default_project, ["scripts/release-approval.sh", "production"], tmp_path,
                        {"GITHUB_REPOSITORY": "acme/orders-api", "RELEASE_APPROVAL": "none"})
    assert result.returncode == 0 and calls(tmp_path) == []
    assert "::warning title=Released without approval::" in result.stdout


@pytest.mark.parametrize("error, says", [
    ("gh: Not Found (HTTP 404)", "environments of private repositories need GitHub Pro, Team or Enterprise"),
    ("gh: Resource not accessible by integration (HTTP 403)", "(the job needs 'actions: read')"),
])
def test_a_release_is_refused_when_its_environment_is_unreadable(default_project, tmp_path, error, says):
    stand_in(tmp_path, "gh", f'echo "{error}" >&2; exit 1')
    result = run_script(default_project, ["scripts/release-approval.sh", "production"], tmp_path,
                        {"GITHUB_REPOSITORY": "acme/orders-api"})
    assert result.returncode == 1 and says in result.stderr, result.stderr


PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


NO_STATE = 'echo "No state file was found!" >&2; exit 1'  # terraform state list before the first apply


@pytest.mark.parametrize("mode, state, providers, expected", [
    ("yes", "", "", "true"),
    ("no", "", "", "false"),
    ("auto", NO_STATE, "", "true"),
    ("auto", NO_STATE, f"arn:aws:iam::123456789012:oidc-provider/gitlab.example.com\t{PROVIDER}", "false"),
    ("auto", 'echo "aws_kms_key.state"', PROVIDER, "false"),
    ("auto", 'printf "%s\\n" "aws_kms_key.state" "aws_iam_openid_connect_provider.github[0]"', PROVIDER, "true"),
])
def test_oidc_provider_is_reused_or_created(default_project, tmp_path, mode, state, providers, expected):
    stand_in(tmp_path, "terraform", state or "exit 0")
    stand_in(tmp_path, "aws", f'printf "%s\\n" "{providers}"')
    result = run_script(default_project, ["scripts/oidc-provider.sh", mode], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"-var=create_oidc_provider={expected}"
    asked_aws = any(call.startswith("aws iam list-open-id-connect-providers") for call in calls(tmp_path))
    assert asked_aws is (mode == "auto" and "github[0]" not in state)


def test_oidc_provider_refuses_an_unknown_mode_and_a_failed_lookup(default_project, tmp_path):
    assert run_script(default_project, ["scripts/oidc-provider.sh", "maybe"], tmp_path).returncode == 64
    stand_in(tmp_path, "terraform", NO_STATE)
    stand_in(tmp_path, "aws", 'echo "An error occurred (ExpiredToken)" >&2; exit 254')
    result = run_script(default_project, ["scripts/oidc-provider.sh", "auto"], tmp_path)
    assert result.returncode == 1 and "could not list the account's OIDC providers" in result.stderr


def test_oidc_provider_never_guesses_when_the_state_cannot_be_read(default_project, tmp_path):
    """A provider this stack created must not be given up (Terraform would delete it) because its state was
    unreadable for a moment."""
    stand_in(tmp_path, "terraform", 'echo "Error: error loading state: AccessDenied" >&2; exit 1')
    stand_in(tmp_path, "aws", f'printf "%s\\n" "{PROVIDER}"')
    result = run_script(default_project, ["scripts/oidc-provider.sh", "auto"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "cannot read the bootstrap stack's state" in result.stderr and "AccessDenied" in result.stderr


# --- scripts/verify-deployment.sh -------------------------------------------------------------------------

TASK = "arn:aws:ecs:us-east-1:123456789012:task-definition/orders-api:{}"


def deployments_answer(*rows: tuple[str, str, str, str]) -> str:
    """What `aws ecs describe-services --query ... --output text` prints: one tab-separated row each."""
    return "".join("\t".join(row) + "\n" for row in rows)


REVISION = "arn:aws:ecs:us-east-1:123456789012:service-revision/orders-api/orders-api/{}"


def ecs_record(deployment: str, status: str, alarm: str, revision: int = 2) -> list[str]:
    """The answers to how verify-deployment.sh finds ECS's record of the deployment of revision `revision`:
    list-service-deployments (this one and an older one), describe-service-revisions (the revision that
    runs that task definition) and describe-service-deployments (its status and the alarm that fired)."""
    listed = (f"2026-12-06T05:10:00+00:00\t{deployment}\t{REVISION.format(revision)}\n"
              f"2026-12-06T05:00:00+00:00\t{deployment.rsplit('/', 1)[0]}/Older\t{REVISION.format(revision - 1)}\n")
    return [listed, REVISION.format(revision) + "\n", f"{status}\t{alarm}\n"]


def aws_answering(tools: Path, answers: list[str]) -> None:
    """An aws stand-in that gives each answer in turn (the last one from then on)."""
    for number, answer in enumerate(answers):
        (tools / f"answer-{number}").write_text(answer)
    stand_in(tools, "aws", f'''
count=$(cat "{tools}/count" 2>/dev/null || echo 0)
last={len(answers) - 1}
[ "$count" -le "$last" ] || count=$last
cat "{tools}/answer-$count"
echo $((count + 1)) > "{tools}/count"''')


def verify(project: Path, tools: Path, revision: str, timeout: str = "60") -> subprocess.CompletedProcess:
    return run_script(project, ["scripts/verify-deployment.sh", "orders-api", "orders-api", revision, timeout], tools,
                      {"VERIFY_INTERVAL": "0"})


def rolls_out_in_two_polls(tools: Path) -> None:
    """ECS reports revision 2 in progress twice (beside revision 1 the first time), then completed."""
    aws_answering(tools, [
        deployments_answer(("PRIMARY", TASK.format(2), "IN_PROGRESS", "in progress"),
                           ("ACTIVE", TASK.format(1), "COMPLETED", "done")),
        deployments_answer(("PRIMARY", TASK.format(2), "IN_PROGRESS", "in progress")),
        deployments_answer(("PRIMARY", TASK.format(2), "COMPLETED", "done")),
    ])


def test_verify_waits_through_in_progress_until_completed(default_project, tmp_path):
    rolls_out_in_two_polls(tmp_path)
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 0, result.stderr
    assert "orders-api:2: deployment COMPLETED" in result.stdout
    assert len(calls(tmp_path)) == 3


def test_verify_reports_a_rollback(default_project, tmp_path):
    aws_answering(tmp_path, [deployments_answer(("PRIMARY", TASK.format(1), "IN_PROGRESS", "rolling back"),
                                                ("ACTIVE", TASK.format(2), "FAILED", "circuit breaker"))])
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1
    assert "::error title=Deployment rolled back::" in result.stderr
    assert "runs orders-api:1, not orders-api:2" in result.stderr


def test_verify_names_the_alarm_that_rolled_a_release_back(default_project, tmp_path):
    deployment = "arn:aws:ecs:us-east-1:123456789012:service-deployment/orders-api/orders-api/Ab12Cd34"
    aws_answering(tmp_path, [deployments_answer(("PRIMARY", TASK.format(1), "IN_PROGRESS", "rolling back"),
                                                ("ACTIVE", TASK.format(2), "FAILED", "alarm")),
                             *ecs_record(deployment, "ROLLBACK_SUCCESSFUL", "orders-api-deploy-target-5xx-rate")])
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1
    assert "::error title=Deployment rolled back by an alarm::" in result.stderr
    assert "the deployment alarm orders-api-deploy-target-5xx-rate fired" in result.stderr
    assert "docs/runbook.md#orders-api-deploy-target-5xx-rate" in result.stderr
    listed, described, recorded = calls(tmp_path)[1:]
    assert listed.startswith("aws ecs list-service-deployments --cluster orders-api --service orders-api "
                             "--created-at after=20") and "--max-results 100 --query " in listed
    assert described == (f"aws ecs describe-service-revisions --service-revision-arns {REVISION.format(1)} "
                         f"{REVISION.format(2)} --query serviceRevisions[?taskDefinition=='{TASK.format(2)}']"
                         ".serviceRevisionArn | [0] --output text")
    assert recorded == (f"aws ecs describe-service-deployments --service-deployment-arns {deployment} --query "
                        "serviceDeployments[0].[status, join(`, `, alarms.triggeredAlarmNames || `[]`)] --output text")


def test_verify_reports_a_canary_ecs_rolled_back_though_it_shows_failed(default_project, tmp_path):
    deployment = "arn:aws:ecs:us-east-1:123456789012:service-deployment/orders-api/orders-api/Ef56Gh78"
    aws_answering(tmp_path, [deployments_answer(("PRIMARY", TASK.format(2), "FAILED", "alarm in ALARM")),
                             *ecs_record(deployment, "ROLLBACK_SUCCESSFUL", "orders-api-deploy-p99-latency")])
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1
    assert "::error title=Deployment rolled back by an alarm::" in result.stderr
    assert "no task is serving" not in result.stderr


def test_verify_waits_while_ecs_is_still_rolling_a_canary_back(default_project, tmp_path):
    deployment = "arn:aws:ecs:us-east-1:123456789012:service-deployment/orders-api/orders-api/Ij90Kl12"
    failed = deployments_answer(("PRIMARY", TASK.format(2), "FAILED", "alarm in ALARM"))
    aws_answering(tmp_path, [failed, *ecs_record(deployment, "ROLLBACK_REQUESTED", "orders-api-deploy-p99-latency"),
                             failed, *ecs_record(deployment, "ROLLBACK_IN_PROGRESS", "orders-api-deploy-p99-latency"),
                             failed, *ecs_record(deployment, "ROLLBACK_SUCCESSFUL", "orders-api-deploy-p99-latency")])
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1
    assert "::error title=Deployment rolled back by an alarm::" in result.stderr
    assert "no task is serving" not in result.stderr
    assert "FAILED, ROLLBACK_REQUESTED, waiting" in result.stdout and "FAILED, ROLLBACK_IN_PROGRESS, waiting" in \
        result.stdout


def ecs_records(tools: Path, rows: list[tuple], status: str) -> None:
    """describe-services answers `rows`; ECS's record of the latest service deployment says `status`."""
    deployment = "arn:aws:ecs:us-east-1:123456789012:service-deployment/orders-api/orders-api/Qr78St90"
    aws_answering(tools, [deployments_answer(*rows), *ecs_record(deployment, status, "orders-api-deploy-p99-latency")])


def test_verify_reports_a_deployment_ecs_stopped(default_project, tmp_path):
    ecs_records(tmp_path, [("PRIMARY", TASK.format(2), "FAILED", "stopped by a user"),
                           ("ACTIVE", TASK.format(1), "COMPLETED", "done")], "STOPPED")
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1 and "::error title=Deployment stopped::" in result.stderr
    assert "no task is serving" not in result.stderr


def test_verify_reports_a_rollback_that_failed(default_project, tmp_path):
    ecs_records(tmp_path, [("PRIMARY", TASK.format(2), "FAILED", "alarm in ALARM")], "ROLLBACK_FAILED")
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1 and "::error title=Rollback failed::" in result.stderr


def test_verify_sends_smoke_requests_while_a_canary_rolls_out(default_project, tmp_path):
    rolls_out_in_two_polls(tmp_path)
    # The canary fails every request it gets: one 500 a URL.
    stand_in(tmp_path, "curl", 'for argument in "$@"; do [[ $argument != http* ]] || echo 500; done')
    stand_in(tmp_path, "sleep", ":")  # two polls 30 s apart, without the wait: 15 requests each
    url = "https://orders-api-1.us-east-1.elb.amazonaws.com/version"
    result = run_script(default_project, ["scripts/verify-deployment.sh", "orders-api", "orders-api", TASK.format(2),
                                          "60"], tmp_path, {"VERIFY_INTERVAL": "30", "SMOKE_URL": url,
                                                            "SMOKE_PER_MINUTE": "30"})
    assert result.returncode == 0, result.stderr
    smoke = [call for call in calls(tmp_path) if call.startswith("curl ")]
    assert len(smoke) == 2 and all(call.count(url) == 15 and "--max-time 5" in call and "--parallel" in call
                                   for call in smoke)
    assert f"smoke: 30 requests to {url} so far, 30 answered 5xx, 0 unanswered" in result.stdout
    assert "::warning" not in result.stderr


def verify_with_smoke(project: Path, tools: Path, curl: str, per_minute: str) -> subprocess.CompletedProcess:
    """One poll in progress, then completed, with `curl` as the stand-in for the smoke requests."""
    aws_answering(tools, [deployments_answer(("PRIMARY", TASK.format(2), "IN_PROGRESS", "in progress")),
                          deployments_answer(("PRIMARY", TASK.format(2), "COMPLETED", "done"))])
    stand_in(tools, "curl", curl)
    return run_script(project, ["scripts/verify-deployment.sh", "orders-api", "orders-api", TASK.format(2)], tools,
                      {"VERIFY_INTERVAL": "0", "SMOKE_URL": "https://x/version", "SMOKE_PER_MINUTE": per_minute})


def test_verify_warns_when_the_smoke_requests_get_no_answer(default_project, tmp_path):
    result = verify_with_smoke(default_project, tmp_path,
                               'for argument in "$@"; do [[ $argument != http* ]] || echo 000; done; exit 7', "60")
    assert result.returncode == 0, result.stderr
    assert "::warning title=Smoke requests unanswered::1 of 1 requests" in result.stderr


def test_verify_sends_no_smoke_without_a_rate(default_project, tmp_path):
    result = verify_with_smoke(default_project, tmp_path, "printf 200", "0")
    assert result.returncode == 0 and not [call for call in calls(tmp_path) if call.startswith("curl ")]


def test_verify_reports_a_failed_first_release(default_project, tmp_path):
    aws_answering(tmp_path, [deployments_answer(("PRIMARY", TASK.format(2), "FAILED", "tasks failed to start"))])
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 1
    assert "::error title=Deployment failed::" in result.stderr and "no earlier completed version" in result.stderr
    assert "tasks failed to start" in result.stderr


def test_verify_gives_up_after_its_timeout(default_project, tmp_path):
    aws_answering(tmp_path, [deployments_answer(("PRIMARY", TASK.format(2), "IN_PROGRESS", "in progress"))])
    result = verify(default_project, tmp_path, TASK.format(2), timeout="0")
    assert result.returncode == 1 and "::error title=Deployment not finished::" in result.stderr


def test_verify_says_when_aws_itself_fails(default_project, tmp_path):
    stand_in(tmp_path, "aws", 'echo "An error occurred (ExpiredTokenException): token expired" >&2; exit 254')
    result = verify(default_project, tmp_path, TASK.format(2))
    assert result.returncode == 2
    assert "::error title=AWS call failed::" in result.stderr and "ExpiredTokenException" in result.stderr


# --- scripts/stack-outputs.sh, scripts/terraform-apply.sh ---------------------------------------------------

OUTPUTS = {name: {"value": value, "type": "string", "sensitive": False} for name, value in {
    "service_url": "http://orders-api-1.us-east-1.elb.amazonaws.com",
    "dashboard_url": "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
                     "#dashboards/dashboard/orders-api",
    "cluster_name": "orders-api", "service_name": "orders-api", "container_name": "app",
    "task_definition_arn": TASK.format(1), "deployment_timeout_seconds": "1200",
    "smoke_requests_per_minute": "30"}.items()}
DEPRECATION = """
Warning: Deprecated Parameter

The parameter "dynamodb_table" is deprecated. Use parameter "use_lockfile" instead.
"""


@pytest.mark.parametrize("noise", ["", DEPRECATION])
def test_stack_outputs_read_json_even_after_warnings_on_stdout(default_project, tmp_path, noise):
    """Terraform before 1.15.2 prints warnings on stdout ahead of `output -json`."""
    (tmp_path / "outputs.json").write_text(noise + json.dumps(OUTPUTS, indent=2) + "\n")
    stand_in(tmp_path, "terraform", f'case "$2" in output) cat "{tmp_path}/outputs.json" ;; esac')
    result = run_script(default_project, ["scripts/stack-outputs.sh", "terraform"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{name}={output['value']}" for name, output in OUTPUTS.items()]


def test_stack_outputs_name_a_missing_output(default_project, tmp_path):
    (tmp_path / "outputs.json").write_text(json.dumps({"service_url": OUTPUTS["service_url"]}))
    stand_in(tmp_path, "terraform", f'case "$2" in output) cat "{tmp_path}/outputs.json" ;; esac')
    result = run_script(default_project, ["scripts/stack-outputs.sh", "terraform"], tmp_path)
    assert result.returncode == 1 and "::error title=Missing Terraform output::dashboard_url" in result.stderr


@pytest.mark.parametrize("output, message", [
    ("Error: Saved plan is stale\n\nThe given plan file can no longer be applied", "Re-run all jobs"),
    ("Error: creating ECS Service: AccessDeniedException", "terraform apply failed"),
])
def test_apply_says_what_to_do_when_it_fails(default_project, tmp_path, output, message):
    stand_in(tmp_path / "tools", "terraform", f"printf '%s\\n' '{output}'; exit 1")
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "tfplan").write_text("saved")
    result = run_script(default_project, ["scripts/terraform-apply.sh", str(stack)], tmp_path / "tools")
    assert result.returncode == 1 and message in result.stderr
    assert calls(tmp_path / "tools") == [f"terraform -chdir={stack} apply -input=false -auto-approve tfplan"]


# --- the release scripts against the emulated account (the real AWS CLI, moto's ECS and ECR) ---------------

@pytest.fixture(scope="module")
def account(tmp_path_factory):
    emulated = EmulatedAccount(tmp_path_factory.mktemp("aws")).start()
    yield emulated
    emulated.stop()


@pytest.fixture
def aws(account):
    account.reset()
    return lambda service: account.client(service, ADMINISTRATOR, "us-east-1")


def run_against(account, project: Path, command: list[str]) -> subprocess.CompletedProcess:
    """With the AWS CLI beside this interpreter, pointed at the emulated account."""
    env = {**account.env(ADMINISTRATOR, "us-east-1"), "VERIFY_INTERVAL": "0"}
    return run_script(project, command, Path(sys.executable).parent, env)


def service_with_releases(aws, *tags: str, pushed: tuple[str, ...], alarm: str | None = None) -> list[str]:
    """A service that has rolled out `tags` in turn (images in `pushed` exist in ECR); their revisions.
    With `alarm`, ECS watches that alarm during its deployments and rolls back when it fires."""
    ecr, ecs, ec2 = aws("ecr"), aws("ecs"), aws("ec2")
    ecr.create_repository(repositoryName="orders-api")
    for tag in pushed:
        push_image(ecr, "orders-api", tag)
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="orders-api")
    revisions = [ecs.register_task_definition(family="orders-api", containerDefinitions=[{
        "name": "app", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:{tag}", "memory": 512,
        "environment": [{"name": "APP_IMAGE_TAG", "value": tag}]}])["taskDefinition"]["taskDefinitionArn"]
        for tag in tags]
    settings = {}
    if alarm:
        aws("cloudwatch").put_metric_alarm(
            AlarmName=alarm, Namespace="AWS/ApplicationELB", MetricName="TargetResponseTime", ExtendedStatistic="p99",
            Period=60, EvaluationPeriods=3, Threshold=2, ComparisonOperator="GreaterThanThreshold")
        settings["deploymentConfiguration"] = {"alarms": {"alarmNames": [alarm], "enable": True, "rollback": True}}
    ecs.create_service(cluster="orders-api", serviceName="orders-api", taskDefinition=revisions[0], desiredCount=2,
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
                       **settings)
    for revision in revisions[1:]:
        ecs.describe_services(cluster="orders-api", services=["orders-api"])
        ecs.update_service(cluster="orders-api", service="orders-api", taskDefinition=revision)
    return revisions


def test_verify_sees_a_first_release_fail_with_nothing_to_return_to(account, aws, default_project):
    (revision,) = service_with_releases(aws, "bad", pushed=())
    result = run_against(account, default_project, ["scripts/verify-deployment.sh", "orders-api", "orders-api",
                                                    revision, "30"])
    assert result.returncode == 1 and "no earlier completed version to return to" in result.stderr


def test_verify_sees_a_bad_release_rolled_back(account, aws, default_project):
    good, bad = service_with_releases(aws, "good", "bad", pushed=("good",))
    result = run_against(account, default_project, ["scripts/verify-deployment.sh", "orders-api", "orders-api",
                                                    bad, "30"])
    assert result.returncode == 1 and f"runs {good.rsplit('/', 1)[-1]}, not {bad.rsplit('/', 1)[-1]}" in result.stderr


def release_during_which_an_alarm_fires(account, aws, project: Path,
                                        tag: str) -> tuple[str, subprocess.CompletedProcess]:
    """A new revision of image `tag` rolls out; the deployment alarm fires; verify-deployment.sh waits."""
    ecs = aws("ecs")
    bad = ecs.register_task_definition(family="orders-api", containerDefinitions=[{
        "name": "app", "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:{tag}", "memory": 512}])[
        "taskDefinition"]["taskDefinitionArn"]
    ecs.describe_services(cluster="orders-api", services=["orders-api"])  # the earlier deployment completes
    ecs.update_service(cluster="orders-api", service="orders-api", taskDefinition=bad)
    aws("cloudwatch").set_alarm_state(AlarmName="orders-api-deploy-p99-latency", StateValue="ALARM",
                                      StateReason="p99 above 2 s")
    return bad, run_against(account, project, ["scripts/verify-deployment.sh", "orders-api", "orders-api", bad, "30"])


def test_verify_names_the_deployment_alarm_that_fired(account, aws, default_project):
    """ECS (as the emulator models it) rolls back a release during which a deployment alarm fired."""
    (good,) = service_with_releases(aws, "good", pushed=("good", "bad"), alarm="orders-api-deploy-p99-latency")
    bad, result = release_during_which_an_alarm_fires(account, aws, default_project, "bad")
    assert result.returncode == 1
    assert f"runs {good.rsplit('/', 1)[-1]}, not {bad.rsplit('/', 1)[-1]}" in result.stderr
    assert "the deployment alarm orders-api-deploy-p99-latency fired" in result.stderr


def test_verify_finds_this_releases_deployment_among_many(account, aws, default_project):
    """After more releases than a page of ListServiceDeployments holds (20, in no documented order), the
    alarm that rolled this release back is still read from this release's own deployment."""
    tags = [f"release-{number}" for number in range(24)]
    service_with_releases(aws, *tags, pushed=tuple(tags), alarm="orders-api-deploy-p99-latency")
    _, result = release_during_which_an_alarm_fires(account, aws, default_project, "release-0")
    assert result.returncode == 1
    assert "the deployment alarm orders-api-deploy-p99-latency fired" in result.stderr, result.stderr


def test_verify_passes_a_good_release(account, aws, default_project):
    _, second = service_with_releases(aws, "one", "two", pushed=("one", "two"))
    result = run_against(account, default_project, ["scripts/verify-deployment.sh", "orders-api", "orders-api",
                                                    second, "30"])
    assert result.returncode == 0, result.stderr


def test_the_first_image_is_tagged_initial_once(account, aws, default_project):
    ecr = aws("ecr")
    ecr.create_repository(repositoryName="orders-api")
    for tag in ("first", "second"):
        push_image(ecr, "orders-api", tag)
        result = run_against(account, default_project, ["scripts/tag-initial-image.sh", "orders-api", tag])
        assert result.returncode == 0, result.stderr
    initial = ecr.describe_images(repositoryName="orders-api", imageIds=[{"imageTag": "initial"}])["imageDetails"][0]
    assert sorted(initial["imageTags"]) == ["first", "initial"]


def test_tagging_initial_needs_the_pushed_image(account, aws, default_project):
    aws("ecr").create_repository(repositoryName="orders-api")
    result = run_against(account, default_project, ["scripts/tag-initial-image.sh", "orders-api", "never-pushed"])
    assert result.returncode == 1 and "push it first" in result.stderr


def history(directory: Path) -> dict[str, str]:
    """A repository whose main has commits first, second, third, and a branch `old` off first: name -> SHA."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", *args], cwd=directory,
                              capture_output=True, text=True, check=True).stdout.strip()

    directory.mkdir()
    git("init", "-q", "-b", "main")
    shas = {}
    for name in ("first", "second", "third"):
        git("commit", "-q", "--allow-empty", "-m", name)
        shas[name] = git("rev-parse", "HEAD")
    git("checkout", "-q", "-b", "old", shas["first"])
    git("commit", "-q", "--allow-empty", "-m", "a branch that never saw second")
    shas["side"] = git("rev-parse", "HEAD")
    return shas


def release_order(account, project: Path, repository: Path, commit: str) -> subprocess.CompletedProcess:
    env = account.env(ADMINISTRATOR, "us-east-1")
    return run_script(repository, [str(project / "scripts/release-order.sh"), "orders-api", "orders-api", commit],
                      Path(sys.executable).parent, env)


@pytest.mark.parametrize("running, releasing, allowed", [
    ("second", "third", True),  # the next commit
    ("second", "second", True),  # the same commit again (a re-run of the newest release)
    ("third", "second", False),  # a re-run of an older run after a newer release
    ("second", "side", False),  # a commit that does not contain what production runs
    ("initial", "first", True),  # the service still runs the image it was created on
])
def test_a_release_never_takes_production_back(account, aws, default_project, tmp_path, running, releasing,
                                               allowed):
    shas = history(tmp_path / "repository")
    service_with_releases(aws, shas.get(running, running), pushed=(shas.get(running, running),))
    result = release_order(account, default_project, tmp_path / "repository", shas[releasing])
    assert result.returncode == (0 if allowed else 1), result.stdout + result.stderr
    if not allowed:
        assert "::error title=Release older than production::" in result.stderr
        assert "Nothing was changed" in result.stderr


def test_the_first_release_may_run_any_commit(account, aws, default_project, tmp_path):
    shas = history(tmp_path / "repository")
    result = release_order(account, default_project, tmp_path / "repository", shas["first"])
    assert result.returncode == 0 and "does not exist yet" in result.stdout, result.stderr


def test_a_commit_production_runs_but_history_lost_is_refused(account, aws, default_project, tmp_path):
    shas = history(tmp_path / "repository")
    service_with_releases(aws, "0" * 40, pushed=("0" * 40,))
    result = release_order(account, default_project, tmp_path / "repository", shas["third"])
    assert result.returncode == 2 and "::error title=Production's commit is not in the history::" in result.stderr


def test_a_service_this_pipeline_did_not_deploy_is_refused(account, aws, default_project, tmp_path):
    """Neither APP_IMAGE_TAG nor the image's tag is a commit: the order cannot be told, so nothing goes."""
    shas = history(tmp_path / "repository")
    service_with_releases(aws, "hand-built", pushed=("hand-built",))
    result = release_order(account, default_project, tmp_path / "repository", shas["third"])
    assert result.returncode == 2 and "::error title=Release order unknown::" in result.stderr


PUSHED = "sha256:" + "ab" * 32
NOT_FOUND = ("An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with "
             "imageId {imageTag:'abc'} does not exist within the repository with name 'orders-api'")


@pytest.mark.parametrize("registry, code, pushes, says", [
    ("missing", 0, 1, f"pushed=true\ndigest={PUSHED}\n"),
    ("present", 0, 0, f"pushed=false\ndigest={PUSHED}\n"),  # a re-run: the tag is immutable, nothing is pushed
    ("denied", 1, 0, "::error title=Pushing the image failed::aws ecr describe-images failed: An error occurred "
                     "(AccessDeniedException)"),
    ("not-a-digest", 1, 0, "::error title=Pushing the image failed::ECR names 'None' as the digest"),
])
def test_the_image_is_pushed_once_and_its_registry_digest_named(default_project, tmp_path, registry, code, pushes,
                                                                says):
    """describe-images answers as ECR does: not found until docker push ran (the stand-in leaves a mark)."""
    pushed_mark = tmp_path / "pushed"
    stand_in(tmp_path, "docker", f'[ "$1" = push ] && touch "{pushed_mark}"; exit 0')
    answers = {"missing": f'[ -e "{pushed_mark}" ] && echo {PUSHED} && exit 0; echo "{NOT_FOUND}" >&2; exit 254',
               "present": f"echo {PUSHED}",
               "denied": 'echo "An error occurred (AccessDeniedException) when calling DescribeImages" >&2; exit 254',
               "not-a-digest": "echo None"}
    stand_in(tmp_path, "aws", answers[registry])
    image = "123.dkr.ecr.eu-west-1.amazonaws.com/orders-api:abc"
    result = run_script(default_project, ["scripts/push-image.sh", image], tmp_path)
    assert result.returncode == code, result.stderr
    assert [line for line in calls(tmp_path) if line.startswith("docker")] == [f"docker push {image}"] * pushes
    assert all("--repository-name orders-api --image-ids imageTag=abc" in line
               for line in calls(tmp_path) if line.startswith("aws"))
    assert says in (result.stdout if code == 0 else result.stderr)


SHOWN_PLAN = "Plan: 1 to add, 0 to change, 0 to destroy.\n"
TERRAFORM_PLANS = f'''
dir=${{1#-chdir=}}
case $2 in
  plan) touch "$dir/tfplan" ;;
  show) printf '%s' "{SHOWN_PLAN}" ;;
  apply) echo "Apply complete!" ;;
esac'''


@pytest.mark.parametrize("saved, reviewed, applied", [
    (True, "", True),  # the saved plan, within its day
    (False, "same", True),  # expired: a new plan that is the reviewed one
    (False, "other", False),  # expired: the new plan differs from the reviewed one
    (False, "", False),  # expired, and nothing to compare a new plan with
])
def test_an_expired_plan_is_planned_again_and_applied_only_as_reviewed(default_project, tmp_path, saved,
                                                                       reviewed, applied):
    stack = tmp_path / "stack"
    stack.mkdir()
    if saved:
        (stack / "tfplan").write_text("saved")
    digest = {"same": hashlib.sha256(SHOWN_PLAN.encode()).hexdigest(), "other": "0" * 64, "": ""}[reviewed]
    stand_in(tmp_path / "tools", "terraform", TERRAFORM_PLANS)
    command = ["scripts/terraform-apply.sh", str(stack)] + (["prod.tfvars", digest] if digest else [])
    result = run_script(default_project, command, tmp_path / "tools", {"GITHUB_STEP_SUMMARY": str(tmp_path / "sum")})
    ran = [line.split()[2] for line in calls(tmp_path / "tools")]
    assert ("apply" in ran) == applied and result.returncode == (0 if applied else 1), result.stdout + result.stderr
    assert ("plan" in ran) == (not saved and bool(digest))
    if reviewed == "other":
        assert "::error title=The plan changed since it was reviewed::" in result.stderr
        assert SHOWN_PLAN.strip() in (tmp_path / "sum").read_text()


def test_bootstrap_adopt_imports_what_exists_and_is_not_the_bootstraps_yet(default_project, tmp_path):
    """The execution role exists and is adopted; the task role is the bootstrap's already; the flow log role
    does not exist (make bootstrap creates it); the logs key and its alias exist and are adopted."""
    stand_in(tmp_path, "terraform", '[ "$2" = state ] && echo \'aws_iam_role.service["task"]\'; exit 0')
    stand_in(tmp_path, "aws", '''case "$*" in
  *"get-role --role-name orders-api-execution"*) echo orders-api-execution ;;
  *"get-role --role-name orders-api-task"*) echo orders-api-task ;;
  *get-role*) echo "An error occurred (NoSuchEntity)" >&2; exit 254 ;;
  *describe-key*) echo 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9 ;;
esac''')
    given = "-var=github_subject_prefix=repo:acme/orders-api"
    result = run_script(default_project, ["scripts/bootstrap-adopt.sh", given], tmp_path)
    assert result.returncode == 0, result.stderr
    imports = [line for line in calls(tmp_path) if line.startswith("terraform -chdir=terraform/bootstrap import")]
    command = f"terraform -chdir=terraform/bootstrap import -input=false {given}"
    assert imports == [f'{command} aws_iam_role.service["execution"] orders-api-execution',
                       f"{command} aws_kms_key.logs 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
                       f"{command} aws_kms_alias.logs alias/orders-api-logs"]
    assert 'aws_iam_role.service["task"] is the bootstrap\'s already' in result.stdout
    assert 'aws_iam_role.service["flow-logs"] does not exist in the account' in result.stdout


# --- after a release: the digest passed to the next environment, and the environment checked over HTTP -------

RELEASED, OTHER = "3f2c9e1d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"


def test_an_image_digest_passes_only_as_the_image_tagged_with_the_commit(account, aws, default_project):
    ecr = aws("ecr")
    ecr.create_repository(repositoryName="orders-api")
    digests = {}
    for commit in (RELEASED, OTHER):
        push_image(ecr, "orders-api", commit)
        (image,) = ecr.describe_images(repositoryName="orders-api", imageIds=[{"imageTag": commit}])["imageDetails"]
        digests[commit] = image["imageDigest"]

    def check(digest: str, commit: str) -> subprocess.CompletedProcess:
        return run_against(account, default_project, ["scripts/image-digest.sh", "orders-api", digest, commit])

    passed = check(digests[RELEASED], RELEASED)
    assert passed.returncode == 0 and passed.stdout == f"digest={digests[RELEASED]}\n", passed.stderr
    # Another commit's image, though the repository holds it; a commit never pushed.
    another = check(digests[OTHER], RELEASED)
    assert another.returncode == 1 and another.stdout == ""
    assert f"orders-api:{RELEASED} is {digests[RELEASED]}, not the {digests[OTHER]}" in another.stderr
    unpushed = check(digests[RELEASED], "0" * 40)
    assert unpushed.returncode == 1 and f"holds no image tagged {'0' * 40}" in unpushed.stderr


@pytest.mark.parametrize("digest", ["", "latest", "sha256:" + "A" * 64, "sha256:" + "0" * 63,
                                    "sha256:" + "0" * 64 + "\nversion=evil", "sha256:$(id)"])
def test_anything_but_a_digest_is_refused_before_aws_is_asked(default_project, tmp_path, digest):
    stand_in(tmp_path / "tools", "aws", "exit 0")
    result = run_script(default_project, ["scripts/image-digest.sh", "orders-api", digest, RELEASED],
                        tmp_path / "tools")
    assert result.returncode == 1 and result.stdout == ""
    assert "not an image digest" in result.stderr and calls(tmp_path / "tools") == []


COMMIT = "4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d"


def check_service(project: Path, port: int, commit: str = COMMIT, attempts: int = 3,
                  interval: int = 0) -> subprocess.Popen:
    """scripts/check-service.sh against 127.0.0.1:port, started in the background."""
    env = {"PATH": "/usr/bin:/bin", "CHECK_ATTEMPTS": str(attempts), "CHECK_INTERVAL": str(interval)}
    return subprocess.Popen(["scripts/check-service.sh", f"http://127.0.0.1:{port}/", commit, "staging"],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def released_app(project: Path, python: str, port: int, log: Path) -> Server:
    """The rendered app as the staging task runs it after a release of COMMIT."""
    return Server(container_command(project, python), project, port, log=log, env={
        "APP_ENVIRONMENT": "staging", "APP_IMAGE_TAG": COMMIT, "APP_GIT_SHA": COMMIT})


def test_the_check_passes_once_the_released_app_answers(default_project, rendered_python, tmp_path):
    """The real app, started only after the check began: the check tries again until it answers."""
    port = free_port()
    check = check_service(default_project, port, attempts=30, interval=1)
    time.sleep(2)
    with released_app(default_project, rendered_python, port, tmp_path / "app.log"):
        out, err = check.communicate(timeout=60)
    assert check.returncode == 0, err
    assert f"/version reports {COMMIT} in staging" in out
    assert "attempt 1 of 30: /health: curl:" in err  # nothing listened at first


def test_the_check_fails_when_the_app_runs_another_commit(default_project, rendered_python, tmp_path):
    port = free_port()
    other = "0" * 40
    with released_app(default_project, rendered_python, port, tmp_path / "app.log"):
        out, err = check_service(default_project, port, commit=other).communicate(timeout=60)
    assert "::error title=staging does not answer as released::After 3 attempts" in err
    assert f'"git_sha":"{COMMIT}"' in err and "The next environment was not released" in err
    assert "attempt 3 of 3" in err and out == ""


def test_the_check_gives_up_on_a_service_that_never_answers(default_project):
    check = check_service(default_project, free_port(), attempts=2)
    _, err = check.communicate(timeout=60)
    assert check.returncode == 1 and "After 2 attempts" in err and "last: /health: curl:" in err
