"""The whole life of a rendered project in the emulated account, in the order a new user lives it:

1. `make bootstrap` as an administrator (its gh reads, from the emulated GitHub, the ID of a repository
   created today and the subject prefix GitHub names it by), and,
   for one render, `make bootstrap-state-to-s3` then `make bootstrap` again;
2. the plan job on main, signed in to the plan role, with the workflow's own plan script;
3. the release job with the deploy role: push the image, tag it `initial`, apply the saved plan (the
   service is created on that image), deploy a new task definition revision, wait for the rollout;
   then the next release, during whose rollout a deployment alarm fires: ECS rolls it back and the
   job fails naming the alarm;
4. the plan job again: it must find nothing to change;
5. one more availability zone in prod.tfvars, planned: only that AZ's resources may be added;
6. `make destroy` with the deploy role.

A step that fails stops the ones after it; `Lifecycle.failure` says which and why, and everything the
steps did until then stays available to the tests (the recording, the outputs, the plans).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.emulator.pipeline import Pipeline, StepFailed

IMAGE_TAG = "3f2c9e1d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e"  # a git SHA, as the workflow tags images
ALARMED_IMAGE_TAG = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"  # the next commit, whose release fails its alarms


@dataclass
class Lifecycle:
    pipeline: Pipeline
    bootstrap_outputs: dict = field(default_factory=dict)
    first_plan: dict[str, list[str]] = field(default_factory=dict)
    deployed: dict[str, str] = field(default_factory=dict)
    alarmed: dict[str, str] = field(default_factory=dict)
    execution_policies: dict[str, dict] = field(default_factory=dict)
    second_plan_changes: bool | None = None
    second_plan: dict[str, list[str]] = field(default_factory=dict)
    added_zone: str = ""
    zone_plan: dict[str, list[str]] = field(default_factory=dict)
    destroyed: bool = False
    left_after_teardown: dict[str, list[str]] = field(default_factory=dict)  # the account's inventory then
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


def run(pipeline: Pipeline, zone_to_add: str, move_bootstrap_state: bool = False,
        saved_plan_expired: bool = False) -> Lifecycle:
    lifecycle = Lifecycle(pipeline)
    try:
        lifecycle.bootstrap_outputs = pipeline.bootstrap(move_bootstrap_state)
        planned = pipeline.plan("plan-main")
        lifecycle.first_plan = pipeline.planned_actions(planned)
        lifecycle.deployed = pipeline.release_job(planned, IMAGE_TAG, saved_plan_expired)
        lifecycle.execution_policies = pipeline.execution_role_policies()
        lifecycle.alarmed = pipeline.release_an_alarm_stops(ALARMED_IMAGE_TAG, lifecycle.deployed)
        again = pipeline.plan("plan-again")
        lifecycle.second_plan_changes = pipeline.plan_changes(again)
        lifecycle.second_plan = pipeline.planned_actions(again)
        tfvars = pipeline.project / "terraform/prod.tfvars"
        rendered = tfvars.read_text()
        add_zone(tfvars, zone_to_add)
        lifecycle.added_zone = zone_to_add
        zoned = pipeline.plan("plan-one-more-zone")
        lifecycle.zone_plan = pipeline.planned_actions(zoned)
        tfvars.write_text(rendered)  # the zone was only planned; the teardown removes what was applied
        pipeline.destroy()
        lifecycle.destroyed = True
        lifecycle.left_after_teardown = pipeline.account.inventory(pipeline.region)
    except StepFailed as failure:
        lifecycle.failure = str(failure)
    return lifecycle
