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

from aws_strict import dashboards, ecr_lifecycle, logs_insights, metric_math, policies, task_definitions
from aws_strict.errors import Refusal
from aws_strict.requests import Request

# A string member that carries a document: its name ends like one, and it reads as JSON (or is an
# expression or a query, which are text).
DOCUMENT_MEMBER = re.compile(r"(?i)^\w*(Policy|PolicyDocument|PolicyText|Body|Expression|QueryString)$")
TEXT_DOCUMENTS = re.compile(r"(?i)^(Expression|QueryString)$")


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
    check: Callable[[Any, Request, policies.Context], list[str]]
    refusal: Callable[[list[str]], Refusal]


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


def joined(prefix: str) -> Callable[[list[str]], str]:
    return lambda found: f"{prefix}{'; '.join(found)}"


def refused(code: str, prefix: str = "") -> Callable[[list[str]], Refusal]:
    return lambda found: Refusal(code, joined(prefix)(found))


IAM_MALFORMED = refused("MalformedPolicyDocument")
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
             lambda text, request, context: logs_insights.problems(text), logs_insights.refusal),
    Document("ECS container definitions", "ecs", "RegisterTaskDefinition", member("containerDefinitions"),
             lambda containers, request, context: task_definitions.problems(request.params),
             task_definitions.refusal),
)


def documents_of(request: Request) -> list[Document]:
    return [document for document in DOCUMENTS
            if document.model == request.model_name and document.operation == request.operation]


def document_members(value: Any, path: str = "") -> Iterator[str]:
    """Paths of the string members of a request that look like documents."""
    if isinstance(value, dict):
        attribute, text = value.get("AttributeName"), value.get("AttributeValue")  # SNS's Set*Attributes
        if isinstance(attribute, str) and isinstance(text, str) and DOCUMENT_MEMBER.match(attribute) and \
                text.lstrip()[:1] in ("{", "["):
            yield f"{path}.AttributeValue" if path else "AttributeValue"
        for key, item in value.items():
            if key == "AttributeValue":
                continue
            where = f"{path}.{key}" if path else key
            if isinstance(item, str) and DOCUMENT_MEMBER.match(key) and (
                    TEXT_DOCUMENTS.match(key) or item.lstrip()[:1] in ("{", "[")):
                yield where
            else:
                yield from document_members(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from document_members(item, f"{path}.{index}")


def unvalidated(request: Request, located: list[Located]) -> list[str]:
    """The document-like members of `request` that no validator read (a validator that read a member read
    everything inside it)."""
    read = [item.path for item in located]
    return [path for path in document_members(request.params)
            if not any(path == done or path.startswith(f"{done}.") for done in read)]
