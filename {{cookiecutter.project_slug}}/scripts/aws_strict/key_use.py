"""A log group's KMS key, as CloudWatch Logs checks it when the group is created or associated with a key:
the key's policy must let the service principal logs.<region>.amazonaws.com encrypt for that log group.
Otherwise CreateLogGroup and AssociateKmsKey fail with "The specified KMS key does not exist or is not
allowed to be used with Arn ...", the classic first deploy that stops at its log group.

Statements are read as KMS reads them for this one question: Allow, the service principal, an action that
covers kms:GenerateDataKey, and conditions on the log group's encryption context (ArnEquals, ArnLike,
StringEquals, StringLike on kms:EncryptionContext:aws:logs:arn). A condition on any other key cannot be
decided here; such a statement is taken as allowing, and the check reports it as advice."""
from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable

from aws_strict.errors import ADVICE, Refusal
from aws_strict.policies import listed

CONTEXT_KEY = "kms:encryptioncontext:aws:logs:arn"
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "arnequals": lambda value, pattern: value == pattern,
    "stringequals": lambda value, pattern: value == pattern,
    "arnlike": lambda value, pattern: fnmatch.fnmatchcase(value, pattern),
    "stringlike": lambda value, pattern: fnmatch.fnmatchcase(value, pattern),
}


def refusal(found: list[str]) -> Refusal:
    return Refusal("AccessDeniedException", "; ".join(found))


def covers_generate_data_key(actions: list[str]) -> bool:
    return any(fnmatch.fnmatchcase("kms:generatedatakey", str(action).lower()) for action in actions)


def names_principal(statement: dict, principal: str) -> bool:
    principals = statement.get("Principal", {})
    if principals == "*":
        return True
    return isinstance(principals, dict) and principal in listed(principals.get("Service", []))


def condition_verdict(conditions: dict, log_group_arn: str) -> bool | None:
    """True or False when the conditions decide for this log group; None when one cannot be decided here."""
    for operator, keys in conditions.items():
        for key, patterns in keys.items():
            if key.lower() != CONTEXT_KEY or operator.lower() not in OPERATORS:
                return None
            if not any(OPERATORS[operator.lower()](log_group_arn, str(pattern)) for pattern in listed(patterns)):
                return False
    return True


def log_group_problems(key_policy: str | None, log_group_arn: str, region: str) -> list[str]:
    """Why CloudWatch Logs could not use a key with this policy for this log group."""
    if key_policy is None:
        return [f"The specified KMS key does not exist or is not allowed to be used with Arn '{log_group_arn}'"]
    principal = f"logs.{region}.amazonaws.com"
    undecided = False
    for statement in listed(json.loads(key_policy).get("Statement", [])):
        if statement.get("Effect") != "Allow" or not names_principal(statement, principal) or \
                not covers_generate_data_key(listed(statement.get("Action", []))):
            continue
        verdict = condition_verdict(statement.get("Condition", {}), log_group_arn)
        if verdict:
            return []
        undecided = undecided or verdict is None
    if undecided:
        return [f"{ADVICE}the key policy lets {principal} use the key under conditions this check cannot decide"]
    return [f"The specified KMS key does not exist or is not allowed to be used with Arn '{log_group_arn}': its "
            f"policy does not let {principal} use it for this log group"]
