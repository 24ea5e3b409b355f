"""Which requests carry a document the service model types only as a string (or a free-form structure),
where it sits in the request, which validator reads it and how the service refuses a bad one.

Any request member that looks like such a document (a policy, a body, an expression, a query) and has no
entry here is reported as unvalidated, so that a new kind of document cannot pass unread.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aws_strict import (dashboards, ecr_lifecycle, key_use, logs_insights, metric_math, policies, rds_instances,
                        task_definitions)
from aws_strict.errors import ADVICE, Refusal
from aws_strict.requests import Request

# A string member that carries a JSON document: its name ends like one, and it reads as JSON.
DOCUMENT_MEMBER = re.compile(r"(?i)^\w*(Policy|PolicyDocument|PolicyText|Body|Pattern|Definition|Template)$")
# Members that carry a text document in the services that give them one (DynamoDB's condition expressions,
# for one, are not documents of this kind).
TEXT_DOCUMENTS = {
    "cloudwatch": re.compile(r"^(Expression|AlarmRule)$"),
    "logs": re.compile(r"^(queryString|filterPattern)$"),
    "events": re.compile(r"^EventPattern$"),
}

# Advice on the stacks' own documents that is known to be wrong, or to describe a document AWS itself
# writes, by a part of the advice's text, each with the reason. Explained advice is counted, not shown.
EXPLAINED_ADVICE: dict[str, str] = {
    "elasticloadbalancing:*:*:listener/net/": "parliament wants every listener type an ELB action takes; the "
    "statement names the application load balancer's, which is enough (duo-labs/parliament#48)",
    "elasticloadbalancing:*:*:listener-rule/net/": "the same, for listener rules (duo-labs/parliament#48)",
    "kms:CreateAlias needs": "CreateAlias and DeleteAlias need the alias and the key; the deploy role grants each "
    "in a statement of its own, and parliament judges statements one at a time (duo-labs/parliament#3)",
    "kms:DeleteAlias needs": "as kms:CreateAlias (duo-labs/parliament#3)",
    "Unknown condition elasticloadbalancing:CreateAction for action elasticloadbalancing:AddTags": "the Service "
    "Authorization Reference (as of 2026) lists it for AddTags, which tags sent with a create call are authorized "
    "as; parliament's database (2025) does not",
    "ec2:CreateSubnet needs arn:*:ec2:*:*:vpc/*": "a create call names an existing resource besides the one it "
    "makes; the deploy role grants the new one on the request's Project tag and the existing one on its own "
    "Project tag, in separate statements, and parliament judges statements one at a time (duo-labs/parliament#3)",
    "ec2:CreateRouteTable needs arn:*:ec2:*:*:vpc/*": "as ec2:CreateSubnet (duo-labs/parliament#3)",
    "ec2:CreateNatGateway needs arn:*:ec2:*:*:subnet/*": "as ec2:CreateSubnet (duo-labs/parliament#3)",
    "ec2:AuthorizeSecurityGroupIngress needs arn:*:ec2:*:*:security-group/*": "as ec2:CreateSubnet: the rule and "
    "its group (duo-labs/parliament#3)",
    "ec2:AuthorizeSecurityGroupEgress needs arn:*:ec2:*:*:security-group/*": "as ec2:AuthorizeSecurityGroupIngress",
    "sns:GetSubscriptionAttributes needs *": "the Service Authorization Reference (as of 2026) gives the topic as "
    "its resource; parliament's database (2025) does not",
    "sns:Unsubscribe needs *": "as sns:GetSubscriptionAttributes",
    "ArnEquals requires a value of type Arn but given String": "kms:EncryptionContext:aws:logs:arn holds an ARN; "
    "the CloudWatch Logs guide compares it with ArnEquals/ArnLike",
    "Unknown condition kms:EncryptionContext:aws:logs:arn for action kms:Describe": "the CloudWatch Logs guide's "
    "key policy grants kms:Describe* under this condition, as the stack does",
    "SNS topic policy: INVALID_SID: None": "SNS's own default topic policy (Sid __default_statement_ID), which the "
    "provider writes back when aws_sns_topic_policy is destroyed",
    "SNS topic policy: OLD_VERSION": "the same default policy, Version 2008-10-17",
}


def explained(advice: str) -> bool:
    return any(known in advice for known in EXPLAINED_ADVICE)


@dataclass(frozen=True)
class Located:
    path: str
    value: Any


@dataclass(frozen=True)
class Document:
    """One kind of document in one operation's requests."""

    kind: str
    model: str
    operation: str
    locate: Callable[[dict], list[Located]]
    check: Callable[[Any, Request, policies.Context], list[str]]  # problems; ADVICE-prefixed ones AWS accepts
    refusal: Callable[[list[str]], Refusal] | None  # None: the service refuses none of its problems


def member(name: str) -> Callable[[dict], list[Located]]:
    return lambda params: [Located(name, params[name])] if params.get(name) not in (None, "") else []


def sns_attribute(attribute: str) -> Callable[[dict], list[Located]]:
    """A topic attribute: in CreateTopic's Attributes map, or SetTopicAttributes' name and value."""
    def locate(params: dict) -> list[Located]:
        if params.get("AttributeName") == attribute and params.get("AttributeValue"):
            return [Located("AttributeValue", params["AttributeValue"])]
        value = (params.get("Attributes") or {}).get(attribute)
        return [Located(f"Attributes.{attribute}", value)] if value else []
    return locate


def policy(kind: policies.Kind) -> Callable[[Any, Request, policies.Context], list[str]]:
    return lambda text, request, context: policies.problems(text, kind, context)


def key_policy(text: str, request: Request, context: policies.Context) -> list[str]:
    found = policies.problems(text, policies.KMS_KEY, context)
    if not request.params.get("BypassPolicyLockoutSafetyCheck"):
        found += policies.key_policy_lockout(text, context)
    return found


def log_group_key(key_arn: str, request: Request, context: policies.Context) -> list[str]:
    arn = f"arn:aws:logs:{context.region}:{context.account_id}:log-group:{request.params.get('logGroupName')}"
    return key_use.log_group_problems(context.key_policy(key_arn), arn, context.region)


def refused(code: str, prefix: str = "") -> Callable[[list[str]], Refusal]:
    return lambda found: Refusal(code, prefix + "; ".join(found))


def iam_refusal(found: list[str]) -> Refusal:
    """IAM answers a policy over its size quota with LimitExceeded (409), anything else as malformed."""
    if any(problem.startswith("Cannot exceed quota") for problem in found):
        return Refusal("LimitExceeded", "; ".join(found), status=409)
    return Refusal("MalformedPolicyDocument", "; ".join(found))


IAM_MALFORMED = iam_refusal
DOCUMENTS: tuple[Document, ...] = (
    Document("IAM policy", "iam", "CreatePolicy", member("PolicyDocument"), policy(policies.IDENTITY_MANAGED),
             IAM_MALFORMED),
    Document("IAM policy", "iam", "CreatePolicyVersion", member("PolicyDocument"), policy(policies.IDENTITY_MANAGED),
             IAM_MALFORMED),
    Document("IAM policy", "iam", "PutRolePolicy", member("PolicyDocument"), policy(policies.IDENTITY_INLINE),
             IAM_MALFORMED),
    Document("IAM trust policy", "iam", "CreateRole", member("AssumeRolePolicyDocument"), policy(policies.TRUST),
             IAM_MALFORMED),
    Document("IAM trust policy", "iam", "UpdateAssumeRolePolicy", member("PolicyDocument"), policy(policies.TRUST),
             IAM_MALFORMED),
    Document("KMS key policy", "kms", "CreateKey", member("Policy"), key_policy,
             refused("MalformedPolicyDocumentException")),
    Document("KMS key policy", "kms", "PutKeyPolicy", member("Policy"), key_policy,
             refused("MalformedPolicyDocumentException")),
    Document("S3 bucket policy", "s3", "PutBucketPolicy", member("Policy"), policy(policies.S3_BUCKET),
             refused("MalformedPolicy")),
    Document("SNS topic policy", "sns", "CreateTopic", sns_attribute("Policy"), policy(policies.SNS_TOPIC),
             refused("InvalidParameter", "Invalid parameter: Policy Error: ")),
    Document("SNS topic policy", "sns", "SetTopicAttributes", sns_attribute("Policy"), policy(policies.SNS_TOPIC),
             refused("InvalidParameter", "Invalid parameter: Policy Error: ")),
    Document("ECR repository policy", "ecr", "SetRepositoryPolicy", member("policyText"),
             policy(policies.ECR_REPOSITORY),
             refused("InvalidParameterException", "Invalid parameter at 'PolicyText' failed to satisfy constraint: "
                     "'Invalid repository policy provided': ")),
    Document("ECR lifecycle policy", "ecr", "PutLifecyclePolicy", member("lifecyclePolicyText"),
             lambda text, request, context: ecr_lifecycle.problems(text), ecr_lifecycle.refusal),
    Document("CloudWatch dashboard body", "cloudwatch", "PutDashboard", member("DashboardBody"),
             lambda text, request, context: dashboards.problems(text), dashboards.refusal),
    Document("alarm metric queries", "cloudwatch", "PutMetricAlarm", member("Metrics"),
             lambda queries, request, context: metric_math.alarm_problems(request.params), metric_math.refusal),
    Document("Logs Insights query", "logs", "PutQueryDefinition", member("queryString"),
             lambda text, request, context: [ADVICE + problem for problem in logs_insights.problems(text)], None),
    Document("log group key use", "logs", "CreateLogGroup", member("kmsKeyId"), log_group_key, key_use.refusal),
    Document("log group key use", "logs", "AssociateKmsKey", member("kmsKeyId"), log_group_key, key_use.refusal),
    Document("ECS container definitions", "ecs", "RegisterTaskDefinition", member("containerDefinitions"),
             lambda containers, request, context: task_definitions.problems(request.params),
             task_definitions.refusal),
    *(Document("RDS instance settings", "rds", operation, member("DBInstanceIdentifier"),
               lambda identifier, request, context: rds_instances.problems(request.params,
                                                                           context.parameter_group_family),
               rds_instances.refusal) for operation in ("CreateDBInstance", "ModifyDBInstance", "DeleteDBInstance")),
)


def documents_of(request: Request) -> list[Document]:
    return [document for document in DOCUMENTS
            if document.model == request.model_name and document.operation == request.operation]


def document_members(value: Any, path: str = "", model: str = "") -> Iterator[str]:
    """Paths of the string members of a request (to service `model`) that look like documents."""
    text = TEXT_DOCUMENTS.get(model)
    if isinstance(value, dict):
        attribute, attribute_value = value.get("AttributeName"), value.get("AttributeValue")  # SNS's Set*Attributes
        if isinstance(attribute, str) and isinstance(attribute_value, str) and DOCUMENT_MEMBER.match(attribute) and \
                attribute_value.lstrip()[:1] in ("{", "["):
            yield f"{path}.AttributeValue" if path else "AttributeValue"
        for key, item in value.items():
            if key == "AttributeValue":
                continue
            where = f"{path}.{key}" if path else key
            if isinstance(item, str) and ((text and text.match(key)) or (
                    DOCUMENT_MEMBER.match(key) and item.lstrip()[:1] in ("{", "["))):
                yield where
            else:
                yield from document_members(item, where, model)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from document_members(item, f"{path}.{index}", model)


def unvalidated(request: Request, located: list[Located]) -> list[str]:
    """The document-like members of `request` that no validator read (a validator that read a member read
    everything inside it)."""
    read = [item.path for item in located]
    return [path for path in document_members(request.params, model=request.model_name)
            if not any(path == done or path.startswith(f"{done}.") for done in read)]
