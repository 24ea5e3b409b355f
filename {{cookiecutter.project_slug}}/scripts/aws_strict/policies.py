"""Policy documents as IAM, KMS, S3, SNS and ECR check them before they store one.

Grammar, actions that exist, resource ARN formats per action, condition operators and the condition keys
each action supports are parliament's checks (a maintained IAM policy linter, with the Service
Authorization Reference's actions, resources and keys as its data). On top, what each service documents for
its own kind of policy: where a Principal is required or refused, which actions and resources belong in it,
the size limits, principals that must exist, and KMS's lockout check (a key policy must let the account
change it later).
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from aws_strict.errors import ADVICE

# parliament's findings that the services refuse a policy for: its grammar, condition operators, ARNs and
# Version values. IAM refuses a Sid that is not alphanumeric or not unique; KMS, S3 and SNS do not.
REFUSED_FINDINGS = frozenset({"EXCEPTION", "MALFORMED_JSON", "MALFORMED", "UNKNOWN_OPERATOR", "INVALID_ARN",
                              "INVALID_VERSION"})
IAM_REFUSED_FINDINGS = frozenset({"DUPLICATE_SID", "INVALID_SID"})
# Findings the services accept, but that say the policy does not do what it says: an action or prefix that
# does not exist, a resource or condition key no listed action applies to, a value of the wrong type, an old
# or missing Version. They are advice: the template's suite fails on each one it has not explained (a
# linter's database can be wrong), a rendered project's emulated apply prints them. Other findings
# (Resource "*", sensitive actions) judge what a policy grants, which the permission proof does instead.
ADVICE_FINDINGS = frozenset({"UNKNOWN_ACTION", "UNKNOWN_PREFIX", "RESOURCE_MISMATCH", "UNKNOWN_CONDITION_FOR_ACTION",
                             "MISMATCHED_TYPE", "MISMATCHED_TYPE_BUT_USABLE", "MISMATCHED_TYPE_OPERATION_TO_NULL",
                             "NO_VERSION", "OLD_VERSION", "UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE",
                             "DUPLICATE_SID", "INVALID_SID"})

OIDC_PROVIDER_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:oidc-provider/[\w.-]+(/[\w./-]*)?")
ROLE_OR_USER_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):(role|user)/(?:[\w+=,.@/-]+/)?([\w+=,.@-]+)")


@dataclass(frozen=True)
class Kind:
    """What a service accepts as one kind of policy."""

    name: str
    principal: bool  # True: every statement names a principal; False: none may
    resource: bool | None  # True: every statement names a resource; False: none may; None: either
    max_size: int  # characters, as the service counts them
    count_whitespace: bool = True
    actions: tuple[str, ...] = ()  # the only action prefixes allowed, if any
    resources: str = ""  # a regular expression every resource must match, if any (<bucket>, <topic>, <account>)
    quota: str = ""  # IAM's name of the size quota; IAM answers LimitExceeded for a policy over it


IDENTITY_MANAGED = Kind("IAM managed policy", principal=False, resource=True, max_size=6144, count_whitespace=False,
                        quota="PolicySize")
IDENTITY_INLINE = Kind("IAM inline policy", principal=False, resource=True, max_size=10240, count_whitespace=False,
                       quota="PolicySize")
# 2048 is IAM's default quota for a role's trust policy (it can be raised to 4096).
TRUST = Kind("IAM trust policy", principal=True, resource=False, max_size=2048, count_whitespace=False,
             actions=("sts:",), quota="ACLSizePerRole")
KMS_KEY = Kind("KMS key policy", principal=True, resource=True, max_size=32768)
S3_BUCKET = Kind("S3 bucket policy", principal=True, resource=True, max_size=20480, actions=("s3:",),
                 resources=r"arn:aws[\w-]*:s3:::<bucket>(/.*)?")
SNS_TOPIC = Kind("SNS topic policy", principal=True, resource=True, max_size=30720, actions=("sns:",),
                 resources=r"arn:aws[\w-]*:sns:[\w-]+:<account>:<topic>")
ECR_REPOSITORY = Kind("ECR repository policy", principal=True, resource=None, max_size=10240, actions=("ecr:",))


@dataclass(frozen=True)
class Context:
    """What a check needs to know of the account: its ID and the request's region, the names a resource
    policy refers to, whether an IAM role or user exists (None: unknown, as for another account), a KMS
    key's policy (None: no such key) and an RDS parameter group's family (None: no such group)."""

    account_id: str
    region: str = ""
    bucket: str = ""
    topic: str = ""
    principal_exists: Callable[[str], bool | None] = lambda arn: None
    key_policy: Callable[[str], str | None] = lambda key: None
    parameter_group_family: Callable[[str], str | None] = lambda name: None


def problems(text: str, kind: Kind, context: Context) -> list[str]:
    """Why `kind`'s service would refuse this policy, or why it would not do what it says."""
    with warnings.catch_warnings():  # parliament 1.6.4 imports pkg_resources, which warns that it is deprecated
        warnings.simplefilter("ignore", UserWarning)
        from parliament import analyze_policy_string

    try:
        document = json.loads(text)
    except ValueError as error:
        return [f"the policy is not JSON: {error}"]
    if not isinstance(document, dict):
        return ["the policy is not a JSON object"]
    found = size_problems(text, kind)
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements or []
    if not statements:
        found.append("the policy has no Statement")
    for index, statement in enumerate(statements):
        found += [f"Statement {index}: {problem}" for problem in statement_problems(statement, kind, context)]
    analysed = analyze_policy_string(text, ignore_private_auditors=True)
    refused = REFUSED_FINDINGS | (IAM_REFUSED_FINDINGS if kind.quota else frozenset())
    for finding in analysed.findings:
        if not expected_of_kind(finding, kind):
            found += finding_problems(finding, refused)
    return list(dict.fromkeys(found))


def finding_problems(finding, refused: frozenset[str]) -> list[str]:
    """A parliament finding as refusals, or as advice (a resource mismatch one line per action)."""
    if finding.issue in refused:
        return [f"{finding.issue}: {finding.detail}"]
    if finding.issue == "RESOURCE_MISMATCH" and isinstance(finding.detail, list):
        return [f"{ADVICE}RESOURCE_MISMATCH: {item.get('action')} needs {item.get('required_format')}"
                for item in finding.detail if isinstance(item, dict)]
    if finding.issue in ADVICE_FINDINGS:
        return [f"{ADVICE}{finding.issue}: {finding.detail}"]
    return []


def size_problems(text: str, kind: Kind) -> list[str]:
    size = len(text) if kind.count_whitespace else len(re.sub(r"\s", "", text))
    if size <= kind.max_size:
        return []
    counted = "characters" if kind.count_whitespace else "characters not counting whitespace"
    if kind.quota:
        return [f"Cannot exceed quota for {kind.quota}: {kind.max_size} ({size} {counted})"]
    return [f"{size} {counted}: a {kind.name} may have at most {kind.max_size}"]


def expected_of_kind(finding, kind: Kind) -> bool:
    """parliament reads every policy as an identity policy: a trust policy has no Resource by design, and it
    does not know GitHub's (or any) OIDC provider as a federation source."""
    if kind.resource is not True and finding.issue == "MALFORMED" and "neither Resource nor NotResource" in str(
            finding.detail):
        return True
    return finding.issue == "UNKNOWN_FEDERATION_SOURCE" and bool(OIDC_PROVIDER_ARN.fullmatch(str(finding.detail)))


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


def statement_problems(statement: dict, kind: Kind, context: Context) -> list[str]:
    if not isinstance(statement, dict):
        return ["a statement is not a JSON object"]
    found = []
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if kind.principal and not has_principal:
        found.append(f"a {kind.name} statement must name a Principal")
    if not kind.principal and has_principal:
        found.append(f"a {kind.name} must not specify a principal")
    has_resource = "Resource" in statement or "NotResource" in statement
    if kind.resource is False and has_resource:
        found.append(f"a {kind.name} has the prohibited field Resource")
    return found + action_problems(statement, kind) + resource_problems(statement, kind, context) + \
        principal_problems(statement, context)


def action_problems(statement: dict, kind: Kind) -> list[str]:
    actions = [str(action) for action in listed(statement.get("Action", statement.get("NotAction", [])))]
    return [f"a {kind.name} may not name the action {action}" for action in actions
            if kind.actions and action != "*" and not action.lower().startswith(kind.actions)]


def resource_problems(statement: dict, kind: Kind, context: Context) -> list[str]:
    found = []
    if kind.resources:
        pattern = re.compile(kind.resources.replace("<bucket>", re.escape(context.bucket)).replace(
            "<topic>", re.escape(context.topic)).replace("<account>", re.escape(context.account_id)))
        for resource in listed(statement.get("Resource", [])):
            if not pattern.fullmatch(str(resource)):
                found.append(f"the resource {resource} is not this {kind.name.split(' policy')[0]}")
    return found


def principal_problems(statement: dict, context: Context) -> list[str]:
    found = []
    principals = statement.get("Principal", {})
    for arn in (listed(principals.get("AWS", [])) if isinstance(principals, dict) else []):
        match = ROLE_OR_USER_ARN.fullmatch(str(arn))
        # Every account the emulator serves is one it knows: a principal of any of them must exist.
        if match and context.principal_exists(str(arn)) is False:
            found.append(f"Invalid principal in policy: {arn} does not exist")
    return found


def key_policy_lockout(text: str, context: Context) -> list[str]:
    """KMS refuses a key policy that would not let the account put a key policy later, unless the caller
    bypasses the check. The account is let in by an Allow of kms:PutKeyPolicy (or kms:* or *) to the
    account's root or one of its principals, without a NotPrincipal or NotAction."""
    try:
        statements = listed(json.loads(text).get("Statement", []))
    except (ValueError, AttributeError):
        return []  # problems() reports it
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = {str(action).lower() for action in listed(statement.get("Action", []))}
        principals = statement.get("Principal", {})
        aws = [str(item) for item in listed(principals.get("AWS", []))] if isinstance(principals, dict) else []
        if actions & {"kms:putkeypolicy", "kms:*", "*"} and any(
                item == context.account_id or f"::{context.account_id}:" in item for item in aws):
            return []
    return ["The new key policy will not allow you to update the key policy in the future."]
