"""The permission proof: every AWS call the pipeline roles made in the emulated account, judged with a real
IAM policy evaluator against the roles' policies as the bootstrap applied them, and against the resource
policies that apply (role trust policies, KMS key policies, the state bucket's policy).

The emulator enforces no IAM, so the calls themselves succeed; the proof decides whether AWS would have
allowed each one. A call the model cannot build an authorization for, one whose parameters could not be
read, and one signed by a key the proof cannot trace to a role or an administrator are reported, never passed.
"""
from __future__ import annotations

import base64
import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from tests.emulator.recording import Call  # first: importing tests.emulator puts aws_strict on the import path
from aws_strict import requests
from tests.iam.authorization import Authorization, Model, known_action
from tests.iam.evaluator import Decision, Request, evaluate


@dataclass
class Judged:
    call: Call
    step: str
    role: str
    authorization: Authorization
    decision: Decision


@dataclass
class Proof:
    judged: list[Judged] = field(default_factory=list)
    unmodelled: Counter = field(default_factory=Counter)  # (role, service, operation) -> calls
    unreadable: Counter = field(default_factory=Counter)  # (role, service, operation, why) -> calls
    unknown_actions: Counter = field(default_factory=Counter)
    unknown_signers: Counter = field(default_factory=Counter)  # (signer, service, operation) -> calls

    @property
    def denied(self) -> list[Judged]:
        return [item for item in self.judged if not item.decision.allowed]

    def summary(self) -> str:
        roles = Counter(item.role for item in self.judged)
        calls = len({(item.role, item.call.sequence) for item in self.judged})
        return (f"{calls} calls, {len(self.judged)} authorizations judged "
                f"({', '.join(f'{role}: {count}' for role, count in sorted(roles.items()))}), "
                f"{len(self.denied)} denied, {sum(self.unmodelled.values())} unmodelled, "
                f"{sum(self.unreadable.values())} unreadable, {sum(self.unknown_signers.values())} by unknown signers")


def parsed(document: str | dict) -> dict:
    """A policy document as IAM returns it (boto3 decodes most, not all): always a mapping."""
    return json.loads(document) if isinstance(document, str) else document


def managed_policy(iam, arn: str) -> dict:
    """The default version of a customer managed policy."""
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return parsed(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def role_policies(iam, role_name: str) -> dict[str, dict]:
    """The role's inline policies and the default versions of its attached managed policies."""
    policies = {}
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        policies[f"inline {name}"] = parsed(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"])
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policies[f"managed {attached['PolicyName']}"] = managed_policy(iam, attached["PolicyArn"])
    return policies


def sessions(calls: list[Call]) -> dict[str, tuple[str, str]]:
    """Access key -> (role ARN, session ARN), from the AssumeRoleWithWebIdentity answers."""
    found = {}
    for call in calls:
        if call.operation == "AssumeRoleWithWebIdentity" and call.succeeded:
            result = call.response.get("Credentials", {})
            found[result.get("AccessKeyId")] = (call.params["RoleArn"], call.response["AssumedRoleUser"]["Arn"])
    return found


def unreadable_parameters(call: Call) -> str:
    """Why the call's parameters cannot be what it sent, or "" when they can: a parameter its operation
    requires is missing, or the reader failed (recording.py keeps such a call, with no parameters)."""
    from moto.core.utils import get_service_model  # moto loads slowly; only a proof needs it here

    body = base64.b64decode(call.raw.get("body", ""))
    try:
        operation = get_service_model(requests.model_name(call.raw, body)).operation_model(call.operation)
    except Exception:  # noqa: BLE001 - a service or operation the models do not know
        return f"no operation {call.operation} in the service model"
    missing = [name for name in getattr(operation.input_shape, "required_members", []) if name not in call.params]
    if missing:
        return f"required parameters missing: {', '.join(missing)}"
    if call.params:
        return ""
    parsed = requests.parse(call.raw, body)
    if parsed.unreadable:
        return parsed.unreadable
    return "the request carries data but no parameter was read from it" if carries_data(parsed.protocol, body) else ""


def carries_data(protocol: str, body: bytes) -> bool:
    """Whether a request body holds anything beyond its operation's name."""
    if protocol in ("query", "ec2"):
        return bool({name for name, _ in parse_qsl(body.decode(errors="replace"))} - {"Action", "Version"})
    return body.strip() not in (b"", b"{}", b"\xa0", b"\xbf\xff")  # an empty JSON or CBOR map


def account_of(arn: str | None) -> str | None:
    """The account an ARN names, or None for one that names none (S3 buckets, "*")."""
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def prove(calls: list[Call], steps: Callable[[int], str], policies: dict[str, dict[str, dict]], account: str,
          administrators: Mapping[str, str]) -> Proof:
    """Judge every call made as one of the roles in `policies` (role ARN -> policies), or to sign in to one.
    `steps` maps a call's sequence number to the name of the step that made it. `administrators` maps the
    access keys whose calls are not the pipeline's to prove to their accounts; a call signed by any key that
    is neither one of theirs nor a session of a role in `policies` is counted in `unknown_signers`.

    A role's calls are made in the role's account; a request for a resource of another account is judged as
    AWS judges it across accounts: the role's policies and the resource's policy must both allow it."""
    model = Model(account)
    keys = sessions(calls)
    proof = Proof()
    pending: list[tuple[Call, str, str, Authorization, Request]] = []
    for call in calls:
        signing_in = call.operation == "AssumeRoleWithWebIdentity"
        role_arn, session = ((call.params.get("RoleArn"), None) if signing_in
                             else keys.get(call.access_key, (None, None)))
        model.use_account(account_of(role_arn) or administrators.get(call.access_key) or account)
        if role_arn not in policies:
            if not signing_in and call.access_key not in administrators:
                signer = f"a session of {role_arn}" if role_arn else call.access_key
                proof.unknown_signers[(signer, call.service, call.operation)] += 1
        else:
            role = role_arn.rsplit("/", 1)[-1]
            unreadable = unreadable_parameters(call)
            # aws:PrincipalArn is the role's ARN; the principal the evaluator judges is the session.
            found = None if unreadable else model.authorizations(call, "" if signing_in else role_arn)
            if unreadable:
                proof.unreadable[(role, call.service, call.operation, unreadable)] += 1
            elif found is None:
                proof.unmodelled[(role, call.service, call.operation)] += 1
            for authorization in found or []:
                if not known_action(authorization.action):
                    proof.unknown_actions[authorization.action] += 1
                    continue
                pending.append((call, steps(call.sequence), role, authorization, Request(
                    principal=authorization.principal or session, action=authorization.action,
                    resource=authorization.resource, account=account_of(authorization.resource) or model.account,
                    context=authorization.context,
                    identity_policies={} if signing_in else policies[role_arn],
                    resource_policy=authorization.resource_policy,
                    unvalidated_because=authorization.unvalidated_because)))
        model.observe(call)
    decisions = evaluate([request for *_, request in pending])
    for (call, step, role, authorization, _), decision in zip(pending, decisions):
        proof.judged.append(Judged(call, step, role, authorization, decision))
    return proof


def statements_naming(policies: dict[str, dict], action: str) -> list[str]:
    """Each statement that names the action, with its resources and conditions: where a fix would go."""
    found = []
    for name, policy in policies.items():
        statements = policy.get("Statement", [])
        for statement in [statements] if isinstance(statements, dict) else statements:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions):
                found.append(f"{name} / {statement.get('Sid', '(no Sid)')}: Resource={statement.get('Resource')} "
                             f"Condition={json.dumps(statement.get('Condition', {}))}")
    return found


def explain(item: Judged, policies: dict[str, dict]) -> str:
    authorization = item.authorization
    naming = statements_naming(policies, authorization.action) if authorization.principal is None else []
    shown = {key: value for key, value in authorization.context.items() if not key.startswith("aws:Principal")}
    lines = [
        f"step {item.step!r}: call #{item.call.sequence} {item.call.service}:{item.call.operation} as {item.role}",
        f"  needs {authorization.action} on {authorization.resource} ({authorization.why}): "
        f"{item.decision.decision}",
        f"  context: {json.dumps(shown)}",
    ]
    if authorization.resource_policy is not None:
        lines.append("  judged with the resource's policy too (trust, key or bucket policy)")
    for denial in item.decision.denials:
        if denial.get("denialType") == "Explicit":
            lines.append(f"  explicitly denied by {denial.get('policyType')} statement {denial.get('statementId')}")
    if naming:
        lines.append("  statements naming this action, none of which allows this request:")
        lines += [f"    {statement}" for statement in naming]
    elif authorization.principal is None:
        lines.append("  no statement of the role's policies names this action: a statement is missing")
    return "\n".join(lines)
