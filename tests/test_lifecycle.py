"""The rendered stacks deploy and keep deploying: the whole lifecycle in an emulated AWS account, with every
AWS call of the pipeline roles judged against their real policies by a real IAM policy evaluator.

Three renders live the steps of tests/emulator/lifecycle.py: the default one, with two environments
(staging, then production); one that turns on everything that changes the network or the IAM at once, in
both environments (the longest project name and region name the template accepts, so the longest names
staging's resources get, three AZs, a single NAT gateway, the database tier, HTTPS, S3-native locking, an
account that already has the GitHub OIDC provider, the bootstrap's state moved into the bucket); and the
default one with production alone, whose release job is the one that pushes the image. Each render's tests
share one run of the lifecycle.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from hooks.pre_gen_project import AWS_REGIONS, SLUG_MAX_LENGTH
from tests.conftest import CERTIFICATE, TEMPLATE_DIR, missing, run
from tests.emulator import ecs_actions
from tests.emulator import lifecycle as lifecycle_steps
from tests.emulator.account import ACCOUNT_ID, ADMINISTRATOR, EmulatedAccount
from tests.emulator.recording import validation_report
from tests.emulator.github import OWNER_ID, REPOSITORY_ID, GitHub, Job
from tests.emulator.pipeline import ANSI, AUTO_APPROVE, Environment, Pipeline, StepFailed, bootstrap_applies
from tests.iam import evaluator, quotas
from tests.iam.authorization import GITHUB_CONDITION_CLAIMS, OIDC_HOST
from tests.iam.evaluator import Request
from tests.iam.proof import explain, managed_policy, prove, role_policies
from tests.iam.refusals import (Database, Project, database_probes, environment_probes, fixed_probes, judge,
                                read_applied, writes_of)

LONGEST_REGION = "ap-northeast-2"  # 14 characters, as long as any region the template accepts; four AZs
EVERYTHING_AT_ONCE = {
    "project_name": "Inventory Reconciliation Service",  # the slug is 32 characters, the most allowed
    "aws_region": LONGEST_REGION,
    "availability_zones": f"{LONGEST_REGION}a,{LONGEST_REGION}b,{LONGEST_REGION}c",
    "nat_mode": "single",
    "enable_database_subnets": "yes",
    "enable_https": "yes",
    "state_locking": "s3-native",
    "create_oidc_provider": "auto",
    "deployment_strategy": "canary",
    "alarm_email": "oncall@example.com",
    "secret_names": "APP_API_KEY,APP_PARTNER_TOKEN",
    "database": "postgres",
    "domain_name": "inventory.platform.example.com",
    "hosted_zone": "platform.example.com",
}
# Production alone: its release job is the one that pushes the image.
PRODUCTION_ALONE = {"environments": "production"}
# Production in an AWS account of its own; staging's account holds the image repository.
STAGING_ACCOUNT_ID = "210987654321"
OWN_ACCOUNT = {"staging_account_id": STAGING_ACCOUNT_ID}
# The ids keep each render's tests in one pytest-xdist worker (tests/conftest.py, SHARED_FIXTURE_ID).
LIFECYCLES = [
    pytest.param(("defaults", {}, "us-east-1c"), id="lifecycle_defaults"),
    pytest.param(("everything-at-once", EVERYTHING_AT_ONCE, f"{LONGEST_REGION}d"), id="lifecycle_everything_at_once"),
    pytest.param(("production-alone", PRODUCTION_ALONE, "us-east-1c"), id="lifecycle_production_alone"),
]
# The renders with more than one environment.
WITH_STAGING = LIFECYCLES[:2]
# The default render with production in an account of its own: its own tests (TestProductionInItsOwnAccount).
OWN_ACCOUNT_LIFECYCLE = pytest.param(("production-own-account", OWN_ACCOUNT, "us-east-1c"),
                                     id="lifecycle_production_own_account")
# The most of each IAM quota a pipeline role may use, so that the next permission added does not fail the
# bootstrap of a project with a long name.
QUOTA_HEADROOM = 0.8

pytestmark = pytest.mark.slow


# One run of the lifecycle per render and pytest process, whichever of its tests asks first.
RUNS: dict[str, lifecycle_steps.Lifecycle] = {}


@pytest.fixture(scope="session")
def emulated_accounts(tmp_path_factory):
    """An emulated account per render, so that no lifecycle sees another's resources or calls."""
    reason = evaluator.unavailable_reason()
    if reason:
        missing("the IAM policy evaluator", reason)
    accounts: dict[str, EmulatedAccount] = {}

    def account(name: str) -> EmulatedAccount:
        if name not in accounts:
            accounts[name] = EmulatedAccount(tmp_path_factory.mktemp(f"emulated-aws-{name}")).start()
        return accounts[name]

    yield account
    for started in accounts.values():
        started.stop()


def secret_parameters(answers: dict) -> dict[str, str]:
    """Each secret's name and the SSM parameter prod.tfvars reads it from, as the template renders them."""
    names = [name for name in answers["secret_names"].replace(" ", "").split(",") if name]
    return {name: f"/{answers['project_slug']}/{name.lower().replace('_', '-')}" for name in names}


def prepare_account(account: EmulatedAccount, overrides: dict, region: str) -> dict:
    """What the account holds before the user starts, and the inputs that depend on it."""
    extra = {}
    if overrides is EVERYTHING_AT_ONCE:
        # An account that already runs GitHub Actions has the provider; make bootstrap must find it.
        account.client("iam", ADMINISTRATOR, region).create_open_id_connect_provider(
            Url=f"https://{OIDC_HOST}", ClientIDList=["sts.amazonaws.com"])
    if overrides.get("domain_name"):
        # The public zone the owner already has; the stack requests the certificate and adds the records.
        account.client("route53", ADMINISTRATOR, region).create_hosted_zone(
            Name=overrides["hosted_zone"], CallerReference="owner")
    elif overrides.get("enable_https") == "yes":
        # The certificate the user requested in their account (the emulator takes its ARN as given).
        extra["acm_certificate_arn"] = CERTIFICATE.format(region=region)
    return extra


@pytest.fixture
def lifecycle(request, emulated_accounts, bakery, terraform, tmp_path_factory):
    """One render's lifecycle (request.param, from LIFECYCLES), run once per pytest process."""
    name, overrides, zone = request.param
    if name not in RUNS:
        account = emulated_accounts(name)
        region = overrides.get("aws_region", "us-east-1")
        started = account.mark()
        rendered = {**overrides, **prepare_account(account, overrides, region)}
        # A copy of the render: the bootstrap writes its state and Terraform's files into the project, and the
        # session's render of these answers must stay as cookiecutter wrote it for the tests that compare it.
        workdir = tmp_path_factory.mktemp(f"lifecycle-{name}")
        project = Path(shutil.copytree(bakery(rendered), workdir / "project", symlinks=True))
        pipeline = Pipeline(project, account, terraform, bakery.answers(rendered), workdir)
        # The default render's release comes after its saved plan expired: it must plan again and apply.
        RUNS[name] = lifecycle_steps.run(pipeline, zone, move_bootstrap_state=overrides is EVERYTHING_AT_ONCE,
                                         saved_plan_expired=overrides is not EVERYTHING_AT_ONCE)
        RUNS[name].first_call = started
        RUNS[name].provider_existed = overrides is EVERYTHING_AT_ONCE
    return RUNS[name]


@pytest.fixture
def emulated_account(lifecycle):
    return lifecycle.pipeline.account


PROOFS: dict[int, tuple] = {}


@pytest.fixture
def judged(lifecycle, emulated_account):
    """The permission proof of everything the pipeline roles did in this lifecycle."""
    pipeline = lifecycle.pipeline
    iam = {environment.name: emulated_account.client("iam", pipeline.administrator(environment), pipeline.region)
           for environment in pipeline.environments}
    policies = {role: role_policies(iam[environment.name], role.rsplit("/", 1)[-1])
                for environment in pipeline.environments for role in (environment.plan_role, environment.deploy_role)}
    calls = emulated_account.calls(since=lifecycle.first_call)

    def step_of(sequence: int) -> str:
        step = lifecycle.pipeline.release.step_of(sequence)
        return step.name if step else "between steps"

    if id(lifecycle) not in PROOFS:
        administrators = {ADMINISTRATOR.access_key: ACCOUNT_ID, **{
            credentials.access_key: account for account, credentials in pipeline.administrators.items()}}
        PROOFS[id(lifecycle)] = prove(calls, step_of, policies, ACCOUNT_ID, administrators), policies
    return PROOFS[id(lifecycle)]


NEIGHBOURS: dict[int, Project] = {}


def project_of(answers, outputs: dict, environment: Environment | None = None) -> Project:
    """The environment's (production's unless given) resources, with the outputs of its bootstrap."""
    environment = environment or Environment("production", answers["project_slug"], "", "")
    first = answers.get("environments", "production").split(",")[0]
    return Project(environment.resource_name, ACCOUNT_ID, answers["aws_region"], outputs["state_bucket"],
                   environment.state_key, outputs["state_kms_key_arn"], outputs["deploy_role_arn"],
                   outputs["plan_role_arn"], outputs["logs_kms_key_arn"], environment.name, answers["project_slug"],
                   pushes_images=environment.name == first)


@pytest.fixture
def neighbour(lifecycle, bakery, tmp_path_factory) -> Project:
    """A second project bootstrapped into the same account once the lifecycle is over: whose state, key,
    image repository and roles the first project's pipeline must not reach."""
    lifecycle.require("the teardown")
    if id(lifecycle) not in NEIGHBOURS:
        overrides = {"project_name": "Billing Ledger", "aws_region": lifecycle.pipeline.region,
                     "availability_zones": f"{lifecycle.pipeline.region}a,{lifecycle.pipeline.region}b",
                     "create_oidc_provider": "auto", "environments": "production"}
        answers = bakery.answers(overrides)
        workdir = tmp_path_factory.mktemp("neighbour")
        project = Path(shutil.copytree(bakery(overrides), workdir / "project", symlinks=True))
        other = Pipeline(project, lifecycle.pipeline.account, lifecycle.pipeline.terraform, answers, workdir)
        NEIGHBOURS[id(lifecycle)] = project_of(answers, other.bootstrap())
    return NEIGHBOURS[id(lifecycle)]


def database_probes_of(lifecycle, own: Project, emulated_account) -> list:
    """With a database, what no role but the execution role may read (tests/iam/refusals.py, database_probes);
    the master login's secret is the one RDS created in the lifecycle."""
    if "database_kms_key_arn" not in lifecycle.bootstrap_outputs:
        return []
    (instance,) = [item for item in lifecycle.databases if item["DBInstanceIdentifier"] == own.name]
    key = lifecycle.bootstrap_outputs["database_kms_key_arn"]
    policy = emulated_account.client("kms", ADMINISTRATOR, own.region).get_key_policy(KeyId=key, PolicyName="default")
    return database_probes(own, Database(
        instance["DBInstanceArn"], instance["MasterUserSecret"]["SecretArn"],
        own.arn("secretsmanager", f"secret:{own.name}/database/app-AbCdEf"), key, json.loads(policy["Policy"])))


def assert_every_call_allowed(lifecycle, judged, record_property) -> None:
    """The permission proof of a whole lifecycle: every call of every pipeline role allowed, each one judged
    (none unmodelled, unreadable, unknown to the evaluator or signed by a stranger), by every role."""
    lifecycle.require("the permission proof of the whole lifecycle")
    assert lifecycle.destroyed, "the lifecycle did not reach its teardown: the proof would be of part of it"
    proof, policies = judged
    record_property("summary", f"permission proof: {proof.summary()}")
    by_role = {arn.rsplit("/", 1)[-1]: documents for arn, documents in policies.items()}
    denied = [explain(item, by_role.get(item.role, {})) for item in proof.denied]
    assert not denied, f"{len(denied)} of {len(proof.judged)} authorizations denied:\n" + "\n".join(denied)
    unmodelled = [f"{count} x {role} {service}:{operation}" for (role, service, operation), count in
                  sorted(proof.unmodelled.items())]
    assert not unmodelled, ("calls the permission model cannot judge (add a rule to tests/iam/authorization.py):\n"
                            + "\n".join(unmodelled))
    assert not proof.unknown_actions, f"actions the evaluator does not know: {dict(proof.unknown_actions)}"
    unreadable = [f"{count} x {role} {service}:{operation}: {why}"
                  for (role, service, operation, why), count in sorted(proof.unreadable.items())]
    assert not unreadable, "calls whose parameters could not be read:\n" + "\n".join(unreadable)
    strangers = [f"{count} x {signer} {service}:{operation}"
                 for (signer, service, operation), count in sorted(proof.unknown_signers.items())]
    assert not strangers, ("calls signed by a key that is neither a pipeline role's session nor an "
                           "administrator's:\n" + "\n".join(strangers))
    roles = {item.role for item in proof.judged}
    assert len(roles) == 2 * len(lifecycle.pipeline.environments) and len(proof.judged) > 300


# Each test gets its render's lifecycle.
@pytest.mark.parametrize("lifecycle", LIFECYCLES, indirect=True)
class TestLifecycle:
    def test_bootstrap_creates_the_state_store_and_each_environments_pipeline_roles(self, lifecycle):
        lifecycle.require("bootstrap")
        answers = lifecycle.pipeline.answers
        assert lifecycle.bootstrap_outputs["deploy_role_arn"] == answers["aws_oidc_role_arn"]
        assert lifecycle.bootstrap_outputs["plan_role_arn"] == answers["aws_plan_role_arn"]
        owner, repo = answers["github_owner"], answers["github_repo"]
        environments = lifecycle.pipeline.environments
        assert [environment.name for environment in environments] == answers["environments"].split(",")
        assert sorted(lifecycle.bootstrap_outputs["environments"]) == sorted(e.name for e in environments)
        for environment in environments:
            outputs = lifecycle.bootstrap_outputs["environments"][environment.name]
            assert (outputs["deploy_role_arn"], outputs["plan_role_arn"]) == (environment.deploy_role,
                                                                              environment.plan_role)
            # One state bucket, state key and image repository for all; each environment its own logs key.
            assert outputs["state_bucket"] == answers["tf_state_bucket"]
            assert outputs["state_kms_key_arn"] == lifecycle.bootstrap_outputs["state_kms_key_arn"]
            assert outputs["ecr_repository_url"].endswith(f"/{answers['project_slug']}")
            assert outputs["trusted_subjects"]["deploy"] == [
                f"repo:{owner}@{OWNER_ID}/{repo}@{REPOSITORY_ID}:environment:{environment.name}"]
        logs_keys = {outputs["logs_kms_key_arn"] for outputs in lifecycle.bootstrap_outputs["environments"].values()}
        assert len(logs_keys) == len(environments)

    def test_bootstrap_reuses_the_accounts_oidc_provider_or_creates_it(self, lifecycle, emulated_account):
        lifecycle.require("bootstrap")
        bootstrap = lifecycle.pipeline.release.steps[0]
        created = [call for call in emulated_account.calls(since=bootstrap.first_call)
                   if call.operation == "CreateOpenIDConnectProvider" and call.sequence <= bootstrap.last_call]
        provider = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_HOST}"
        assert lifecycle.bootstrap_outputs["oidc_provider_arn"] == provider
        assert len(created) == (0 if lifecycle.provider_existed else 1)

    def test_the_first_plan_creates_the_whole_stack(self, lifecycle):
        lifecycle.require("the first plan")
        actions = lifecycle.first_plan
        assert len(actions) >= 45, sorted(actions)
        # Data sources that depend on resources not yet created are read during the apply.
        assert {tuple(action) for action in actions.values()} == {("create",), ("read",)}
        for address in ("aws_ecs_service.app", "aws_lb.this", "aws_appautoscaling_policy.cpu",
                        "aws_cloudwatch_log_group.app"):
            assert address in actions

    def test_the_first_release_starts_the_service_on_its_own_image(self, lifecycle, emulated_account):
        """The image is pushed and tagged `initial` before the first apply, so the service Terraform creates
        runs it and its first deployment completes; then the release's own revision rolls out."""
        lifecycle.require("the release job")
        region, repository = lifecycle.pipeline.region, lifecycle.pipeline.answers["project_slug"]
        ecs = emulated_account.client("ecs", ADMINISTRATOR, region)
        for deployed in lifecycle.releases.values():
            (first,) = json.loads(deployed["deployments_before_release"])
            assert (first["taskDefinition"], first["rolloutState"]) == (deployed["task_definition_arn"], "COMPLETED")
            terraforms = ecs.describe_task_definition(taskDefinition=deployed["task_definition_arn"])["taskDefinition"]
            assert terraforms["containerDefinitions"][0]["image"].endswith(f"/{repository}:initial")
        images = emulated_account.client("ecr", ADMINISTRATOR, region).describe_images(repositoryName=repository)
        tags = sorted(sorted(image["imageTags"]) for image in images["imageDetails"])
        # The first release's image, tagged initial too; then the next release's (which the alarm stopped), and
        # with a database the one whose migration failed.
        database = lifecycle.pipeline.answers["database"] == "postgres"
        assert tags == sorted([[lifecycle_steps.IMAGE_TAG, "initial"], [lifecycle_steps.ALARMED_IMAGE_TAG]]
                              + ([[ecs_actions.FAILING_MIGRATION_TAG]] if database else []))
        # The first environment's release pushed: scripts/push-image.sh named the digest ECR holds, which the
        # attestations sign; a re-run pushed nothing. The next environments push nothing.
        (digest,) = [image["imageDigest"] for image in images["imageDetails"]
                     if lifecycle_steps.IMAGE_TAG in image["imageTags"]]
        first, *others = lifecycle.pipeline.environments
        assert lifecycle.releases[first.name]["pushed"] == f"pushed=true\ndigest={digest}\n"
        assert lifecycle.releases[first.name]["again"] == f"pushed=false\ndigest={digest}\n"
        assert all(lifecycle.releases[other.name]["pushed"] == "" for other in others)

    def test_a_release_approved_after_its_plan_expired_applies_the_reviewed_plan(self, lifecycle):
        """The default render's releases find no saved plan: each plans again, finds the plan the plan job
        showed (same digest), and applies it; the other render applies the saved plan."""
        lifecycle.require("the first release")
        for deployed in lifecycle.releases.values():
            replanned = "The new plan is the reviewed one: applying it" in deployed["applied"]
            assert replanned == (not lifecycle.provider_existed), deployed["applied"][-3000:]
            assert "Apply complete!" in deployed["applied"]

    def test_the_release_rolls_out_its_revision_and_waits_for_it(self, lifecycle, emulated_account):
        """The release step only passes when scripts/verify-deployment.sh saw the revision COMPLETED."""
        lifecycle.require("the release job")
        region, repository = lifecycle.pipeline.region, lifecycle.pipeline.answers["project_slug"]
        ecs = emulated_account.client("ecs", ADMINISTRATOR, region)
        ecr = emulated_account.client("ecr", ADMINISTRATOR, region)
        (image,) = ecr.describe_images(repositoryName=repository,
                                       imageIds=[{"imageTag": lifecycle_steps.IMAGE_TAG}])["imageDetails"]
        digest, registry = image["imageDigest"], ecs_actions.ecr_login(ecr).removeprefix("https://")
        for environment in lifecycle.pipeline.environments:
            deployed = lifecycle.releases[environment.name]
            assert deployed["revision"] != deployed["task_definition_arn"]
            assert deployed["revision"].split("/")[-1].startswith(f"{environment.resource_name}:")
            container = ecs.describe_task_definition(taskDefinition=deployed["revision"])["taskDefinition"][
                "containerDefinitions"][0]
            # By digest: the image ECR holds under the commit's tag, whatever a tag names later.
            assert container["image"] == deployed["image"] == f"{registry}/{repository}@{digest}"
            assert {"name": "APP_IMAGE_TAG", "value": lifecycle_steps.IMAGE_TAG} in container["environment"]

    def test_a_release_during_which_an_alarm_fires_is_rolled_back_and_named(self, lifecycle):
        """The alarm the service really watches (read from ECS, as Terraform configured it) fires during the
        next release; ECS rolls back to the release before and the job fails saying which alarm fired."""
        lifecycle.require("the release an alarm stops")
        first = lifecycle.pipeline.environments[0]
        alarmed, deployed = lifecycle.alarmed, lifecycle.releases[first.name]
        assert alarmed["alarm"] == f"{first.resource_name}-deploy-target-5xx-rate"
        assert "::error title=Deployment rolled back by an alarm::" in alarmed["verdict"]
        assert f"the deployment alarm {alarmed['alarm']} fired" in alarmed["verdict"]
        (running,) = json.loads(alarmed["running"])
        assert (running["taskDefinition"], running["rolloutState"]) == (deployed["revision"], "COMPLETED")

    def test_the_release_keeps_the_secrets_as_references(self, lifecycle, emulated_account):
        """The revision the release registered (a copy of Terraform's) still names each secret's parameter,
        and no secret is a plain environment variable."""
        lifecycle.require("the release job")
        answers, region = lifecycle.pipeline.answers, lifecycle.pipeline.region
        ecs = emulated_account.client("ecs", ADMINISTRATOR, region)
        (container,) = ecs.describe_task_definition(taskDefinition=lifecycle.deployed["revision"])["taskDefinition"][
            "containerDefinitions"]
        parameters = secret_parameters(answers)
        secrets = container.get("secrets", [])
        if answers["database"] == "postgres":  # the application login's password, from its own secret
            *secrets, login = secrets
            assert login["name"] == "APP_DATABASE_PASSWORD" and re.fullmatch(
                rf"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{lifecycle.pipeline.production.resource_name}"
                r"/database/app-\w{6}:password::", login["valueFrom"]), login
        assert secrets == [
            {"name": name, "valueFrom": f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter{parameter}"}
            for name, parameter in parameters.items()]
        assert not {item["name"] for item in container["environment"]} & set(parameters)

    def test_the_execution_role_reads_exactly_its_secrets(self, lifecycle):
        """Judged by the IAM evaluator against the role's policy as applied: each configured parameter, and
        nothing else of the project's or the account's."""
        lifecycle.require("the release job")
        answers, region = lifecycle.pipeline.answers, lifecycle.pipeline.region
        slug = answers["project_slug"]
        parameter = f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter"
        configured = [f"{parameter}{path}" for path in secret_parameters(answers).values()]
        others = [f"{parameter}/{slug}/not-configured", f"{parameter}/another-service/app-api-key"]
        requests = [Request(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{slug}-execution/task", "ssm:GetParameters",
                            resource, ACCOUNT_ID, {"aws:SecureTransport": "true", "aws:RequestedRegion": region},
                            lifecycle.execution_policies) for resource in configured + others]
        decisions = [decision.allowed for decision in evaluator.evaluate(requests)]
        assert decisions == [True] * len(configured) + [False] * len(others)

    def test_the_service_is_served_where_its_url_says(self, lifecycle):
        """With a domain: the certificate the deploy role requested was issued once its validation record was
        in the zone (the emulator issues nothing before), and the release's URL is the domain's."""
        lifecycle.require("the release job")
        answers = lifecycle.pipeline.answers
        if answers["domain_name"]:
            assert lifecycle.deployed["service_url"] == f"https://{answers['domain_name']}"
        else:
            assert lifecycle.deployed["service_url"].startswith(
                "https://" if answers["enable_https"] == "yes" else "http://")
            assert lifecycle.deployed["service_url"].endswith(".elb.amazonaws.com")

    def test_the_state_is_encrypted_with_the_bootstraps_key(self, lifecycle, emulated_account):
        lifecycle.require("the release job")
        answers = lifecycle.pipeline.answers
        s3 = emulated_account.client("s3", ADMINISTRATOR, answers["aws_region"])
        state = s3.head_object(Bucket=answers["tf_state_bucket"],
                               Key=f"{answers['project_slug']}/production/terraform.tfstate")
        key = lifecycle.bootstrap_outputs["state_kms_key_arn"]
        assert state["ServerSideEncryption"] == "aws:kms"
        assert state["SSEKMSKeyId"] in (key, f"alias/{answers['project_slug']}-tfstate")

    def test_a_second_plan_finds_nothing_to_change(self, lifecycle):
        lifecycle.require("the second plan")
        assert lifecycle.second_plan == {}
        assert lifecycle.second_plan_changes is False

    def test_one_more_zone_adds_that_zone_and_changes_nothing_else(self, lifecycle):
        lifecycle.require("the plan with one more zone")
        zone = lifecycle.added_zone
        added = {address for address, actions in lifecycle.zone_plan.items() if actions == ["create"]}
        updated = {address for address, actions in lifecycle.zone_plan.items() if actions == ["update"]}
        others = {address: actions for address, actions in lifecycle.zone_plan.items()
                  if address not in added | updated}
        assert others == {}, "nothing may be replaced or destroyed"
        assert added and all(f'["{zone}"]' in address for address in added), sorted(added)
        expected = {f'{address}["{zone}"]' for address in (
            "aws_subnet.public", "aws_subnet.private", "aws_route_table.private", "aws_route.private_nat")}
        assert expected <= added
        # The load balancer, the service (and the database subnet group) list the subnets; nothing else changes.
        assert updated <= {"aws_lb.this", "aws_ecs_service.app", "aws_db_subnet_group.this[0]"}, sorted(updated)

    def test_the_teardown_leaves_only_the_bootstrap_stack(self, lifecycle, emulated_account):
        lifecycle.require("the teardown")
        answers = lifecycle.pipeline.answers
        environments = lifecycle.pipeline.environments
        left = {kind: names for kind, names in lifecycle.left_after_teardown.items() if names}
        # The state key and each environment's logs key are the bootstrap's (kms.tf, logs_key.tf).
        # With a database, each environment's database key too (database_key.tf).
        keys = [lifecycle.bootstrap_outputs["state_kms_key_arn"].rsplit("/", 1)[-1]] + [
            outputs[name].rsplit("/", 1)[-1] for outputs in lifecycle.bootstrap_outputs["environments"].values()
            for name in ("logs_kms_key_arn", "database_kms_key_arn") if name in outputs]
        roles = {role.rsplit("/", 1)[-1] for environment in environments
                 for role in (environment.deploy_role, environment.plan_role)}
        # The service's roles are the bootstrap's too (service_roles.tf), each environment's own.
        roles |= {f"{environment.resource_name}-{kind}" for environment in environments
                  for kind in ("execution", "task", "flow-logs")
                  + (("ecs-load-balancing",) if answers["deployment_strategy"] == "canary" else ())}
        # With a domain, only production's bootstrap reads and writes its zone.
        domain = {"production": ("deploy-domain", "domain-read") if answers["domain_name"] else ()}
        database = answers["database"] == "postgres"
        bootstrap = {
            "iam roles": sorted(roles),
            "iam policies": sorted(f"{environment.resource_name}-{name}" for environment in environments
                                   for name in ("terraform-read", "deploy-network", "deploy-balance",
                                                "deploy-compute", "deploy-state", "deploy-observe",
                                                "service-boundary") + domain.get(environment.name, ())
                                   + (("deploy-data", "database-read") if database else ())),
            "oidc providers": [f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_HOST}"],
            "s3 buckets": [answers["tf_state_bucket"]],
            "kms keys in use": sorted(key for key in left.get("kms keys in use", []) if key.startswith(tuple(keys))),
            "ecr repositories": [answers["project_slug"]],  # the bootstrap's, with the released images
        }
        if database:  # each database's final snapshot stays until its owner deletes it (docs/runbook.md, Destroy)
            bootstrap["db snapshots"] = sorted(f"{environment.resource_name}-final" for environment in environments)
        if answers["state_locking"] == "dynamodb":
            bootstrap["dynamodb tables"] = [answers["tf_lock_table"]]
        assert {kind: sorted(names) for kind, names in left.items()} == bootstrap

    def test_the_pipeline_cannot_touch_the_bootstraps_own_state(self, lifecycle, emulated_account, judged):
        """The bootstrap's state defines what the pipeline may do; no role of any environment may read or
        write any environment's, also once `make bootstrap-state-to-s3` has put them in the same bucket (the
        S3 backend keeps a workspace's state under env:/WORKSPACE/)."""
        lifecycle.require("bootstrap")
        answers = lifecycle.pipeline.answers
        _, policies = judged
        bucket, key = answers["tf_state_bucket"], f"{answers['project_slug']}/bootstrap/terraform.tfstate"
        keys = [key] + [f"env:/{environment.name}/{key}" for environment in lifecycle.pipeline.environments
                        if not environment.production]
        if lifecycle.provider_existed:  # the render whose bootstrap moved its state into the bucket
            s3 = emulated_account.client("s3", ADMINISTRATOR, answers["aws_region"])
            for moved in keys:
                s3.head_object(Bucket=bucket, Key=moved)
        requests = [Request(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role.rsplit('/', 1)[-1]}/job", action,
                            f"arn:aws:s3:::{bucket}/{state}", ACCOUNT_ID,
                            {"aws:SecureTransport": "true", "aws:RequestedRegion": answers["aws_region"]},
                            documents) for role, documents in policies.items() for state in keys
                    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")]
        assert [decision.allowed for decision in evaluator.evaluate(requests)] == [False] * len(requests)

    def test_every_call_of_the_pipeline_roles_is_allowed(self, lifecycle, judged, record_property):
        assert_every_call_allowed(lifecycle, judged, record_property)

    @pytest.mark.parametrize("role_key, job, allowed", [
        ("aws_plan_role_arn", Job("pull_request", "refs/pull/7/merge"), True),
        ("aws_plan_role_arn", Job("ref:refs/heads/main", "refs/heads/main"), True),
        ("aws_oidc_role_arn", Job("environment:production", "refs/heads/main"), True),
        ("aws_plan_role_arn", Job("ref:refs/heads/feature", "refs/heads/feature"), False),
        ("aws_oidc_role_arn", Job("ref:refs/heads/main", "refs/heads/main"), False),
        ("aws_oidc_role_arn", Job("environment:staging", "refs/heads/main"), False),
        ("aws_oidc_role_arn", Job("pull_request", "refs/pull/7/merge"), False),
        # A branch pushed by anyone with write access, whose job names the production environment; a tag.
        ("aws_oidc_role_arn", Job("environment:production", "refs/heads/feature"), False),
        ("aws_oidc_role_arn", Job("environment:production", "refs/tags/v1"), False),
        ("aws_oidc_role_arn", Job("environment:production", "refs/pull/7/merge"), False),
    ])
    def test_each_job_signs_in_to_its_role_only(self, lifecycle, emulated_account, tmp_path, role_key, job, allowed):
        """The token the emulated GitHub gives the job, judged against the trust policy as applied (what STS
        compares: the subject and the claims it takes as condition keys). Refused whatever the job: the same
        job of a repository that took over this one's name (same names, another repository ID), with the
        names GitHub used before IDs, and of a fork."""
        lifecycle.require("bootstrap")
        answers = lifecycle.pipeline.answers
        iam = emulated_account.client("iam", ADMINISTRATOR, answers["aws_region"])
        role_arn = answers[role_key]
        trust = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
        owner, repo = answers["github_owner"], answers["github_repo"]
        tokens = [lifecycle.pipeline.github.claims(job),
                  GitHub(tmp_path / "recycled", owner, repo, repository_id="700000001").claims(job),
                  GitHub(tmp_path / "recycled-old", owner, repo, created_since_ids=False,
                         repository_id="700000001").claims(job),
                  GitHub(tmp_path / "fork", owner, f"{repo}-fork", repository_id="700000002").claims(job)]
        requests = [Request(f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_HOST}", "sts:AssumeRoleWithWebIdentity",
                            role_arn, ACCOUNT_ID, {f"{OIDC_HOST}:{name}": str(claims[name])
                                                   for name in GITHUB_CONDITION_CLAIMS if name in claims}, {},
                            trust, unvalidated_because="OIDC claim keys") for claims in tokens]
        decisions = [decision.allowed for decision in evaluator.evaluate(requests)]
        assert decisions == [allowed, False, False, False], dict(zip([token["sub"] for token in tokens], decisions))

    def test_pipeline_role_policies_fit_iam_quotas_with_room_to_spare(self, lifecycle, emulated_account, judged,
                                                                      record_property):
        lifecycle.require("bootstrap")
        answers = lifecycle.pipeline.answers
        if answers["aws_region"] == LONGEST_REGION:
            assert len(answers["project_slug"]) == SLUG_MAX_LENGTH
            assert len(LONGEST_REGION) == max(len(region) for region in AWS_REGIONS)
        _, policies = judged
        iam = emulated_account.client("iam", ADMINISTRATOR, answers["aws_region"])
        usage = []
        for role_arn, documents in policies.items():
            role = role_arn.rsplit("/", 1)[-1]
            trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
            usage += quotas.role_usage(role, documents, trust)
        record_property("summary", "IAM quotas: " + "; ".join(
            str(item) for item in usage if item.quota > quotas.MANAGED_POLICIES_PER_ROLE))
        too_big = [str(item) for item in usage if item.share > QUOTA_HEADROOM]
        assert too_big == [], f"more than {QUOTA_HEADROOM:.0%} of an IAM quota: {too_big}"

    def test_the_pipeline_roles_are_refused_what_they_must_not_do(self, lifecycle, emulated_account, judged,
                                                                  neighbour, record_property):
        """The negative half of the proof (tests/iam/refusals.py), against the policies as applied, with a
        second project in the same account, and every write of the deploy role tried as the plan role."""
        answers = lifecycle.pipeline.answers
        own = project_of(answers, lifecycle.bootstrap_outputs)
        proof, policies = judged
        kinds = ("execution", "task", "flow-logs") + (
            ("ecs-load-balancing",) if answers["deployment_strategy"] == "canary" else ())
        applied = read_applied(lambda service: emulated_account.client(service, ADMINISTRATOR, own.region), own,
                               neighbour, kinds)
        assert set(applied.role_boundaries.values()) == {own.boundary}, \
            f"each service role must carry the boundary: {applied.role_boundaries}"
        deploy = own.deploy_role.rsplit("/", 1)[-1]
        deploy_writes = writes_of([item.authorization for item in proof.judged if item.role == deploy])
        judged_probes = judge(fixed_probes(own, neighbour, applied) + deploy_writes + database_probes_of(
            lifecycle, own, emulated_account), own, {"deploy": policies[own.deploy_role],
                                                     "plan": policies[own.plan_role]}, applied.boundary)
        refused = sum(not item.probe.allowed for item in judged_probes)
        record_property("summary", f"refusal proof: {len(judged_probes)} probes, {refused} must be refused "
                                   f"({len(deploy_writes)} of them the deploy role's writes tried as the plan "
                                   f"role), {len(judged_probes) - refused} controls must be allowed; "
                                   f"{sum(item.wrong for item in judged_probes)} wrong")
        wrong = [str(item) for item in judged_probes if item.wrong]
        assert not wrong, f"{len(wrong)} of {len(judged_probes)} probes judged wrongly:\n" + "\n".join(wrong)
        assert len(deploy_writes) > 100

    def test_every_request_is_validated_as_aws_validates_it(self, lifecycle, emulated_account, record_property):
        """Each request of the lifecycle, whoever made it, was checked against its service model and its
        documents against their validators (scripts/aws_strict); AWS would have refused none of them."""
        report = validation_report(emulated_account.record, since=lifecycle.first_call)
        record_property("summary", f"strict emulator: {report.summary()}")
        assert report.refused == [], "requests AWS would refuse:\n" + "\n".join(report.refused)
        assert report.unvalidated == {}, "left unvalidated (add a validator in scripts/aws_strict):\n" + "\n".join(
            f"{count} x {item}" for item, count in sorted(report.unvalidated.items()))
        assert report.validated == report.requests > 0 and report.documents
        assert report.advice == {}, "advice on the stacks' documents (fix the document, or explain why the advice is " \
            "wrong in scripts/aws_strict/documents.py, EXPLAINED_ADVICE):\n" + "\n".join(sorted(report.advice))

    def test_lifecycle_steps_and_their_times(self, lifecycle, record_property):
        steps = lifecycle.pipeline.release.steps
        total = sum(step.seconds for step in steps)
        record_property("summary", f"lifecycle: {total:.0f} s in all; " + ", ".join(
            f"{step.name.split(' (')[0]} {step.seconds:.0f} s" for step in steps))
        # The bootstrap, the alarmed release and the zone's plan; per environment a plan, a release, a plan
        # again and a teardown; with a database, the release whose migration fails.
        database = lifecycle.pipeline.answers["database"] == "postgres"
        assert len(steps) == 3 + 4 * len(lifecycle.pipeline.environments) + database or lifecycle.failure


# The render with a database (database=postgres): everything at once.
WITH_DATABASE = [LIFECYCLES[1]]


@pytest.mark.parametrize("lifecycle", WITH_DATABASE, indirect=True)
class TestDatabase:
    def test_each_release_migrates_before_it_deploys(self, lifecycle, emulated_account):
        """Every environment's release ran the migration task of its new image (the migration task definition
        rendered with that image) to a clean exit, before it registered the service's revision."""
        lifecycle.require("the release job")
        ecs = emulated_account.client("ecs", ADMINISTRATOR, lifecycle.pipeline.region)
        for name, release in lifecycle.releases.items():
            assert "Migrations applied: task " in release["migrated"], (name, release["migrated"])
            (migration,) = re.findall(r"Registered (arn:\S+);", release["migrated"])
            (container,) = ecs.describe_task_definition(taskDefinition=migration)["taskDefinition"][
                "containerDefinitions"]
            assert container["image"] == release["image"] and container["command"] == ["python", "-m", "app.migrate"]
            assert int(migration.rsplit(":", 1)[1]) >= 2, "the rendered copy is a new revision of the family"

    def test_a_failing_migration_stops_the_release_before_anything_is_deployed(self, lifecycle):
        lifecycle.require("the release whose migration fails")
        failed = lifecycle.failed_migration
        assert failed, "the database render's lifecycle had no release whose migration fails"
        assert "::error title=The migration failed::" in failed["verdict"], failed["verdict"]
        task_id = re.search(r"Migration task (\S+) started", failed["output"])[1]
        name = lifecycle.pipeline.environments[0].resource_name
        assert f"stream migrate/migrate/{task_id}" in failed["verdict"] and f"/ecs/{name}" in failed["verdict"]
        assert "exit code 1" in failed["verdict"] and "nothing was deployed" in failed["verdict"]
        assert failed["before"] == failed["after"], "the service's deployments changed"

    def test_the_database_is_private_encrypted_and_protected(self, lifecycle, emulated_account):
        """Read back from RDS after the first release, in production: the instance the stack created."""
        lifecycle.require("the release job")
        production = lifecycle.pipeline.production
        (instance,) = [item for item in lifecycle.databases if item["DBInstanceIdentifier"] == production.resource_name]
        assert instance["Engine"] == "postgres" and instance["StorageEncrypted"] and instance["DeletionProtection"]
        assert not instance["PubliclyAccessible"] and instance["MultiAZ"]
        assert instance["MasterUserSecret"]["KmsKeyId"] == instance["KmsKeyId"]
        assert instance["BackupRetentionPeriod"] == 14 and instance["StorageType"] == "gp3"


# The renders with staging, then production, in one account.
@pytest.mark.parametrize("lifecycle", WITH_STAGING, indirect=True)
class TestEnvironments:
    def test_an_alarmed_release_in_staging_never_reaches_production(self, lifecycle):
        """The release the alarm stopped in the first environment leaves production's service as it was;
        the images ECR holds are the first release's and the stopped one's, and production runs the first."""
        lifecycle.require("the release an alarm stops")
        during = lifecycle.production_during_alarm
        assert during["before"] == during["after"]
        (task_definition, status, rollout), = json.loads(during["after"])["deployments"]
        assert (task_definition, status, rollout) == (lifecycle.deployed["revision"], "PRIMARY", "COMPLETED")

    def test_every_environment_runs_the_image_the_first_one_ran(self, lifecycle, emulated_account):
        lifecycle.require("the release job")
        ecs = emulated_account.client("ecs", ADMINISTRATOR, lifecycle.pipeline.region)
        images = {name: ecs.describe_task_definition(taskDefinition=release["revision"])["taskDefinition"][
            "containerDefinitions"][0]["image"] for name, release in lifecycle.releases.items()}
        assert list(images) == ["staging", "production"] and len(set(images.values())) == 1, images

    def test_each_environment_keeps_its_own_state(self, lifecycle):
        """Read from each environment's state object once both were released."""
        lifecycle.require("the release job")
        assert lifecycle.state_clusters == {environment.name: [environment.resource_name]
                                            for environment in lifecycle.pipeline.environments}

    def test_tearing_down_staging_leaves_production_running(self, lifecycle):
        lifecycle.require("the teardown")
        after = json.loads(lifecycle.production_after_other_teardowns)
        assert after["status"] == "ACTIVE"
        assert [deployment[0] for deployment in after["deployments"]] == [lifecycle.deployed["revision"]]

    @pytest.mark.parametrize("environment_index, context, allowed", [
        (0, "environment:staging", True),
        (0, "environment:production", False),
        (1, "environment:staging", False),
        (1, "environment:production", True),
    ])
    def test_a_deploy_role_admits_jobs_of_its_own_environment_only(self, lifecycle, emulated_account,
                                                                   environment_index, context, allowed):
        """A staging job cannot sign in to production's deploy role, nor a production job to staging's."""
        lifecycle.require("bootstrap")
        environment = lifecycle.pipeline.environments[environment_index]
        iam = emulated_account.client("iam", ADMINISTRATOR, lifecycle.pipeline.region)
        trust = iam.get_role(RoleName=environment.deploy_role.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
        claims = lifecycle.pipeline.github.claims(Job(context, "refs/heads/main"))
        (decision,) = evaluator.evaluate([Request(
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_HOST}", "sts:AssumeRoleWithWebIdentity",
            environment.deploy_role, ACCOUNT_ID,
            {f"{OIDC_HOST}:{name}": str(claims[name]) for name in GITHUB_CONDITION_CLAIMS if name in claims}, {},
            trust, unvalidated_because="OIDC claim keys")])
        assert decision.allowed == allowed, (environment.name, claims["sub"])

    @pytest.mark.parametrize("own_index", [0, 1], ids=["staging", "production"])
    def test_an_environments_roles_are_refused_the_other_environment(self, lifecycle, emulated_account, judged,
                                                                     own_index, record_property):
        """The negative proof between environments (tests/iam/refusals.py, environment_probes), judged against
        the policies as applied, with a control for each refusal."""
        lifecycle.require("the teardown")
        answers = lifecycle.pipeline.answers
        own_environment = lifecycle.pipeline.environments[own_index]
        other_environment = lifecycle.pipeline.environments[1 - own_index]
        outputs = lifecycle.bootstrap_outputs["environments"]
        own = project_of(answers, outputs[own_environment.name], own_environment)
        other = project_of(answers, outputs[other_environment.name], other_environment)
        _, policies = judged
        applied = read_applied(lambda service: emulated_account.client(service, ADMINISTRATOR, own.region), own,
                               other, ("execution", "task", "flow-logs"))
        lock_table = (f"arn:aws:dynamodb:{own.region}:{ACCOUNT_ID}:table/{answers['tf_lock_table']}"
                      if answers["state_locking"] == "dynamodb" else None)
        probes = environment_probes(own, other, applied, lock_table)
        judged_probes = judge(probes, own, {"deploy": policies[own.deploy_role], "plan": policies[own.plan_role]},
                              applied.boundary)
        refused = sum(not item.probe.allowed for item in judged_probes)
        record_property("summary", f"{own.environment} against {other.environment}: {len(judged_probes)} probes, "
                                   f"{refused} must be refused")
        wrong = [str(item) for item in judged_probes if item.wrong]
        assert not wrong, f"{len(wrong)} of {len(judged_probes)} probes judged wrongly:\n" + "\n".join(wrong)
        assert refused >= 25


@pytest.mark.parametrize("lifecycle", [OWN_ACCOUNT_LIFECYCLE], indirect=True)
class TestProductionInItsOwnAccount:
    """Staging and production in two emulated accounts: each bootstrapped by its own administrator, the image
    pushed once into staging's account and run by production from there, every call judged across accounts
    (the role's policies and the resource's policy together), and what each account must refuse the other."""

    def test_each_account_is_bootstrapped_by_its_own_administrator(self, lifecycle, emulated_account, bakery):
        lifecycle.require("bootstrap")
        pipeline = lifecycle.pipeline
        staging, production = pipeline.environments
        outputs = lifecycle.bootstrap_outputs["environments"]
        slug = pipeline.answers["project_slug"]
        assert outputs["staging"]["state_bucket"] == f"{slug}-tfstate-{STAGING_ACCOUNT_ID}"
        assert outputs["production"]["state_bucket"] == pipeline.answers["tf_state_bucket"]
        assert outputs["staging"]["deploy_role_arn"] == f"arn:aws:iam::{STAGING_ACCOUNT_ID}:role/{slug}-staging-deploy"
        assert outputs["staging"]["oidc_provider_arn"] == f"arn:aws:iam::{STAGING_ACCOUNT_ID}:oidc-provider/{OIDC_HOST}"
        registry = f"{STAGING_ACCOUNT_ID}.dkr.ecr.{pipeline.region}.amazonaws.com/{slug}"
        assert outputs["staging"]["ecr_repository_url"] == outputs["production"]["ecr_repository_url"] == registry
        ecr = emulated_account.client("ecr", pipeline.administrator(staging), pipeline.region)
        policy = json.loads(ecr.get_repository_policy(repositoryName=slug)["policyText"])
        read, write = policy["Statement"]
        assert read["Principal"]["AWS"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
        assert sorted(read["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
            production.deploy_role, f"arn:aws:iam::{ACCOUNT_ID}:role/{slug}-execution"]
        assert sorted(read["Action"]) == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                          "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]
        assert (write["Effect"], write["Principal"]) == ("Deny", {"AWS": "*"})
        assert write["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == staging.deploy_role
        assert sorted(write["Action"]) == ["ecr:BatchDeleteImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
                                           "ecr:PutImage", "ecr:UploadLayerPart"]
        # Production's account holds no repository: nothing is pushed twice.
        assert emulated_account.client("ecr", ADMINISTRATOR, pipeline.region).describe_repositories()[
            "repositories"] == []
        # make bootstrap without ENV cannot mean both accounts: it says what to run instead.
        refused = subprocess.run(["make", "bootstrap"], cwd=pipeline.project, capture_output=True, text=True,
                                 env=pipeline.env(ADMINISTRATOR), timeout=120, check=False)
        assert refused.returncode != 0 and "make bootstrap ENV=production" in refused.stderr, refused.stderr
        assert "bootstrap:" not in refused.stdout, "nothing may be applied before the refusal"

    def test_production_runs_the_digest_staging_pushed_from_stagings_registry(self, lifecycle, emulated_account):
        lifecycle.require("the releases")
        pipeline = lifecycle.pipeline
        staging, production = lifecycle.releases["staging"], lifecycle.releases["production"]
        assert production["image"] == staging["image"]
        assert production["image"].startswith(f"{STAGING_ACCOUNT_ID}.dkr.ecr.{pipeline.region}.amazonaws.com/")
        ecs = emulated_account.client("ecs", ADMINISTRATOR, pipeline.region)
        definition = ecs.describe_task_definition(taskDefinition=production["revision"])["taskDefinition"]
        assert definition["containerDefinitions"][0]["image"] == staging["image"]
        assert lifecycle.state_clusters == {"staging": [f"{pipeline.production.project}-staging"],
                                            "production": [pipeline.production.project]}

    def test_every_call_is_allowed_across_accounts_as_aws_would(self, lifecycle, judged, record_property):
        assert_every_call_allowed(lifecycle, judged, record_property)
        proof, _ = judged
        # Production's deploy role checked staging's image across accounts, allowed by the repository's policy.
        across = [item for item in proof.judged if item.role.endswith("-deploy") and item.authorization.resource
                  .startswith(f"arn:aws:ecr:{lifecycle.pipeline.region}:{STAGING_ACCOUNT_ID}:")
                  and not item.role.endswith("-staging-deploy")]
        assert {item.authorization.action for item in across} == {"ecr:DescribeImages"}
        assert all(item.authorization.resource_policy for item in across)

    def test_each_account_refuses_the_others_roles(self, lifecycle, emulated_account, judged):
        """Across accounts AWS allows only what the resource's own policy lets in: production's roles may read
        staging's images and nothing else there; staging's roles reach nothing of production's."""
        lifecycle.require("bootstrap")
        pipeline = lifecycle.pipeline
        staging, production = pipeline.environments
        _, policies = judged
        region, slug = pipeline.region, pipeline.answers["project_slug"]
        ecr = emulated_account.client("ecr", pipeline.administrator(staging), region)
        repository_policy = json.loads(ecr.get_repository_policy(repositoryName=slug)["policyText"])
        repository = f"arn:aws:ecr:{region}:{STAGING_ACCOUNT_ID}:repository/{slug}"
        everything = {"everything": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
        context = {"aws:SecureTransport": "true", "aws:RequestedRegion": region}

        def session(role: str) -> str:
            account, name = role.split(":")[4], role.rsplit("/", 1)[-1]
            return f"arn:aws:sts::{account}:assumed-role/{name}/job"

        def request(role: str, action: str, resource: str, account: str, identity: dict,
                    resource_policy: dict | None = None, bounded: bool = False) -> Request:
            return Request(session(role), action, resource, account,
                           {**context, "aws:PrincipalArn": role, "aws:PrincipalAccount": role.split(":")[4]},
                           identity, resource_policy, boundary if bounded else {})

        # The execution role as the release left it (the teardown took its policy), within its boundary.
        def bucket_policy(bucket: str) -> dict:
            owner = staging if bucket == pipeline.state_bucket(staging) else production
            s3 = emulated_account.client("s3", pipeline.administrator(owner), region)
            return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])

        execution = f"arn:aws:iam::{ACCOUNT_ID}:role/{slug}-execution"
        execution_policies = {f"inline {name}": document for name, document in lifecycle.execution_policies.items()}
        iam = emulated_account.client("iam", ADMINISTRATOR, region)
        boundary_arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{slug}-service-boundary"
        boundary = {"service boundary": managed_policy(iam, boundary_arn)}
        production_bucket, staging_bucket = pipeline.state_bucket(production), pipeline.state_bucket(staging)
        cases = [
            # What production needs from staging's account, allowed by both sides.
            (request(production.deploy_role, "ecr:DescribeImages", repository, STAGING_ACCOUNT_ID,
                     policies[production.deploy_role], repository_policy), True),
            *[(request(execution, action, repository, STAGING_ACCOUNT_ID, execution_policies, repository_policy,
                       bounded=True), True)
              for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")],
            # Only staging's deploy role writes images: not staging's administrators, nor its plan role.
            (request(staging.deploy_role, "ecr:PutImage", repository, STAGING_ACCOUNT_ID,
                     policies[staging.deploy_role], repository_policy), True),
            *[(request(role, action, repository, STAGING_ACCOUNT_ID, everything, repository_policy), False)
              for role in (staging.plan_role, f"arn:aws:iam::{STAGING_ACCOUNT_ID}:role/OrganizationAccountAccessRole")
              for action in ("ecr:PutImage", "ecr:BatchDeleteImage")],
            # Production's roles never write staging's images, even where their own policies would allow it.
            *[(request(production.deploy_role, action, repository, STAGING_ACCOUNT_ID, everything, repository_policy),
               False) for action in ("ecr:PutImage", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy",
                                     "ecr:DeleteRepository")],
            # A production role the repository does not name reads nothing there, whatever its own policies.
            *[(request(f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "ecr:BatchGetImage", repository, STAGING_ACCOUNT_ID,
                       everything, repository_policy), False) for name in (production.plan_role.rsplit("/", 1)[-1],
                                                                           f"{slug}-task", "administrator")],
            # Neither account's roles reach the other's state, even where their own policies would allow it:
            # the state bucket's own policy, as applied, lets no other account in.
            *[(request(role, action, f"arn:aws:s3:::{bucket}/{key}", account, everything, bucket_policy(bucket)),
               False)
              for role, bucket, key, account in (
                  (staging.deploy_role, production_bucket, production.state_key, ACCOUNT_ID),
                  (staging.plan_role, production_bucket, production.state_key, ACCOUNT_ID),
                  (production.deploy_role, staging_bucket, staging.state_key, STAGING_ACCOUNT_ID),
                  (production.plan_role, staging_bucket, staging.state_key, STAGING_ACCOUNT_ID))
              for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")],
        ]
        decisions = evaluator.evaluate([case for case, _ in cases])
        wrong = [f"{case.principal} {case.action} {case.resource}: {'allowed' if decision.allowed else 'refused'}"
                 for (case, expected), decision in zip(cases, decisions) if decision.allowed != expected]
        assert not wrong, "judged wrongly:\n" + "\n".join(wrong)

    def test_a_staging_job_cannot_sign_in_to_productions_roles(self, lifecycle, emulated_account):
        lifecycle.require("bootstrap")
        staging, production = lifecycle.pipeline.environments
        github = lifecycle.pipeline.github
        iam = emulated_account.client("iam", ADMINISTRATOR, lifecycle.pipeline.region)
        requests = []
        for role in (production.deploy_role, production.plan_role):
            trust = iam.get_role(RoleName=role.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
            claims = github.claims(staging.job)
            requests.append(Request(
                f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_HOST}", "sts:AssumeRoleWithWebIdentity", role,
                ACCOUNT_ID, {f"{OIDC_HOST}:{name}": str(claims[name]) for name in GITHUB_CONDITION_CLAIMS
                             if name in claims}, {}, trust if isinstance(trust, dict) else json.loads(trust),
                unvalidated_because="OIDC claims"))
        assert [decision.allowed for decision in evaluator.evaluate(requests)] == [False, False]

    def test_the_teardown_leaves_each_account_its_bootstrap_only(self, lifecycle):
        lifecycle.require("the teardown")
        answers = lifecycle.pipeline.answers
        production, staging = lifecycle.left_after_teardown, lifecycle.left_in_staging_account
        for left in (production, staging):
            for kind in ("vpcs", "subnets", "nat gateways", "load balancers", "ecs clusters", "active task definitions",
                         "alarms", "dashboards", "scalable targets"):
                assert left[kind] == [], f"{kind} left: {left[kind]}"
        assert production["ecr repositories"] == [] and production["s3 buckets"] == [answers["tf_state_bucket"]]
        assert staging["ecr repositories"] == [answers["project_slug"]]
        assert staging["s3 buckets"] == [f"{answers['project_slug']}-tfstate-{STAGING_ACCOUNT_ID}"]

    def test_every_request_is_validated_as_aws_validates_it(self, lifecycle, emulated_account, record_property):
        lifecycle.require("the whole lifecycle")
        assert lifecycle.destroyed, "the lifecycle did not reach its teardown"
        report = validation_report(emulated_account.record, since=lifecycle.first_call)
        record_property("summary", f"strict emulator: {report.summary()}")
        assert report.refused == [], "requests AWS would refuse:\n" + "\n".join(report.refused)
        assert report.validated == report.requests > 0

    def test_lifecycle_steps_and_their_times(self, lifecycle, record_property):
        lifecycle.require("the whole lifecycle")
        steps = lifecycle.pipeline.release.steps
        record_property("summary", f"lifecycle: {sum(step.seconds for step in steps):.0f} s in all; " + ", ".join(
            f"{step.name.split(' (')[0]} {step.seconds:.0f} s" for step in steps))
        assert lifecycle.destroyed


EMULATED_APPLIES = [
    pytest.param({}, id="defaults"),
    pytest.param(EVERYTHING_AT_ONCE, id="everything-at-once"),
    pytest.param(OWN_ACCOUNT, id="production-own-account"),
]


@pytest.mark.parametrize("overrides", EMULATED_APPLIES)
def test_the_rendered_projects_own_emulated_apply_passes(bakery, terraform, overrides, tmp_path, record_property):
    """`make tf-emulated`, as a user or the rendered CI runs it: moto from this suite's environment (the same
    pinned version, checked below) instead of a fresh .venv-emulator."""
    project = tmp_path / "project"
    shutil.copytree(bakery(overrides), project)
    started = time.monotonic()
    result = run(["make", "tf-emulated", f"TERRAFORM={terraform}", f"EMULATOR_PYTHON={sys.executable}"],
                 cwd=project, timeout=1500, env={"TF_IN_AUTOMATION": "1"})
    summary = re.search(r"Success! (\d+) passed, 0 failed", ANSI.sub("", result.stdout))
    assert summary and int(summary[1]) >= 2, result.stdout[-3000:]
    validated = re.search(r"aws-emulator: (\d+) of (\d+) requests validated against their service model, 0 refused;"
                          r" documents validated: (.+)", result.stderr)
    assert validated and validated[1] == validated[2] and "left unvalidated" not in result.stderr, result.stderr[-3000:]
    record_property("summary", f"make tf-emulated: {summary[1]} runs passed in {time.monotonic() - started:.0f} s; "
                    f"{validated[1]} requests and {validated[3]} validated")


def test_the_rendered_emulator_pins_the_moto_this_suite_proves(bakery):
    def moto(lock) -> list[str]:
        packages = tomllib.loads(lock.read_text())["package"]
        return [package["version"] for package in packages if package["name"] == "moto"]

    rendered = moto(bakery({}) / "uv.lock")
    assert rendered and rendered == moto(TEMPLATE_DIR / "uv.lock")


# The template's last commit before it had environments: its projects run production alone, and their
# bootstrap's state holds the state bucket, its key, the lock table and the image repository without a count.
BEFORE_ENVIRONMENTS = "738b36f60469ceb4b111cace82ac02023df2aeae"


def template_at(commit: str, where: Path) -> Path:
    """The template's files at `commit`, from this repository's history."""
    where.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=TEMPLATE_DIR, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def test_a_project_from_before_environments_gains_staging_and_keeps_production(
        emulated_accounts, bakery, terraform, tmp_path, record_property):
    """A project rendered before environments existed is bootstrapped and released into the emulated account.
    The current template's render of the same answers is then laid over it, as `cruft update` leaves it (the
    bootstrap's local state stays). `make bootstrap` moves the shared resources to their new addresses,
    destroys and replaces nothing, and adds staging's roles beside production's; production's service stack,
    planned with the new files by its plan role, has nothing to change."""
    started = time.monotonic()
    old_template = template_at(BEFORE_ENVIRONMENTS, tmp_path / "template-before")
    project = Path(cookiecutter(str(old_template), no_input=True, output_dir=str(tmp_path / "rendered-before"),
                                default_config=True))
    account = emulated_accounts("migration")
    before = Pipeline(project, account, terraform, bakery.answers({"environments": "production"}),
                      tmp_path / "before")
    try:
        before.bootstrap()
        before.release_job(before.plan("plan-before"), lifecycle_steps.IMAGE_TAG)
        updated = cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(tmp_path / "rendered-now"),
                               default_config=True)
        shutil.copytree(updated, project, dirs_exist_ok=True)
        after = Pipeline(project, account, terraform, bakery.answers({}), tmp_path / "after")
        bootstrapped = after.run(["make", "bootstrap"], ADMINISTRATOR, extra=AUTO_APPROVE).stdout
        production_plan = after.plan("plan-after", after.production)
    except StepFailed as failure:
        raise AssertionError(str(failure)) from None
    applies = bootstrap_applies(bootstrapped)
    assert list(applies) == ["production", "staging"]
    production, staging = applies["production"], applies["staging"]
    moved = re.findall(r"# (\S+) has moved to (\S+)", production)
    assert ("aws_s3_bucket.state", "aws_s3_bucket.state[0]") in moved and (
        "aws_ecr_repository.app", "aws_ecr_repository.app[0]") in moved
    assert re.search(r"Apply complete! Resources: 0 added, \d+ changed, 0 destroyed", production), production[-3000:]
    assert "must be replaced" not in production
    assert re.search(r"Apply complete! Resources: \d+ added, 0 changed, 0 destroyed", staging), staging[-3000:]
    assert after.planned_actions(production_plan) == {} and not after.plan_changes(production_plan)
    record_property("summary", f"update to environments: {len(moved)} bootstrap resources moved, production "
                               f"unchanged, in {time.monotonic() - started:.0f} s")
