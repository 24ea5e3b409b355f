"""The refusal proof (tests/iam/refusals.py) catches the grants that would let the pipeline widen its reach.

Each case renders the default project, puts one over-broad grant back into its bootstrap, applies that
bootstrap into an emulated account that also holds a second project, and judges the probes that need no
lifecycle: the probe named must come out wrong. The unchanged bootstrap must have none wrong. The cases
share the account (a Bench): each applies the bootstrap again with its own mutation in place of the last.
(The lifecycle tests run the whole table, with the deploy role's writes, for both lifecycle variants.)
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.emulator.account import ADMINISTRATOR, EmulatedAccount
from tests.emulator.pipeline import Pipeline
from tests.test_lifecycle import PRODUCTION_ALONE, project_of
from tests.iam import evaluator
from tests.iam.proof import role_policies
from tests.iam.refusals import environment_probes, fixed_probes, judge, read_applied
from tests.conftest import missing

pytestmark = pytest.mark.slow

NEIGHBOUR = {"project_name": "Billing Ledger", "environments": "production"}

# (what is put back, file under terraform/bootstrap, [(text, replacement)], the probe that must then be wrong)
# Takes the explicit deny of policies on unbounded roles out of the way, so that a widened allow shows.
WITHOUT_THE_DENY = ('actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]\n    resources = ["*"]',
                    'actions   = ["iam:ListRoleTags"]\n    resources = ["*"]')
MUTATIONS = [
    ("key administration granted on the region's keys again", "permissions.tf",
     [('actions   = ["kms:DescribeKey"]\n    resources = [aws_kms_key.logs.arn]',
       'actions   = ["kms:DescribeKey", "kms:TagResource", "kms:PutKeyPolicy"]\n'
       '    resources = ["${local.arn}:kms:${local.at}:key/*"]')],
     "tag an untagged key of the region as its own"),
    ("passing the task roles without iam:PassedToService", "permissions.tf",
     [('variable = "iam:PassedToService"\n      values   = ["ecs-tasks.amazonaws.com"]',
       'variable = "aws:RequestedRegion"\n      values   = [local.region]')],
     "pass the task role to lambda.amazonaws.com"),
    ("writing role policies without requiring the boundary", "permissions.tf",
     [('test     = "ArnEquals" # the key\'s type is ARN (Service Authorization Reference)\n'
       '      variable = "iam:PermissionsBoundary"\n      values   = [local.service_boundary]',
       'test     = "StringEquals"\n      variable = "aws:RequestedRegion"\n      values   = [local.region]'),
      WITHOUT_THE_DENY],
     "write the permissions of a task role without the boundary"),
    ("the service roles statement widened to every role", "permissions.tf",
     [WITHOUT_THE_DENY,  # first: once widened, the allow reads like the deny
      ('sid       = "WriteTheServiceRolesPermissions"\n    actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]\n'
       '    resources = [local.stack_roles["execution"], local.stack_roles["task"]]\n\n    condition {\n'
       '      test     = "ArnEquals" # the key\'s type is ARN (Service Authorization Reference)\n'
       '      variable = "iam:PermissionsBoundary"\n'
       '      values   = [local.service_boundary]',
       'sid       = "WriteTheServiceRolesPermissions"\n    actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]\n'
       '    resources = ["*"]\n\n    condition {\n      test     = "ArnLike"\n'
       '      variable = "iam:PermissionsBoundary"\n      values   = ["arn:aws:iam::*:policy/*"]')],
     "write a policy into another project's task role"),
    ("listing any bucket", "permissions.tf",
     [('actions   = ["s3:ListBucket"]\n    resources = [local.state_bucket]',
       'actions   = ["s3:ListBucket"]\n    resources = ["*"]')],
     "list another project's state bucket"),
    ("re-trusting the service roles", "permissions.tf",
     [('"iam:UpdateRole", "iam:UpdateAssumeRolePolicy",', '"iam:UpdateRole",'),
      ('actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy"]',
       'actions   = ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy"]')],
     "let another principal assume the task role"),
    ("decrypting the state outside S3", "permissions.tf",
     [('test     = "StringEquals"\n      variable = "kms:ViaService"',
       'test     = "StringEqualsIfExists"\n      variable = "kms:ViaService"')],
     "decrypt with the state key outside S3"),
    ("target groups managed by their name prefix alone", "permissions.tf",
     [('      "elasticloadbalancing:RemoveTags",\n    ]\n    resources = [local.target_groups]\n\n'
       '    dynamic "condition" {\n      for_each = local.owner_tags',
       '      "elasticloadbalancing:RemoveTags",\n    ]\n    resources = [local.target_groups]\n\n'
       '    dynamic "condition" {\n      for_each = {}')],
     "delete the target group of a project whose name starts alike"),
    ("the network managed in the whole region", "permissions.tf",
     [('resources = ["${local.arn}:ec2:${local.at}:*"]\n\n    dynamic "condition" {\n      for_each = local.owner_tags',
       'resources = ["${local.arn}:ec2:${local.at}:*"]\n\n    dynamic "condition" {\n      for_each = {}')],
     "change another project's network"),
    ("a claim of the default security group that reaches tagged groups", "permissions.tf",
     [('test     = "Null"\n      variable = "aws:ResourceTag/Project"',
       'test     = "Null"\n      variable = "aws:ResourceTag/ClaimedBy"')],
     "tag another project's security group as its own"),
    ("a create statement holding a type its actions only name", "permissions.tf",
     [('{ CreateSubnet = "subnet", ', '{ CreateSubnet = "subnet", CreateVpc = "vpc", ')],
     "name another project's network in a create call tagged as its own"),
    ("the network's Project tag changeable after creation", "permissions.tf",
     [('test     = "ForAllValues:StringNotEqualsIgnoreCase"\n      variable = "aws:TagKeys"',
       'test     = "ForAllValues:StringNotEqualsIgnoreCase"\n      variable = "aws:CalledVia"')],
     "retag its own security group as another project's"),
    ("the Project tag kept only in its exact case", "permissions.tf",
     [('"ForAllValues:StringNotEqualsIgnoreCase"', '"ForAllValues:StringNotEquals"')],
     "add a lower-case project tag to its own subnet"),
    ("a boundary that reads every parameter", "service_roles.tf",
     [("resources = [local.parameters]", 'resources = ["*"]')], "read another project's secrets"),
]


def mutated_copy(bakery, overrides: dict, directory, mutation=None):
    """A copy of the render with `mutation` (name, file under terraform/bootstrap, replacements, ...) applied."""
    source = bakery(overrides)
    project = directory / source.name
    shutil.copytree(source, project, symlinks=True, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    mutate(source, project, mutation)
    return project


def mutate(source, project, mutation=None) -> None:
    """Gives `project`'s bootstrap the render's (`source`) configuration, with `mutation` put back into it."""
    for original in (source / "terraform/bootstrap").glob("*.tf"):
        shutil.copyfile(original, project / "terraform/bootstrap" / original.name)
    if mutation:
        path = project / "terraform/bootstrap" / mutation[1]
        text = path.read_text()
        for old, new in mutation[2]:
            assert old in text, f"the mutation {mutation[0]!r} no longer applies to {mutation[1]}: {old!r}"
            text = text.replace(old, new, 1)
        path.write_text(text)


class Bench:
    """One emulated account in which a render's bootstrap is applied, then applied again for each mutation
    (for the refusal table, beside a second project's, bootstrapped after the render's first apply as
    before). Terraform brings the applied bootstrap to the configuration it is given, so each apply leaves
    the policies a fresh account would hold for that mutation (the previous mutation's files are restored
    first); the tests using a bench share it and run in one pytest-xdist worker (tests/conftest.py)."""

    def __init__(self, bakery, terraform, account: EmulatedAccount, directory, overrides: dict,
                 neighbour: bool) -> None:
        self.account = account
        self.source = bakery(overrides)
        self.answers = bakery.answers(overrides)
        self.project = mutated_copy(bakery, overrides, directory / "own")
        self.pipeline = Pipeline(self.project, account, terraform, self.answers, directory / "pipeline")
        self.pipeline.bootstrap()
        self.neighbour = None
        if neighbour:
            answers = bakery.answers(NEIGHBOUR)
            outputs = Pipeline(mutated_copy(bakery, NEIGHBOUR, directory / "neighbour"), account, terraform,
                               answers, directory / "neighbour-pipeline").bootstrap()
            self.neighbour = project_of(answers, outputs)

    def bootstrap(self, mutation=None) -> dict:
        """`make bootstrap` of the render with `mutation` put back (none: the render as it is)."""
        mutate(self.source, self.project, mutation)
        return self.pipeline.bootstrap()

    def read(self, own, other) -> tuple:
        """What the account holds for `own` beside `other` (tests/iam/refusals.py, read_applied), and the
        policies of `own`'s deploy and plan roles."""
        def client(service: str):
            return self.account.client(service, ADMINISTRATOR, own.region)

        applied = read_applied(client, own, other, ("execution", "task", "flow-logs"))
        policies = {role: role_policies(client("iam"), arn.rsplit("/", 1)[-1])
                    for role, arn in (("deploy", own.deploy_role), ("plan", own.plan_role))}
        return applied, policies


def bench_in(bakery, terraform, directory, overrides: dict, neighbour: bool) -> Iterator[Bench]:
    reason = evaluator.unavailable_reason()
    if reason:
        missing("the IAM policy evaluator", reason)
    account = EmulatedAccount(directory / "account").start()
    try:
        yield Bench(bakery, terraform, account, directory, overrides, neighbour)
    finally:
        account.stop()


@pytest.fixture(scope="module")
def refusal_bench(bakery, terraform, tmp_path_factory):
    """Production alone: each mutation is judged against one environment's roles (tests/test_lifecycle.py
    proves the environments apart from each other)."""
    yield from bench_in(bakery, terraform, tmp_path_factory.mktemp("refusal-bench"), PRODUCTION_ALONE, True)


@pytest.fixture(scope="module")
def environment_bench(bakery, terraform, tmp_path_factory):
    yield from bench_in(bakery, terraform, tmp_path_factory.mktemp("environment-bench"), {}, False)


@pytest.mark.parametrize("mutation", [None] + MUTATIONS, ids=["unchanged"] + [m[0] for m in MUTATIONS])
def test_the_refusal_proof_catches_each_over_broad_grant(refusal_bench, mutation):
    bench = refusal_bench
    own, other = project_of(bench.answers, bench.bootstrap(mutation)), bench.neighbour
    applied, policies = bench.read(own, other)
    judged = judge(fixed_probes(own, other, applied), own, policies, applied.boundary)
    wrong = [str(item) for item in judged if item.wrong]
    if mutation is None:
        assert set(applied.role_boundaries.values()) == {own.boundary}
        assert not wrong, "\n".join(wrong)
    else:
        assert any(item.wrong and item.probe.what == mutation[3] for item in judged), (
            f"with {mutation[0]} put back, the probe {mutation[3]!r} still passes; wrong: {wrong}")


# (what is put back, file under terraform/bootstrap, [(text, replacement)], the role whose probe must then be
# wrong, that probe): each mechanism that keeps one environment's roles off the other's resources.
ENVIRONMENT_MUTATIONS = [
    ("writes scoped by the Project tag alone", "permissions.tf",
     [("owner_tags   = { Project = var.project, Environment = var.environment }",
       "owner_tags   = { Project = var.project }")], "staging", "change production's VPC"),
    ("no refusal of staging's alarms for production's roles", "permissions.tf",
     [('effect    = "Deny"\n      actions   = ["cloudwatch:*"]',
       'effect    = "Allow"\n      actions   = ["cloudwatch:DescribeAlarms"]')],
     "production", "change staging's alarm"),
    ("lock items of every state key in the bucket", "lock_table.tf",
     [('test     = "ForAllValues:StringEquals"', 'test     = "ForAllValues:StringLike"'),
      ("values   = local.lock_items", 'values   = ["${var.state_bucket}/*"]')],
     "staging", "take production's state lock"),
    ("creating a cluster of any name", "permissions.tf",
     [('"ecs:CreateCluster", "ecs:UpdateCluster",', '"ecs:UpdateCluster",'),
      ('"ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",',
       '"ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",')],
     "staging", "create production's cluster"),
]


@pytest.mark.parametrize("mutation", ENVIRONMENT_MUTATIONS, ids=[m[0] for m in ENVIRONMENT_MUTATIONS])
def test_the_environment_refusals_catch_each_mechanism_taken_away(environment_bench, mutation):
    """Both environments of the default render bootstrapped with one scoping mechanism taken out of the
    bootstrap: tests/iam/refusals.py's environment_probes must then find the other environment reachable."""
    bench = environment_bench
    outputs = bench.bootstrap(mutation)["environments"]
    own, other = [project_of(bench.answers, outputs[environment.name], environment)
                  for environment in sorted(bench.pipeline.environments, key=lambda item: item.name != mutation[3])]
    applied, policies = bench.read(own, other)
    lock_table = f"arn:aws:dynamodb:{own.region}:{own.account}:table/{bench.answers['tf_lock_table']}"
    judged = judge(environment_probes(own, other, applied, lock_table), own, policies, applied.boundary)
    wrong = [str(item) for item in judged if item.wrong]
    assert any(item.wrong and item.probe.what == mutation[4] for item in judged), (
        f"with {mutation[0]} put back, the probe {mutation[4]!r} still passes; wrong: {wrong}")
