"""A rendered project's release path, run against the emulated account the way a new user and the
rendered workflow run it: `make bootstrap` as an administrator, then each AWS job of ci-cd.yml signed in
to its role with the OIDC subject the emulated GitHub (tests/emulator/github.py) gives that job.

Every step is timed and remembers where it starts and ends in the emulator's recording, so that each
AWS call can be traced to the step (and so to the job and role) that made it.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import staging_account
from tests.emulator import ecs_actions
from tests.emulator.account import ADMINISTRATOR, Credentials, EmulatedAccount
from tests.emulator.github import MAIN, GitHub, Job

TERRAFORM_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
COMMAND_TIMEOUT = 900
AUTO_APPROVE = {"TF_CLI_ARGS_apply": "-auto-approve", "TF_CLI_ARGS_destroy": "-auto-approve"}


DOCKER_PUSH = """#!/usr/bin/env bash
# `docker push REGISTRY/REPOSITORY:TAG` as ECR sees it: the push's final PutImage (with the job's credentials)
# of tests/emulator/ecs_actions.image_manifest(TAG). Nothing else of docker is emulated.
set -euo pipefail
[ "$1" = push ] || { echo "docker stand-in: only push is emulated, not $1" >&2; exit 2; }
path=${2#*/}
manifest=$(PYTHONPATH=@ROOT@ @PYTHON@ -P -c 'import sys; from tests.emulator.ecs_actions import image_manifest
print(image_manifest(sys.argv[1]))' "${path##*:}")
aws ecr put-image --repository-name "${path%:*}" --image-tag "${path##*:}" --image-manifest "$manifest" >/dev/null
echo "${path##*:}: digest: pushed"
"""


def write_docker_stand_in(path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    path.write_text(DOCKER_PUSH.replace("@ROOT@", shlex.quote(str(root)))
                    .replace("@PYTHON@", shlex.quote(sys.executable)))
    path.chmod(0o755)


@dataclass(frozen=True)
class Environment:
    """One environment of a rendered project as its files and bootstrap name it."""

    name: str
    project: str
    plan_role: str
    deploy_role: str

    @property
    def production(self) -> bool:
        return self.name == "production"

    @property
    def account(self) -> str:
        """The AWS account the environment lives in: its roles'."""
        return self.deploy_role.split(":")[4]

    @property
    def tfvars(self) -> str:
        return "prod.tfvars" if self.production else f"{self.name}.tfvars"

    @property
    def backend(self) -> str:
        return "backend.hcl" if self.production else f"{self.name}.backend.hcl"

    @property
    def resource_name(self) -> str:
        """What the service stack names this environment's resources after (terraform/locals.tf)."""
        return self.project if self.production else f"{self.project}-{self.name}"

    @property
    def state_key(self) -> str:
        return f"{self.project}/{self.name}/terraform.tfstate"

    @property
    def job(self) -> Job:
        """A job of main in this environment, as the release jobs run."""
        return Job(f"environment:{self.name}", "refs/heads/main")


def environments_of(answers: Mapping[str, str]) -> list[Environment]:
    """The render's environments in release order; production's roles are the template's answers, another
    environment's are named as its bootstrap's <environment>.tfvars names them, in staging's account."""
    slug = answers["project_slug"]
    account_prefix = f"arn:aws:iam::{staging_account(answers)}:role"
    result = []
    for name in answers.get("environments", "production").split(","):
        if name == "production":
            result.append(Environment(name, slug, answers["aws_plan_role_arn"], answers["aws_oidc_role_arn"]))
        else:
            result.append(Environment(name, slug, f"{account_prefix}/{slug}-{name}-plan",
                                      f"{account_prefix}/{slug}-{name}-deploy"))
    return result


def bootstrap_applies(stdout: str) -> dict[str, str]:
    """`make bootstrap`'s output, by environment: each apply follows the line "bootstrap: NAME (workspace W)"."""
    parts = re.split(r"^bootstrap: (\S+) \(workspace \S+\)$", ANSI.sub("", stdout), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def outputs_of(text: str) -> dict[str, str]:
    """name=value lines, as a script writes them for GITHUB_OUTPUT."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


class StepFailed(Exception):
    """A step of the release path failed; the message says which, with the command's output."""


@dataclass
class Step:
    name: str
    role: str  # "administrator", "plan" or "deploy"
    first_call: int
    last_call: int = 0
    seconds: float = 0.0


@dataclass
class Release:
    """The outcome of the release path: its steps in order and the identities they used."""

    steps: list[Step] = field(default_factory=list)
    identities: dict[str, str] = field(default_factory=dict)  # access key -> role name

    def step_of(self, sequence: int) -> Step | None:
        return next((step for step in self.steps if step.first_call < sequence <= step.last_call), None)


class Pipeline:
    """One rendered project's bootstrap and workflow jobs against one emulated account."""

    def __init__(self, project: Path, account: EmulatedAccount, terraform: str, answers: Mapping[str, str],
                 workdir: Path) -> None:
        self.project = project
        self.account = account
        self.terraform = terraform
        self.answers = answers
        self.region = answers["aws_region"]
        self.workdir = workdir
        self.release = Release()
        # The repository was created today: GitHub names it by its IDs in its subjects.
        self.github = GitHub(workdir / "github", answers["github_owner"], answers["github_repo"])
        self.tools = self.github.bin
        write_docker_stand_in(self.tools / "docker")
        self.environments = environments_of(answers)
        self.production = self.environments[-1]
        # make bootstrap's order: production's first, as it creates what the others share.
        self.bootstrap_order = [self.production, *self.environments[:-1]]
        # Production in an account of its own: each account is bootstrapped by its own administrator.
        self.own_accounts = len({environment.account for environment in self.environments}) > 1
        self.administrators: dict[str, Credentials] = {}

    def administrator(self, environment: Environment | None = None) -> Credentials:
        """An administrator of the account of an environment (production's unless given)."""
        account = (environment or self.production).account
        if account not in self.administrators:
            self.administrators[account] = self.account.administrator_of(account, self.region)
        return self.administrators[account]

    def state_bucket(self, environment: Environment) -> str:
        """The bucket of an environment's state: production's, or staging's own in an account of its own."""
        if environment.account == self.production.account:
            return self.answers["tf_state_bucket"]
        return f"{self.answers['project_slug']}-tfstate-{environment.account}"

    @property
    def registry_env(self) -> dict[str, str]:
        """The workflow's ECR_REGISTRY_ID: staging's account when production has one of its own."""
        return {"ECR_REGISTRY_ID": self.environments[0].account} if self.own_accounts else {}

    # --- running things -------------------------------------------------------------------------------

    def env(self, credentials: Credentials, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        # The AWS CLI installed beside this interpreter, from the template's pinned requirements.
        path = f"{self.tools}:{Path(self.terraform).parent}:{Path(sys.executable).parent}"
        return {**self.account.environ(), **TERRAFORM_ENV, **self.account.env(credentials, self.region),
                "PATH": f"{path}:{os.environ['PATH']}", "TERRAFORM": self.terraform, "TF_BIN": self.terraform,
                **(extra or {})}

    def run(self, command: list[str], credentials: Credentials, cwd: Path | None = None,
            extra: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        result = subprocess.run(command, cwd=cwd or self.project, env=self.env(credentials, extra),
                                capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        if result.returncode not in ok:
            raise StepFailed(f"{' '.join(command)} exited {result.returncode} in {cwd or self.project}\n"
                             f"--- stdout ---\n{ANSI.sub('', result.stdout)[-5000:]}\n"
                             f"--- stderr ---\n{ANSI.sub('', result.stderr)[-5000:]}")
        return result

    @contextmanager
    def step(self, name: str, role: str) -> Iterator[Step]:
        step = Step(name, role, self.account.mark())
        started = time.monotonic()
        try:
            yield step
        finally:
            step.seconds = time.monotonic() - started
            step.last_call = self.account.mark()
            self.release.steps.append(step)

    def sign_in(self, role_arn: str, role: str, job: Job, session: str) -> Credentials:
        """configure-aws-credentials: AssumeRoleWithWebIdentity with the token GitHub gives the job."""
        credentials = self.account.sign_in_with_github(role_arn, self.github.claims(job), self.region, session)
        self.release.identities[credentials.access_key] = role
        return credentials

    def github_env(self, directory: Path) -> dict[str, str]:
        directory.mkdir(parents=True, exist_ok=True)
        return {"GITHUB_OUTPUT": str(directory / "output"), "GITHUB_STEP_SUMMARY": str(directory / "summary"),
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REPOSITORY":
                f"{self.answers['github_owner']}/{self.answers['github_repo']}", "GITHUB_RUN_ID": "1"}

    def checkout(self, name: str) -> Path:
        """A fresh copy of the repository, as each job's actions/checkout gives it."""
        target = self.workdir / name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.project, target, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tfplan"))
        return target

    def init(self, directory: Path, credentials: Credentials, environment: Environment) -> None:
        """The workflow's `terraform -chdir=terraform init -backend-config=<the environment's backend file>`."""
        self.terraform_cmd(directory, "init", "-input=false", f"-backend-config={environment.backend}",
                           credentials=credentials)

    def terraform_cmd(self, directory: Path, *args: str, credentials: Credentials,
                      extra: Mapping[str, str] | None = None, ok: tuple[int, ...] = (0,)):
        return self.run([self.terraform, "-chdir=terraform", *args], credentials, cwd=directory, extra=extra, ok=ok)

    # --- the release path -----------------------------------------------------------------------------

    def bootstrap(self, move_state_to_bucket: bool = False) -> dict:
        """`make bootstrap` as the runbook says, with an administrator's credentials: every environment's
        bootstrap, production's first. Returns production's outputs, and each environment's under
        "environments". With move_state_to_bucket, then `make bootstrap-state-to-s3` and `make bootstrap`
        once more, which must find nothing to change in any environment."""
        with self.step("bootstrap (make bootstrap, administrator)", "administrator"):
            if self.own_accounts:
                # One account at a time, each with its own administrator: production's first.
                for environment in self.bootstrap_order:
                    self.run(["make", "bootstrap", f"ENV={environment.name}"], self.administrator(environment),
                             extra=AUTO_APPROVE)
            else:
                self.run(["make", "bootstrap"], ADMINISTRATOR, extra=AUTO_APPROVE)
            if move_state_to_bucket:
                self.run(["make", "bootstrap-state-to-s3"], ADMINISTRATOR)
                again = self.run(["make", "bootstrap"], ADMINISTRATOR, extra=AUTO_APPROVE)
                applies = bootstrap_applies(again.stdout)
                if list(applies) != [environment.name for environment in self.bootstrap_order] or not all(
                        "0 added, 0 changed, 0 destroyed" in apply or "No changes" in apply
                        for apply in applies.values()):
                    raise StepFailed("make bootstrap after moving its state changed something:\n"
                                     + ANSI.sub("", again.stdout)[-4000:] + ANSI.sub("", again.stderr)[-2000:])
            outputs = {}
            for environment in self.environments:
                workspace = "default" if environment.production else environment.name
                shown = self.run([self.terraform, "-chdir=terraform/bootstrap", "output", "-json"],
                                 self.administrator(environment), extra={"TF_WORKSPACE": workspace})
                outputs[environment.name] = {name: value["value"] for name, value in json.loads(shown.stdout).items()}
        return {**outputs["production"], "environments": outputs}

    def plan(self, name: str, environment: Environment | None = None, job: Job = MAIN,
             checkout: Path | None = None) -> Path:
        """The plan job for one environment (production unless given): sign in to its plan role, `terraform
        init` with its backend file, scripts/terraform-plan.sh with its variables file. Returns the checkout
        holding terraform/tfplan."""
        environment = environment or self.production
        directory = checkout or self.checkout(name)
        with self.step(f"{name} ({environment.name} plan role)", "plan"):
            credentials = self.sign_in(environment.plan_role, "plan", job, f"plan-{name}")
            self.init(directory, credentials, environment)
            self.run(["scripts/terraform-plan.sh", "terraform", environment.tfvars], credentials, cwd=directory,
                     extra=self.github_env(directory / ".github-run"))
        return directory

    def plan_changes(self, directory: Path) -> bool:
        outputs = (directory / ".github-run/output").read_text()
        return "changes=true" in outputs.splitlines()

    def planned_actions(self, directory: Path) -> dict[str, list[str]]:
        shown = self.run([self.terraform, "-chdir=terraform", "show", "-json", "tfplan"], ADMINISTRATOR, cwd=directory)
        return {change["address"]: change["change"]["actions"]
                for change in json.loads(shown.stdout).get("resource_changes", [])
                if change["change"]["actions"] != ["no-op"]}

    def release_job(self, planned: Path, image_tag: str, saved_plan_expired: bool = False,
                    environment: Environment | None = None, previous_digest: str = "") -> dict[str, str]:
        """One environment's release job (production unless given) with its deploy role, step by step as
        ci-cd.yml runs it. The first environment pushes the commit's image with scripts/push-image.sh
        (docker push stands in as PutImage) and tags the first image `initial`; a later one checks the digest
        the one before passed on (`previous_digest`) with scripts/image-digest.sh. Then: apply the saved plan
        when the plan job found changes, read the stack's outputs, render the revision with the image by its
        digest, register it, start the rollout and wait for it with scripts/verify-deployment.sh; in the
        first environment, push once more as a re-run would (nothing is pushed; the same digest is named).
        With saved_plan_expired, the plan artifact is gone (an approval later than its one day): the apply
        plans again and must find the reviewed plan. scripts/check-service.sh, which needs the load
        balancer's real address, is not run here (tests/test_project_scripts.py runs it)."""
        environment = environment or self.production
        first = environment == self.environments[0]
        directory = self.checkout(f"release-{environment.name}")
        changes = self.plan_changes(planned)
        if changes and not saved_plan_expired:
            for name in ("tfplan", ".terraform.lock.hcl"):
                shutil.copy2(planned / "terraform" / name, directory / "terraform" / name)
        (digest,) = [line.split("=", 1)[1] for line in (planned / ".github-run/output").read_text().splitlines()
                     if line.startswith("digest=")]
        applied = pushed = again = ""
        with self.step(f"release {image_tag[:12]} to {environment.name} (deploy role)", "deploy"):
            credentials = self.sign_in(environment.deploy_role, "deploy", environment.job, "release")
            ecr = self.account.client("ecr", credentials, self.region)
            ecs = self.account.client("ecs", credentials, self.region)
            # The workflow logs in to staging's registry when production has an account of its own.
            registry = ecs_actions.ecr_login(ecr, self.registry_env.get("ECR_REGISTRY_ID") if environment.production
                                             else None).removeprefix("https://")
            repository = self.answers["project_slug"]
            tagged = f"{registry}/{repository}:{image_tag}"
            if first:
                pushed = self.run(["scripts/push-image.sh", tagged], credentials, cwd=directory).stdout
                self.run(["scripts/tag-initial-image.sh", repository, image_tag], credentials, cwd=directory)
                image_digest = outputs_of(pushed)["digest"]
            else:
                checked = self.run(["scripts/image-digest.sh", repository, previous_digest, image_tag], credentials,
                                   cwd=directory, extra=self.registry_env).stdout
                image_digest = outputs_of(checked)["digest"]
            image = f"{registry}/{repository}@{image_digest}"
            if changes:
                self.init(directory, credentials, environment)
                applied = self.run(["scripts/terraform-apply.sh", "terraform", environment.tfvars, digest],
                                   credentials, cwd=directory).stdout
            stack = outputs_of(self.run(["scripts/stack-outputs.sh", "terraform", environment.backend], credentials,
                                        cwd=directory).stdout)
            before = self.account.client("ecs", self.administrator(environment), self.region).describe_services(
                cluster=stack["cluster_name"], services=[stack["service_name"]])["services"][0]["deployments"]
            document = ecs_actions.render_task_definition(ecs, stack["task_definition_arn"], stack["container_name"],
                                                          image, {"APP_IMAGE_TAG": image_tag})
            migrated = self.migrate(ecs, stack, image, credentials, directory)
            revision = ecs_actions.deploy_task_definition(ecs, document, stack["cluster_name"], stack["service_name"])
            self.run(["scripts/verify-deployment.sh", stack["cluster_name"], stack["service_name"], revision, "120"],
                     credentials, cwd=directory, extra={"VERIFY_INTERVAL": "1"})
            if first:
                # A re-run of the release: the tag is there, nothing is pushed again, the same digest is named.
                again = self.run(["scripts/push-image.sh", tagged], credentials, cwd=directory).stdout
        return {**stack, "revision": revision, "image": image, "digest": image_digest, "applied": applied,
                "pushed": pushed, "again": again, "migrated": migrated.stdout if migrated else "",
                "deployments_before_release": json.dumps(before, default=str)}

    def migrate(self, ecs, stack: Mapping[str, str], image: str, credentials: Credentials, directory: Path,
                ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess | None:
        """With a database, the workflow's migration steps: render the migration task definition with the image
        (amazon-ecs-render-task-definition, into a file as the action writes it) and scripts/run-migration.sh,
        which registers it, runs it and waits for it. None for renders without a database."""
        if "migration_task_definition_arn" not in stack:
            return None
        document = ecs_actions.render_task_definition(ecs, stack["migration_task_definition_arn"],
                                                      stack["migration_container_name"], image, {})
        rendered = directory / ".github-run" / "migration-task-definition.json"
        rendered.parent.mkdir(exist_ok=True)
        rendered.write_text(json.dumps(document, default=str))
        return self.run(["scripts/run-migration.sh", stack["cluster_name"], str(rendered),
                         stack["migration_container_name"], stack["migration_network"], "120"],
                        credentials, cwd=directory, extra={"MIGRATION_INTERVAL": "0"}, ok=ok)

    def push_commit(self, environment: Environment, tag: str, session: str, directory: Path
                    ) -> tuple[Credentials, object, str]:
        """The first steps of a later release in the first environment: sign in to its deploy role, log in to
        the registry and push the commit's image (scripts/push-image.sh). Returns the credentials, an ECS client
        of the role and the image by its digest."""
        credentials = self.sign_in(environment.deploy_role, "deploy", environment.job, session)
        ecr = self.account.client("ecr", credentials, self.region)
        registry = ecs_actions.ecr_login(ecr).removeprefix("https://")
        repository = self.answers["project_slug"]
        pushed = self.run(["scripts/push-image.sh", f"{registry}/{repository}:{tag}"], credentials,
                          cwd=directory).stdout
        image = f"{registry}/{repository}@{outputs_of(pushed)['digest']}"
        return credentials, self.account.client("ecs", credentials, self.region), image

    def release_a_migration_fails(self, stack: Mapping[str, str], environment: Environment | None = None
                                  ) -> dict[str, str]:
        """The release of a commit whose migrations fail (FAILING_MIGRATION_TAG): its image is pushed, the
        migration task runs and exits with 1, scripts/run-migration.sh fails the job naming the task and its
        log, and the deploy steps after it never run: the service keeps the revision it runs."""
        environment = environment or self.environments[0]
        directory = self.checkout("release-migration-fails")
        administrator_ecs = self.account.client("ecs", self.administrator(environment), self.region)

        def service() -> str:
            (described,) = administrator_ecs.describe_services(
                cluster=stack["cluster_name"], services=[stack["service_name"]])["services"]
            return json.dumps([(item["taskDefinition"], item["status"]) for item in described["deployments"]])

        before = service()
        tag = ecs_actions.FAILING_MIGRATION_TAG
        with self.step(f"release {tag[:12]} to {environment.name}, its migration fails (deploy role)", "deploy"):
            credentials, ecs, image = self.push_commit(environment, tag, "migration-fails", directory)
            verdict = self.migrate(ecs, stack, image, credentials, directory, ok=(1,))
        return {"image": image, "verdict": verdict.stderr, "output": verdict.stdout, "before": before,
                "after": service()}

    def execution_role_policies(self, environment: Environment | None = None) -> dict[str, dict]:
        """The inline policies of the role ECS starts an environment's tasks with, as the apply left them."""
        iam = self.account.client("iam", self.administrator(environment), self.region)
        role = f"{(environment or self.production).resource_name}-execution"
        return {name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                for name in iam.list_role_policies(RoleName=role)["PolicyNames"]}

    def release_an_alarm_stops(self, image_tag: str, stack: dict[str, str],
                               environment: Environment | None = None) -> dict[str, str]:
        """A release during whose rollout a deployment alarm fires (as a 500 on every request would make
        it): the same deploy steps, the alarm set to ALARM by the administrator once the rollout started,
        then scripts/verify-deployment.sh, which must fail naming the alarm while ECS rolls back."""
        environment = environment or self.environments[0]
        directory = self.checkout("release-alarmed")
        administrator_ecs = self.account.client("ecs", self.administrator(environment), self.region)
        with self.step(f"release {image_tag[:12]} to {environment.name}, an alarm fires (deploy role)", "deploy"):
            credentials, ecs, image = self.push_commit(environment, image_tag, "alarmed", directory)
            # The alarms ECS watches, as Terraform configured the service (read before the rollout starts:
            # in the emulator, the next DescribeServices ends a rollout).
            service = administrator_ecs.describe_services(cluster=stack["cluster_name"],
                                                          services=[stack["service_name"]])["services"][0]
            (alarm,) = [name for name in service["deploymentConfiguration"]["alarms"]["alarmNames"]
                        if name.endswith("-deploy-target-5xx-rate")]
            document = ecs_actions.render_task_definition(ecs, stack["task_definition_arn"], stack["container_name"],
                                                          image, {"APP_IMAGE_TAG": image_tag})
            revision = ecs_actions.deploy_task_definition(ecs, document, stack["cluster_name"], stack["service_name"])
            cloudwatch = self.account.client("cloudwatch", self.administrator(environment), self.region)
            cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="every request answers 500")
            verdict = self.run(["scripts/verify-deployment.sh", stack["cluster_name"], stack["service_name"], revision,
                                "120"], credentials, cwd=directory, extra={"VERIFY_INTERVAL": "1"}, ok=(1,))
            cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="the release was rolled back")
        running = administrator_ecs.describe_services(cluster=stack["cluster_name"], services=[stack["service_name"]])[
            "services"][0]["deployments"]
        return {"revision": revision, "alarm": alarm, "verdict": verdict.stderr,
                "running": json.dumps(running, default=str)}

    def destroy(self, environment: Environment | None = None) -> None:
        """`make destroy ENV=...`, the runbook's teardown of one environment (production unless given), with
        its deploy role (answering the prompts with yes)."""
        environment = environment or self.production
        directory = self.checkout(f"destroy-{environment.name}")
        with self.step(f"destroy {environment.name} (make destroy, deploy role)", "deploy"):
            credentials = self.sign_in(environment.deploy_role, "deploy", environment.job, "destroy")
            self.run(["make", "destroy", f"ENV={environment.name}"], credentials, cwd=directory, extra=AUTO_APPROVE)
