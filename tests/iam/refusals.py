"""The negative half of the permission proof: what the pipeline roles must be REFUSED, judged by the same IAM
evaluator as the positive half, against the policies the bootstrap applied (read back from the account),
the resource policies in the way (key, bucket and trust policies) and the service roles' boundary.

The table covers the ways a job in the deploy or plan role could widen its reach: give a role more than
its boundary, re-trust a role, pass a role to another service, make users, keys or identity providers,
touch another project's state, images, keys, logs or service in the same account, touch this project's
own bootstrap resources (the state key, the repository, the bucket), and, for the plan role, write
anything or read what a plan does not need.

Each probe says what it expects. The allowed probes are controls: the same action on what the role must
reach is allowed, so a refusal means the policy refuses, not that the probe was malformed. An evaluator
error counts as neither.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.iam.authorization import AWS_TAG, AWS_TAG_KEY, LOAD_BALANCING_V2, actions_of
from tests.iam.evaluator import Decision, Request, evaluate

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_LEVELS = {"Read", "List"}
# The evaluator's validated path drops kms:EncryptionContext:<key> from the context (its data does not
# match the pattern key), which would make a condition on it fail silently; such probes are judged by the
# same engine with the context as given (evaluate.mjs).
ENCRYPTION_CONTEXT = "the evaluator's data does not match kms:EncryptionContext:<key> condition keys"
# Listed as writes by the Service Authorization Reference, but they change nothing: S3 decrypts an object
# the caller reads with kms:Decrypt, which the plan role needs for the state.
CHANGES_NOTHING = {"kms:Decrypt"}


@dataclass(frozen=True)
class Project:
    """One environment of a rendered project: its resources in the account, named as its bootstrap and
    service stack name them (`name`: the project's slug in production, slug-ENVIRONMENT elsewhere)."""

    name: str
    account: str
    region: str
    state_bucket: str
    state_key: str
    state_kms_key: str
    deploy_role: str
    plan_role: str
    logs_kms_key: str
    environment: str = "production"
    slug: str = ""  # the project's slug: its Project tag and its image repository; `name` when not given
    pushes_images: bool = True  # its deploy role pushes: the environment a release reaches first

    @property
    def project(self) -> str:
        return self.slug or self.name

    @property
    def resource_tags(self) -> dict:
        """The context of a call on one of this environment's resources: the tags each carries from its creation."""
        return {"aws:ResourceTag/Project": self.project, "aws:ResourceTag/Environment": self.environment}

    @property
    def request_tags(self) -> dict:
        """The context of a call that creates (or tags) a resource as this environment's."""
        return {"aws:RequestTag/Project": self.project, "aws:RequestTag/Environment": self.environment,
                "aws:TagKeys": ["Environment", "Project"]}

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        return f"arn:aws:{service}:{self.region if region is None else region}:{self.account}:{resource}"

    def role(self, kind: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.name}-{kind}"

    @property
    def boundary(self) -> str:
        return f"arn:aws:iam::{self.account}:policy/{self.name}-service-boundary"

    @property
    def repository(self) -> str:
        return self.arn("ecr", f"repository/{self.project}")

    @property
    def log_group(self) -> str:
        return self.arn("logs", f"log-group:/ecs/{self.name}")

    @property
    def service(self) -> str:
        return self.arn("ecs", f"service/{self.name}/{self.name}")

    def target_group(self, prefix: str | None = None) -> str:
        """A target group as the service stack names it: a prefix of six characters of the project's name
        (its name_prefix) and what AWS appends; `prefix` names another project's group that starts alike."""
        return self.arn("elasticloadbalancing", f"targetgroup/{prefix or self.name[:6]}20261206/0123456789abcdef")

    @property
    def bootstrap_state(self) -> str:
        return f"arn:aws:s3:::{self.state_bucket}/{self.project}/bootstrap/terraform.tfstate"

    def alarm(self, suffix: str) -> str:
        return self.arn("cloudwatch", f"alarm:{self.name}-{suffix}")

    @property
    def dashboard(self) -> str:
        return f"arn:aws:cloudwatch::{self.account}:dashboard/{self.name}"

    @property
    def state_object(self) -> str:
        return f"arn:aws:s3:::{self.state_bucket}/{self.state_key}"

    @property
    def parameter(self) -> str:
        return self.arn("ssm", f"parameter/{self.name}/app-api-key")


@dataclass(frozen=True)
class Probe:
    """One request a role makes, and whether the roles' policies must allow it."""

    role: str  # "deploy", "plan", "task" or "execution" (a service role with `*:*` in it, under its boundary)
    what: str
    action: str
    resource: str
    allowed: bool = False
    context: dict = field(default_factory=dict, hash=False)
    resource_policy: dict | None = field(default=None, hash=False)


@dataclass
class Judgement:
    probe: Probe
    decision: Decision

    @property
    def wrong(self) -> bool:
        expected = "Allowed" if self.probe.allowed else ("ImplicitlyDenied", "ExplicitlyDenied")
        return self.decision.decision not in expected

    def __str__(self) -> str:
        probe = self.probe
        expected = "allowed" if probe.allowed else "denied"
        errors = f" ({self.decision.errors})" if self.decision.errors else ""
        return (f"{probe.role}: {probe.what}: {probe.action} on {probe.resource} must be {expected}, "
                f"was {self.decision.decision}{errors}")


def default_key_policy(project: Project) -> dict:
    """KMS's default key policy: the account's IAM policies decide (KMS Developer Guide, "Default key policy")."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
        "Principal": {"AWS": f"arn:aws:iam::{project.account}:root"}}]}


def key_tags(project: Project, stack: str) -> dict:
    """The tags a key gets from its stack's provider (default tags); both keys of a project are the bootstrap's."""
    return {**project.resource_tags, "aws:ResourceTag/Stack": stack, "aws:ResourceTag/ManagedBy": "terraform"}


def iam_probes(own: Project, other: Project) -> list[Probe]:
    """Giving a role more than its boundary, re-trusting it, passing it elsewhere, new identities."""
    bounded = {"iam:PermissionsBoundary": own.boundary}
    probes = [
        Probe("deploy", "write the task role's permissions while it carries its boundary", "iam:PutRolePolicy",
              own.role("task"), True, bounded),
        Probe("deploy", "write the permissions of a task role without the boundary", "iam:PutRolePolicy",
              own.role("task")),
        Probe("deploy", "write a policy into itself", "iam:PutRolePolicy", own.deploy_role),
        Probe("deploy", "write a policy into the plan role", "iam:PutRolePolicy", own.plan_role),
        Probe("deploy", "write a policy into another project's task role", "iam:PutRolePolicy",
              other.role("task"), context={"iam:PermissionsBoundary": other.boundary}),
        Probe("deploy", "attach AdministratorAccess to the task role", "iam:AttachRolePolicy", own.role("task"),
              context={**bounded, "iam:PolicyARN": ADMINISTRATOR_ACCESS}),
        Probe("deploy", "attach AdministratorAccess to itself", "iam:AttachRolePolicy", own.deploy_role,
              context={"iam:PolicyARN": ADMINISTRATOR_ACCESS}),
        Probe("deploy", "create a new version of the boundary", "iam:CreatePolicyVersion", own.boundary),
        Probe("deploy", "create a new version of its own policy", "iam:CreatePolicyVersion",
              f"arn:aws:iam::{own.account}:policy/{own.name}-deploy-compute"),
        Probe("deploy", "create a role", "iam:CreateRole", own.role("anything"), context=bounded),
        Probe("deploy", "delete and so re-create the task role", "iam:DeleteRole", own.role("task"), context=bounded),
        Probe("deploy", "create a service-linked role for another service", "iam:CreateServiceLinkedRole",
              f"arn:aws:iam::{own.account}:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambda",
              context={"iam:AWSServiceName": "lambda.amazonaws.com"}),
    ]
    for kind in ("execution", "task"):
        probes += [
            Probe("deploy", f"remove the {kind} role's boundary", "iam:DeleteRolePermissionsBoundary",
                  own.role(kind), context=bounded),
            Probe("deploy", f"give the {kind} role another boundary", "iam:PutRolePermissionsBoundary",
                  own.role(kind), context={"iam:PermissionsBoundary": ADMINISTRATOR_ACCESS}),
            Probe("deploy", f"let another principal assume the {kind} role", "iam:UpdateAssumeRolePolicy",
                  own.role(kind), context=bounded),
            Probe("deploy", f"pass the {kind} role to ECS tasks", "iam:PassRole", own.role(kind), True,
                  {"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        ]
        for service in ("lambda.amazonaws.com", "ec2.amazonaws.com", "ecs.amazonaws.com",
                        "cloudformation.amazonaws.com"):
            probes.append(Probe("deploy", f"pass the {kind} role to {service}", "iam:PassRole", own.role(kind),
                                context={"iam:PassedToService": service}))
    probes += [
        Probe("deploy", "pass itself to ECS tasks", "iam:PassRole", own.deploy_role,
              context={"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Probe("deploy", "pass another project's task role to ECS tasks", "iam:PassRole", other.role("task"),
              context={"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Probe("deploy", "let another principal assume itself", "iam:UpdateAssumeRolePolicy", own.deploy_role),
    ]
    for role in ("deploy", "plan"):
        probes += [
            Probe(role, "create a user", "iam:CreateUser", f"arn:aws:iam::{own.account}:user/{own.name}"),
            Probe(role, "create an access key", "iam:CreateAccessKey", f"arn:aws:iam::{own.account}:user/admin"),
            Probe(role, "create an OIDC provider", "iam:CreateOpenIDConnectProvider",
                  f"arn:aws:iam::{own.account}:oidc-provider/example.com"),
            Probe(role, "admit another audience to the GitHub provider", "iam:AddClientIDToOpenIDConnectProvider",
                  f"arn:aws:iam::{own.account}:oidc-provider/token.actions.githubusercontent.com"),
        ]
    return probes


def task_role_probes(own: Project, other: Project) -> list[Probe]:
    """What the task role may do once `*:*` is written into it: its boundary must still refuse all this."""
    return [
        Probe("task", "pull its own image", "ecr:BatchGetImage", own.repository, True),
        Probe("task", "read its own secrets", "ssm:GetParameters", own.parameter, True),
        Probe("task", "push an image", "ecr:PutImage", own.repository),
        Probe("task", "read the state", "s3:GetObject", own.state_object),
        Probe("task", "decrypt the state", "kms:Decrypt", own.state_kms_key,
              resource_policy=default_key_policy(own)),
        Probe("task", "create a user", "iam:CreateUser", f"arn:aws:iam::{own.account}:user/{own.name}"),
        Probe("task", "write a policy into the deploy role", "iam:PutRolePolicy", own.deploy_role),
        Probe("task", "change the service", "ecs:UpdateService", own.service),
        Probe("task", "read another project's secrets", "ssm:GetParameters", other.parameter),
        Probe("task", "decrypt another project's secrets through SSM", "kms:Decrypt", other.state_kms_key,
              context={"kms:ViaService": f"ssm.{own.region}.amazonaws.com",
                       "kms:EncryptionContext:PARAMETER_ARN": other.parameter},
              resource_policy=default_key_policy(other)),
        Probe("task", "decrypt its own secrets through SSM", "kms:Decrypt", own.arn("kms", "key/ssm-secrets"), True,
              {"kms:ViaService": f"ssm.{own.region}.amazonaws.com",
               "kms:EncryptionContext:PARAMETER_ARN": own.parameter}, resource_policy=default_key_policy(own)),
        Probe("task", "pull another project's image", "ecr:BatchGetImage", other.repository),
        Probe("task", "write another project's logs", "logs:PutLogEvents", f"{other.log_group}:log-stream:x"),
    ]


# Each network resource the service stack creates, by the action that creates it (terraform/network.tf,
# security_groups.tf, database.tf), and the types of resource the stack's network is made of.
NETWORK_CREATES = {"CreateVpc": "vpc", "CreateSubnet": "subnet", "CreateRouteTable": "route-table",
                   "CreateInternetGateway": "internet-gateway", "AllocateAddress": "elastic-ip",
                   "CreateNatGateway": "natgateway", "CreateSecurityGroup": "security-group",
                   "CreateFlowLogs": "vpc-flow-log", "AuthorizeSecurityGroupIngress": "security-group-rule",
                   "AuthorizeSecurityGroupEgress": "security-group-rule"}
NETWORK_KINDS = set(NETWORK_CREATES.values()) | {"network-interface"}


def named_by_creates() -> list[tuple[str, str]]:
    """(create action, type) for each type of the stack's network that a create action names besides the
    resource it creates, as the Service Authorization Reference lists them: a subnet's VPC, a NAT gateway's
    subnet and address, a rule's security group, the VPC or gateway a flow log watches, ..."""
    return [(action, kind["name"]) for action, created in NETWORK_CREATES.items()
            for kind in actions_of("ec2")[action.lower()]["resourceTypes"]
            if kind["name"] in NETWORK_KINDS and kind["name"] != created]


def network_probes(own: Project, other: Project) -> list[Probe]:
    """Another project's network in the same account and region: EC2 names no project in its ARNs, so
    only the Project tag keeps the deploy role to its own VPC, subnets, route tables and security groups."""
    mine, theirs, claim = own.resource_tags, other.resource_tags, own.request_tags
    vpc, group, table = (own.arn("ec2", f"{kind}/{kind[:3]}-0123456789abcdef0")
                         for kind in ("vpc", "security-group", "route-table"))
    subnet = own.arn("ec2", "subnet/subnet-0123456789abcdef0")
    probes = [
        Probe("deploy", "open its own security group", "ec2:AuthorizeSecurityGroupIngress", group, True, mine),
        Probe("deploy", "add a subnet to its own VPC", "ec2:CreateSubnet", vpc, True, mine),
        Probe("deploy", "create a subnet tagged as its own", "ec2:CreateSubnet",
              own.arn("ec2", "subnet/*"), True, claim),
        Probe("deploy", "claim a VPC's untagged default security group", "ec2:CreateTags", group, True, claim),
    ]
    for action, resource in [("ec2:DeleteVpc", vpc), ("ec2:CreateSubnet", vpc), ("ec2:CreateSecurityGroup", vpc),
                             ("ec2:DeleteSecurityGroup", group), ("ec2:AuthorizeSecurityGroupIngress", group),
                             ("ec2:RevokeSecurityGroupEgress", group), ("ec2:CreateRoute", table),
                             ("ec2:ReplaceRoute", table), ("ec2:DisassociateRouteTable", table),
                             ("ec2:DeleteSubnet", subnet), ("ec2:ModifyVpcAttribute", vpc)]:
        probes.append(Probe("deploy", "change another project's network", action, resource, context=theirs))
    probes += [
        Probe("deploy", "tag another project's security group as its own", "ec2:CreateTags", group,
              context={**theirs, **claim}),
        Probe("deploy", "tag an untagged VPC as its own", "ec2:CreateTags", vpc, context=claim),
        Probe("deploy", "tag an untagged route table as its own", "ec2:CreateTags", table, context=claim),
        Probe("deploy", "take the tags off another project's VPC", "ec2:DeleteTags", vpc, context=theirs),
        Probe("deploy", "open an untagged security group", "ec2:AuthorizeSecurityGroupIngress", group),
        Probe("deploy", "change a tag of its own VPC", "ec2:CreateTags", vpc, True,
              {**mine, "aws:RequestTag/Name": own.name, "aws:TagKeys": ["Name"]}),
        Probe("deploy", "retag its own security group as another project's", "ec2:CreateTags", group,
              context={**mine, **other.request_tags}),
        Probe("deploy", "take the Project tag off its own VPC", "ec2:DeleteTags", vpc,
              context={**mine, "aws:TagKeys": ["Project"]}),
        Probe("deploy", "take every tag off its own VPC", "ec2:DeleteTags", vpc, context=mine),
        Probe("deploy", "add a lower-case project tag to its own subnet", "ec2:CreateTags", subnet,
              context={**mine, "aws:RequestTag/project": other.name, "aws:TagKeys": ["project"]}),
        Probe("deploy", "create a subnet tagged as another project's", "ec2:CreateSubnet",
              own.arn("ec2", "subnet/*"), context=other.request_tags),
        Probe("deploy", "create an untagged security group", "ec2:CreateSecurityGroup",
              own.arn("ec2", "security-group/*")),
    ]
    # A create call's request tags are in the context of every resource it names: this project's tag on the
    # new resource must not admit another project's VPC, subnet, address, group or gateway named beside it.
    for action, kind in named_by_creates():
        probes.append(Probe("deploy", "name another project's network in a create call tagged as its own",
                            f"ec2:{action}", own.arn("ec2", f"{kind}/{kind[:3]}-0123456789abcdef0"),
                            context={**theirs, **claim}))
    return probes


def resource_probes(own: Project, other: Project, key_policies: dict[str, dict],
                    bucket_policies: dict[str, dict]) -> list[Probe]:
    """This project's bootstrap resources and everything of another project in the same account."""
    own_policy, other_policy = key_policies.get(own.state_kms_key), key_policies.get(other.state_kms_key)
    own_bucket, other_bucket = bucket_policies.get(own.state_bucket), bucket_policies.get(other.state_bucket)
    via_s3 = {"kms:ViaService": f"s3.{own.region}.amazonaws.com"}
    probes = [
        Probe("deploy", "read its own state", "s3:GetObject", own.state_object, True, resource_policy=own_bucket),
        Probe("deploy", "write its own state", "s3:PutObject", own.state_object, True, resource_policy=own_bucket),
        Probe("deploy", "push its own image" if own.pushes_images else "push an image (another environment pushes)",
              "ecr:PutImage", own.repository, own.pushes_images),
        Probe("deploy", "change its own service", "ecs:UpdateService", own.service, True),
        Probe("deploy", "change its own target group", "elasticloadbalancing:ModifyTargetGroup", own.target_group(),
              True, own.resource_tags),
    ]
    # A project whose name starts like this one's has target groups this one's name pattern matches.
    alike = {"aws:ResourceTag/Project": f"{own.name[:6]}-other"}
    probes += [
        Probe("deploy", "delete the target group of a project whose name starts alike",
              "elasticloadbalancing:DeleteTargetGroup", own.target_group(), context=alike),
        Probe("deploy", "change the target group of a project whose name starts alike",
              "elasticloadbalancing:ModifyTargetGroupAttributes", own.target_group(), context=alike),
        Probe("deploy", "tag the target group of a project whose name starts alike as its own",
              "elasticloadbalancing:AddTags", own.target_group(),
              context={**alike, **own.request_tags}),
        Probe("deploy", "change a tag of its own target group", "elasticloadbalancing:AddTags", own.target_group(),
              True, {**own.resource_tags, "aws:RequestTag/Name": own.name, "aws:TagKeys": ["Name"]}),
        Probe("deploy", "retag its own target group as another project's", "elasticloadbalancing:AddTags",
              own.target_group(), context={**own.resource_tags, **other.request_tags}),
        Probe("deploy", "take the Project tag off its own target group", "elasticloadbalancing:RemoveTags",
              own.target_group(), context={**own.resource_tags, "aws:TagKeys": ["Project"]}),
        Probe("deploy", "change an untagged target group whose name starts alike",
              "elasticloadbalancing:ModifyTargetGroup", own.target_group()),
        Probe("deploy", "create a target group tagged as another project's",
              "elasticloadbalancing:CreateTargetGroup", own.target_group(),
              context=other.request_tags),
    ]
    probes += network_probes(own, other)
    for role in ("deploy", "plan"):
        probes += [
            Probe(role, "read the bootstrap's own state", "s3:GetObject", own.bootstrap_state,
                  resource_policy=own_bucket),
            Probe(role, "read any other object in the state bucket", "s3:GetObject",
                  f"arn:aws:s3:::{own.state_bucket}/elsewhere/terraform.tfstate", resource_policy=own_bucket),
            Probe(role, "read another project's state", "s3:GetObject", other.state_object,
                  resource_policy=other_bucket),
            Probe(role, "write another project's state", "s3:PutObject", other.state_object,
                  resource_policy=other_bucket),
            Probe(role, "list another project's state bucket", "s3:ListBucket", f"arn:aws:s3:::{other.state_bucket}",
                  resource_policy=other_bucket),
            Probe(role, "decrypt with another project's state key", "kms:Decrypt", other.state_kms_key,
                  context={**via_s3, **key_tags(other, "bootstrap")}, resource_policy=other_policy),
            Probe(role, "change the state bucket's policy", "s3:PutBucketPolicy", f"arn:aws:s3:::{own.state_bucket}",
                  resource_policy=own_bucket),
            Probe(role, "delete the state bucket", "s3:DeleteBucket", f"arn:aws:s3:::{own.state_bucket}",
                  resource_policy=own_bucket),
            Probe(role, "push another project's image", "ecr:PutImage", other.repository),
            Probe(role, "pull another project's image", "ecr:BatchGetImage", other.repository),
            Probe(role, "change another project's service", "ecs:UpdateService", other.service),
            Probe(role, "delete another project's logs", "logs:DeleteLogGroup", other.log_group),
            Probe(role, "read another project's secrets", "ssm:GetParameters", other.parameter),
            Probe(role, "read this project's secrets", "ssm:GetParameters", own.parameter),
            Probe(role, "read a Secrets Manager secret", "secretsmanager:GetSecretValue",
                  own.arn("secretsmanager", f"secret:{own.name}-AbCdEf")),
        ]
        probes += [
            Probe(role, "tag an untagged key of the region as its own", "kms:TagResource",
                  own.arn("kms", "key/00000000-0000-4000-8000-00000000f00d"),
                  context={"aws:RequestTag/Project": own.name, "aws:RequestTag/Stack": "service",
                           "aws:TagKeys": ["Project", "Stack"]}, resource_policy=default_key_policy(own)),
            Probe(role, "create a key", "kms:CreateKey", "*",
                  context={"aws:RequestTag/Project": own.name, "aws:TagKeys": ["Project"]}),
        ]
        for action in ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:TagResource",
                       "kms:UntagResource", "kms:CreateGrant"):
            probes += [
                Probe(role, "administer the key of its own logs", action, own.logs_kms_key,
                      context=key_tags(own, "bootstrap"), resource_policy=key_policies.get(own.logs_kms_key)),
                Probe(role, "administer the key of its own state", action, own.state_kms_key,
                      context=key_tags(own, "bootstrap"), resource_policy=own_policy),
                Probe(role, "administer another project's state key", action, other.state_kms_key,
                      context=key_tags(other, "bootstrap"), resource_policy=other_policy),
                Probe(role, "administer another project's log key", action, other.logs_kms_key,
                      context=key_tags(other, "bootstrap"), resource_policy=key_policies.get(other.logs_kms_key)),
            ]
        for action in ("ecr:DeleteRepository", "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy",
                       "ecr:BatchDeleteImage", "ecr:PutImageTagMutability"):
            probes.append(Probe(role, "change the bootstrap's image repository", action, own.repository))
    probes += [
        Probe("plan", "read its own state", "s3:GetObject", own.state_object, True, resource_policy=own_bucket),
        Probe("plan", "decrypt its own state through S3", "kms:Decrypt", own.state_kms_key,
              True, {**via_s3, **key_tags(own, "bootstrap")}, resource_policy=own_policy),
        Probe("plan", "decrypt with the state key outside S3", "kms:Decrypt", own.state_kms_key,
              context=key_tags(own, "bootstrap"), resource_policy=own_policy),
        Probe("plan", "read old versions of its state", "s3:GetObjectVersion", own.state_object,
              resource_policy=own_bucket),
    ]
    return probes


def environment_probes(own: Project, other: Project, applied: Applied, lock_table: str | None) -> list[Probe]:
    """Another environment of the same project (`other`): its state, lock, service, roles, network, target
    groups, alarms, dashboard, logs, keys and secrets. The environments share the state bucket and its key,
    the lock table and the image repository, and production's names are a prefix of every other
    environment's (orders-api, orders-api-staging): what scopes a role to its own environment is the state
    key, the exact names, the Environment tag and, for production's alarms, an explicit refusal. Each
    refusal has its control: the same action on the role's own environment is allowed."""
    bucket = applied.bucket_policies.get(own.state_bucket)
    mine, theirs = own.resource_tags, other.resource_tags
    vpc = own.arn("ec2", "vpc/vpc-0123456789abcdef0")
    probes = []
    for role in ("deploy", "plan"):
        probes += [
            Probe(role, f"read {other.environment}'s state", "s3:GetObject", other.state_object,
                  resource_policy=bucket),
            Probe(role, f"read {other.environment}'s alarms", "cloudwatch:DescribeAlarms",
                  other.alarm("deploy-target-5xx-rate")),
            Probe(role, f"read {own.environment}'s own alarms", "cloudwatch:DescribeAlarms",
                  own.alarm("deploy-target-5xx-rate"), True),
            Probe(role, f"read {other.environment}'s secrets", "ssm:GetParameters", other.parameter),
        ]
        if lock_table:
            probes += [
                Probe(role, f"read {other.environment}'s state digest", "dynamodb:GetItem", lock_table,
                      context={"dynamodb:LeadingKeys": [f"{other.state_bucket}/{other.state_key}-md5"]}),
                Probe(role, "read its own state digest", "dynamodb:GetItem", lock_table, True,
                      {"dynamodb:LeadingKeys": [f"{own.state_bucket}/{own.state_key}-md5"]}),
            ]
        for action in ("kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:Decrypt"):
            probes.append(Probe(role, f"use or administer {other.environment}'s log key", action,
                                other.logs_kms_key, context=key_tags(other, "bootstrap"),
                                resource_policy=applied.key_policies.get(other.logs_kms_key)))
    probes += [
        Probe("deploy", f"write {other.environment}'s state", "s3:PutObject", other.state_object,
              resource_policy=bucket),
        Probe("deploy", "write its own state", "s3:PutObject", own.state_object, True, resource_policy=bucket),
        Probe("deploy", f"change {other.environment}'s service", "ecs:UpdateService", other.service),
        Probe("deploy", "change its own service", "ecs:UpdateService", own.service, True),
        Probe("deploy", f"delete {other.environment}'s service", "ecs:DeleteService", other.service),
        Probe("deploy", f"create {other.environment}'s cluster", "ecs:CreateCluster",
              other.arn("ecs", f"cluster/{other.name}"), context=own.request_tags),
        Probe("deploy", "create its own cluster", "ecs:CreateCluster", own.arn("ecs", f"cluster/{own.name}"), True,
              own.request_tags),
        Probe("deploy", f"change {other.environment}'s alarm", "cloudwatch:PutMetricAlarm",
              other.alarm("deploy-target-5xx-rate")),
        Probe("deploy", f"delete {other.environment}'s alarm", "cloudwatch:DeleteAlarms",
              other.alarm("deploy-target-5xx-rate")),
        Probe("deploy", "change its own alarm", "cloudwatch:PutMetricAlarm", own.alarm("deploy-target-5xx-rate"),
              True),
        Probe("deploy", f"change {other.environment}'s dashboard", "cloudwatch:PutDashboard", other.dashboard),
        Probe("deploy", f"delete {other.environment}'s logs", "logs:DeleteLogGroup", other.log_group),
        Probe("deploy", f"write {other.environment}'s task role permissions", "iam:PutRolePolicy",
              other.role("task"), context={"iam:PermissionsBoundary": other.boundary}),
        Probe("deploy", f"pass {other.environment}'s task role to ECS tasks", "iam:PassRole", other.role("task"),
              context={"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Probe("deploy", f"pass {other.environment}'s execution role to ECS tasks", "iam:PassRole",
              other.role("execution"), context={"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Probe("deploy", f"change {other.environment}'s target group", "elasticloadbalancing:ModifyTargetGroup",
              own.target_group(), context=theirs),
        Probe("deploy", f"tag its own target group as {other.environment}'s", "elasticloadbalancing:AddTags",
              own.target_group(), context={**mine, **other.request_tags}),
        Probe("deploy", f"create a target group tagged as {other.environment}'s",
              "elasticloadbalancing:CreateTargetGroup", own.target_group(), context=other.request_tags),
        Probe("deploy", f"change {other.environment}'s VPC", "ec2:DeleteVpc", vpc, context=theirs),
        Probe("deploy", f"open {other.environment}'s security group", "ec2:AuthorizeSecurityGroupIngress",
              own.arn("ec2", "security-group/sg-0123456789abcdef0"), context=theirs),
        Probe("deploy", f"retag its own VPC as {other.environment}'s", "ec2:CreateTags", vpc,
              context={**mine, **other.request_tags}),
        Probe("deploy", "take the Environment tag off its own VPC", "ec2:DeleteTags", vpc,
              context={**mine, "aws:TagKeys": ["Environment"]}),
        Probe("deploy", f"create a VPC tagged as {other.environment}'s", "ec2:CreateVpc", own.arn("ec2", "vpc/*"),
              context=other.request_tags),
        Probe("deploy", "create a VPC tagged as its own", "ec2:CreateVpc", own.arn("ec2", "vpc/*"), True,
              own.request_tags),
    ]
    if lock_table:
        probes += [
            Probe("deploy", f"take {other.environment}'s state lock", "dynamodb:PutItem", lock_table,
                  context={"dynamodb:LeadingKeys": [f"{other.state_bucket}/{other.state_key}"]}),
            Probe("deploy", f"release {other.environment}'s state lock", "dynamodb:DeleteItem", lock_table,
                  context={"dynamodb:LeadingKeys": [f"{other.state_bucket}/{other.state_key}"]}),
            Probe("deploy", "take its own state lock", "dynamodb:PutItem", lock_table, True,
                  {"dynamodb:LeadingKeys": [f"{own.state_bucket}/{own.state_key}"]}),
        ]
    return probes


def writes_of(authorizations) -> list[Probe]:
    """Each write the deploy role was allowed in the lifecycle, which the plan role must be refused."""
    probes, seen = [], set()
    for authorization in authorizations:
        prefix, name = authorization.action.split(":", 1)
        level = actions_of(prefix).get(name.lower(), {}).get("accessLevel", "")
        if (authorization.principal is not None or set(level.split(", ")) <= READ_LEVELS
                or authorization.action in CHANGES_NOTHING):
            continue
        if (authorization.action, authorization.resource) in seen:
            continue
        seen.add((authorization.action, authorization.resource))
        context = {key: value for key, value in authorization.context.items() if not key.startswith("aws:Principal")}
        probes.append(Probe("plan", f"{level.lower()} as the deploy role did ({authorization.why})",
                            authorization.action, authorization.resource, context=context,
                            resource_policy=authorization.resource_policy))
    return probes


@dataclass
class Applied:
    """What the account holds, read back as an administrator: the documents the probes are judged with."""

    role_boundaries: dict[str, str | None]  # service role name -> the ARN of its boundary
    boundary: dict
    key_policies: dict[str, dict]
    bucket_policies: dict[str, dict]


def document(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


def read_applied(client: Callable[[str], object], own: Project, other: Project, kinds: tuple[str, ...]) -> Applied:
    """`client(service)` gives an administrator's boto3 client; `kinds` are the service roles to read."""
    iam, kms, s3 = client("iam"), client("kms"), client("s3")
    boundaries = {}
    for kind in kinds:
        role = iam.get_role(RoleName=f"{own.name}-{kind}")["Role"]
        boundaries[f"{own.name}-{kind}"] = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    version = iam.get_policy(PolicyArn=own.boundary)["Policy"]["DefaultVersionId"]
    boundary = iam.get_policy_version(PolicyArn=own.boundary, VersionId=version)["PolicyVersion"]["Document"]
    return Applied(
        boundaries, document(boundary),
        {key: document(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
         for project in (own, other) for key in (project.state_kms_key, project.logs_kms_key)},
        {project.state_bucket: document(s3.get_bucket_policy(Bucket=project.state_bucket)["Policy"])
         for project in (own, other)})


@dataclass(frozen=True)
class Database:
    """A project's PostgreSQL database (database=postgres): its instance, its two logins' secrets and its key."""

    instance: str  # the DB instance's ARN
    master_secret: str  # the secret RDS keeps the master login in (rds!db-...)
    app_secret: str  # the application login's secret
    key: str  # the database's KMS key
    key_policy: dict


def database_probes(own: Project, database: Database) -> list[Probe]:
    """No role but the execution role may read a login's password: not the pipeline's (which create the secrets
    and the instance), not the task role even with `*:*` written into it (the boundary admits the execution
    role alone); the pipeline may not read it through KMS either, nor create an instance with a password of its
    own. The controls: the execution role reads both (its boundary allows it), the deploy role creates the
    instance with RDS managing the password and uses the key through RDS."""
    master_tag = {"aws:ResourceTag/aws:rds:primaryDBInstanceArn": database.instance,
                  "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": database.instance}
    via = {"kms:ViaService": f"secretsmanager.{own.region}.amazonaws.com"}
    probes = []
    for role in ("deploy", "plan", "task", "execution"):
        allowed = role == "execution"
        probes += [
            Probe(role, "read the master login's password", "secretsmanager:GetSecretValue", database.master_secret,
                  allowed, context=master_tag),
            Probe(role, "read the application login's password", "secretsmanager:GetSecretValue",
                  database.app_secret, allowed),
            # The deploy role may: RDS documents it for the master login's secret it creates as the caller; the
            # value stays out of its reach, GetSecretValue being refused.
            Probe(role, "decrypt with the database's key through Secrets Manager", "kms:Decrypt",
                  database.key, allowed or role == "deploy", context=via, resource_policy=database.key_policy),
        ]
    probes += [
        Probe("task", "read another database's master login", "secretsmanager:GetSecretValue",
              database.master_secret, context={key: database.instance + "-other" for key in master_tag}),
        Probe("deploy", "decrypt with the database's key directly", "kms:Decrypt", database.key,
              resource_policy=database.key_policy),
        Probe("deploy", "decrypt with the database's key through S3", "kms:Decrypt", database.key,
              context={"kms:ViaService": f"s3.{own.region}.amazonaws.com"}, resource_policy=database.key_policy),
        Probe("deploy", "create the database with a master password of its own", "rds:CreateDBInstance",
              database.instance, context={**own.request_tags, "rds:ManageMasterUserPassword": "false"}),
        Probe("deploy", "switch the database to a master password of its own", "rds:ModifyDBInstance",
              database.instance, context={**own.resource_tags, "rds:ManageMasterUserPassword": "false"}),
        Probe("deploy", "change the database's settings", "rds:ModifyDBInstance", database.instance, True,
              context=own.resource_tags),
        Probe("deploy", "create the database with RDS managing its master password", "rds:CreateDBInstance",
              database.instance, True, context={**own.request_tags, "rds:ManageMasterUserPassword": "true"}),
        Probe("deploy", "let RDS use the database's key for the storage", "kms:CreateGrant", database.key, True,
              context={"kms:ViaService": f"rds.{own.region}.amazonaws.com", "kms:GrantIsForAWSResource": "true"},
              resource_policy=database.key_policy),
        Probe("plan", "change the database", "rds:ModifyDBInstance", database.instance),
        Probe("plan", "write the application login's password", "secretsmanager:PutSecretValue", database.app_secret),
    ]
    return probes


def fixed_probes(own: Project, other: Project, applied: Applied) -> list[Probe]:
    """Every probe that does not depend on what the lifecycle did."""
    return (iam_probes(own, other) + task_role_probes(own, other)
            + resource_probes(own, other, applied.key_policies, applied.bucket_policies))


def unvalidated_because(probe: Probe) -> str:
    if probe.action.startswith("elasticloadbalancing:"):
        return LOAD_BALANCING_V2
    if any(key.startswith("kms:EncryptionContext:") for key in probe.context):
        return ENCRYPTION_CONTEXT
    return AWS_TAG if any(AWS_TAG_KEY.search(key) for key in probe.context) else ""


def judge(probes: list[Probe], own: Project, policies: dict[str, dict[str, dict]],
          boundary: dict) -> list[Judgement]:
    """`policies`: role ("deploy", "plan") -> its policies as applied; `boundary`: the service roles' boundary."""
    roles = {"deploy": own.deploy_role, "plan": own.plan_role, "task": own.role("task"),
             "execution": own.role("execution")}
    requests = []
    for probe in probes:
        if probe.action.startswith("kms:") and ":key/" in probe.resource and probe.resource_policy is None:
            raise ValueError(f"probe {probe.what!r} names a KMS key without its key policy: KMS refuses whatever "
                             "its key policy does not allow, so the probe would be refused whatever the role may do")
        role = roles[probe.role]
        service_role = probe.role in ("task", "execution")
        identity = {"escalated *:*": EVERYTHING} if service_role else policies[probe.role]
        context = {"aws:RequestedRegion": own.region, "aws:SecureTransport": "true", "aws:PrincipalArn": role,
                   "aws:PrincipalAccount": own.account, **probe.context}
        requests.append(Request(
            principal=f"arn:aws:sts::{own.account}:assumed-role/{role.rsplit('/', 1)[-1]}/probe",
            action=probe.action, resource=probe.resource, account=own.account, context=context,
            identity_policies=identity, resource_policy=probe.resource_policy,
            permission_boundaries={"service boundary": boundary} if service_role else {},
            unvalidated_because=unvalidated_because(probe)))
    return [Judgement(probe, decision) for probe, decision in zip(probes, evaluate(requests))]
