"""The whole life of a rendered project in the emulated account, in the order a new user lives it:

1. `make bootstrap` as an administrator, every environment's (its gh reads, from the emulated GitHub, the
   ID of a repository created today and the subject prefix GitHub names it by), and,
   for one render, `make bootstrap-state-to-s3` then `make bootstrap` again;
2. the plan job on main for every environment, each signed in to that environment's plan role, with the
   workflow's own plan script;
3. the release job of each environment in order, with that environment's deploy role: the first pushes
   the image and tags it `initial`; each applies its saved plan (the service is created on that image),
   deploys a new task definition revision of the same image and waits for the rollout; then the next
   release, in the first environment, during whose rollout a deployment alarm fires: ECS rolls it back,
   the job fails naming the alarm, and no other environment is touched; with a database, every release runs
   the migration task before it deploys, and one more release, whose migration fails, stops before deploying;
4. the plan jobs again: they must find nothing to change;
5. one more availability zone in prod.tfvars, planned: only that AZ's resources may be added;
6. `make destroy ENV=...` with each environment's deploy role, production's last: the teardown of another
   environment leaves production's service running as it was.

A step that fails stops the ones after it; `Lifecycle.failure` says which and why, and everything the
steps did until then stays available to the tests (the recording, the outputs, the plans).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.emulator.pipeline import Environment, Pipeline, StepFailed

IMAGE_TAG = "3f2c9e1d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e"  # a git SHA, as the workflow tags images
ALARMED_IMAGE_TAG = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"  # the next commit, whose release fails its alarms


@dataclass
class Lifecycle:
    pipeline: Pipeline
    bootstrap_outputs: dict = field(default_factory=dict)
    first_plan: dict[str, list[str]] = field(default_factory=dict)  # production's
    releases: dict[str, dict[str, str]] = field(default_factory=dict)  # environment -> its first release
    deployed: dict[str, str] = field(default_factory=dict)  # production's first release
    alarmed: dict[str, str] = field(default_factory=dict)  # in the first environment
    production_during_alarm: dict[str, str] = field(default_factory=dict)  # production's service before, after
    databases: list[dict] = field(default_factory=list)  # production account's RDS instances after the releases
    failed_migration: dict[str, str] = field(default_factory=dict)  # with a database: a release whose migration fails
    state_clusters: dict[str, list[str]] = field(default_factory=dict)  # environment -> clusters its state holds
    execution_policies: dict[str, dict] = field(default_factory=dict)
    second_plan_changes: bool | None = None
    second_plan: dict[str, list[str]] = field(default_factory=dict)
    added_zone: str = ""
    zone_plan: dict[str, list[str]] = field(default_factory=dict)
    destroyed: bool = False
    left_after_teardown: dict[str, list[str]] = field(default_factory=dict)  # the account's inventory then
    left_in_staging_account: dict[str, list[str]] = field(default_factory=dict)  # when production has its own
    production_after_other_teardowns: str = ""  # production's service once the other environments were gone
    failure: str = ""
    first_call: int = 0  # where the lifecycle starts in the emulator's recording
    provider_existed: bool = False  # the account had the GitHub OIDC provider before the bootstrap

    def require(self, what: str) -> None:
        """Fail a test whose step never ran because an earlier one failed."""
        if self.failure:
            raise AssertionError(f"{what}: an earlier step failed, so this was never reached:\n{self.failure}")


def add_zone(tfvars: Path, zone: str) -> None:
    lines = tfvars.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("availability_zones"):
            lines[number] = line.replace('"]', f'", "{zone}"]')
    tfvars.write_text("\n".join(lines) + "\n")


def production_service(pipeline: Pipeline) -> str:
    """Production's service as ECS describes it: its deployments (task definition, state) and its task count."""
    name = pipeline.production.resource_name
    ecs = pipeline.account.client("ecs", pipeline.administrator(), pipeline.region)
    (service,) = ecs.describe_services(cluster=name, services=[name])["services"]
    return json.dumps({"status": service["status"], "desiredCount": service["desiredCount"],
                       "deployments": [(item["taskDefinition"], item["status"], item.get("rolloutState"))
                                       for item in service["deployments"]]}, sort_keys=True)


def clusters_in_state(pipeline: Pipeline, environment: Environment) -> list[str]:
    """The ECS clusters an environment's state object holds."""
    s3 = pipeline.account.client("s3", pipeline.administrator(environment), pipeline.region)
    state = json.loads(s3.get_object(Bucket=pipeline.state_bucket(environment),
                                     Key=environment.state_key)["Body"].read())
    return [resource["instances"][0]["attributes"]["name"] for resource in state["resources"]
            if resource["type"] == "aws_ecs_cluster"]


def run(pipeline: Pipeline, zone_to_add: str, move_bootstrap_state: bool = False,
        saved_plan_expired: bool = False) -> Lifecycle:
    lifecycle = Lifecycle(pipeline)
    first, production = pipeline.environments[0], pipeline.production
    try:
        lifecycle.bootstrap_outputs = pipeline.bootstrap(move_bootstrap_state)
        plans = {environment.name: pipeline.plan(f"plan-main-{environment.name}", environment)
                 for environment in pipeline.environments}
        lifecycle.first_plan = pipeline.planned_actions(plans[production.name])
        digest = ""
        for environment in pipeline.environments:
            release = pipeline.release_job(plans[environment.name], IMAGE_TAG, saved_plan_expired, environment, digest)
            lifecycle.releases[environment.name], digest = release, release["digest"]
        lifecycle.deployed = lifecycle.releases[production.name]
        lifecycle.state_clusters = {environment.name: clusters_in_state(pipeline, environment)
                                    for environment in pipeline.environments}
        lifecycle.execution_policies = pipeline.execution_role_policies()
        lifecycle.databases = pipeline.account.client("rds", pipeline.administrator(), pipeline.region
                                                      ).describe_db_instances()["DBInstances"]
        before = production_service(pipeline)
        lifecycle.alarmed = pipeline.release_an_alarm_stops(ALARMED_IMAGE_TAG, lifecycle.releases[first.name], first)
        lifecycle.production_during_alarm = {"before": before, "after": production_service(pipeline)}
        if "migration_task_definition_arn" in lifecycle.releases[first.name]:
            lifecycle.failed_migration = pipeline.release_a_migration_fails(lifecycle.releases[first.name], first)
        lifecycle.second_plan_changes = False
        for environment in pipeline.environments:
            again = pipeline.plan(f"plan-again-{environment.name}", environment)
            lifecycle.second_plan_changes |= pipeline.plan_changes(again)
            lifecycle.second_plan.update({f"{environment.name}: {address}": actions
                                          for address, actions in pipeline.planned_actions(again).items()})
        tfvars = pipeline.project / "terraform/prod.tfvars"
        rendered = tfvars.read_text()
        add_zone(tfvars, zone_to_add)
        lifecycle.added_zone = zone_to_add
        zoned = pipeline.plan("plan-one-more-zone")
        lifecycle.zone_plan = pipeline.planned_actions(zoned)
        tfvars.write_text(rendered)  # the zone was only planned; the teardown removes what was applied
        running = production_service(pipeline)
        for environment in pipeline.environments[:-1]:
            pipeline.destroy(environment)
        lifecycle.production_after_other_teardowns = production_service(pipeline)
        if lifecycle.production_after_other_teardowns != running:
            others = ", ".join(environment.name for environment in pipeline.environments[:-1])
            raise StepFailed(f"tearing down {others} changed production's service:\nbefore: {running}\n"
                             f"after: {lifecycle.production_after_other_teardowns}")
        pipeline.destroy(production)
        lifecycle.destroyed = True
        lifecycle.left_after_teardown = pipeline.account.inventory(pipeline.region)
        if pipeline.own_accounts:
            lifecycle.left_in_staging_account = pipeline.account.inventory(
                pipeline.region, pipeline.administrator(first))
    except StepFailed as failure:
        lifecycle.failure = str(failure)
    return lifecycle
