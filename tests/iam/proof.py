"""The permission proof: every AWS call the pipeline roles made in the emulated account, judged with a real
IAM policy evaluator against the roles' policies as the bootstrap applied them, and against the resource
policies that apply (role trust policies, KMS key policies, the state bucket's policy).

The emulator enforces no IAM, so the calls themselves succeed; the proof decides whether AWS would have
allowed each one. A call the model cannot build an authorization for is reported, never passed.
"""
from __future__ import annotations

import fnmatch
import json
from collections import Counter
from dataclasses import dataclass, field

from tests.emulator.recording import Call
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
    unknown_actions: Counter = field(default_factory=Counter)

    @property
    def denied(self) -> list[Judged]:
        return [item for item in self.judged if not item.decision.allowed]

    def summary(self) -> str:
        roles = Counter(item.role for item in self.judged)
        calls = len({(item.role, item.call.sequence) for item in self.judged})
        return (f"{calls} calls, {len(self.judged)} authorizations judged "
                f"({', '.join(f'{role}: {count}' for role, count in sorted(roles.items()))}), "
                f"{len(self.denied)} denied, {sum(self.unmodelled.values())} unmodelled")


def role_policies(iam, role_name: str) -> dict[str, dict]:
    """The role's inline policies and the default versions of its attached managed policies."""
    policies = {}
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        policies[f"inline {name}"] = json.loads(document) if isinstance(document, str) else document
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        policies[f"managed {attached['PolicyName']}"] = json.loads(document) if isinstance(document, str) else document
    return policies


def sessions(calls: list[Call]) -> dict[str, tuple[str, str]]:
    """Access key -> (role ARN, session ARN), from the AssumeRoleWithWebIdentity answers."""
    found = {}
    for call in calls:
        if call.operation == "AssumeRoleWithWebIdentity" and call.succeeded:
            result = call.response.get("Credentials", {})
            found[result.get("AccessKeyId")] = (call.params["RoleArn"], call.response["AssumedRoleUser"]["Arn"])
    return found


def prove(calls: list[Call], steps, policies: dict[str, dict[str, dict]], account: str) -> Proof:
    """Judge every call made as one of the roles in `policies` (role ARN -> policies), or to sign in to one.
    `steps` maps a call's sequence number to the name of the step that made it."""
    model = Model(account)
    keys = sessions(calls)
    proof = Proof()
    pending: list[tuple[Call, str, str, Authorization, Request]] = []
    for call in calls:
        signing_in = call.operation == "AssumeRoleWithWebIdentity"
        role_arn, principal = keys.get(call.access_key, (None, None))
        if signing_in:
            role_arn = call.params.get("RoleArn")
        if role_arn in policies:
            found = model.authorizations(call, principal or "")
            role = role_arn.rsplit("/", 1)[-1]
            if found is None:
                proof.unmodelled[(role, call.service, call.operation)] += 1
            for authorization in found or []:
                if not known_action(authorization.action):
                    proof.unknown_actions[authorization.action] += 1
                    continue
                pending.append((call, steps(call.sequence), role, authorization, Request(
                    principal=authorization.principal or principal, action=authorization.action,
                    resource=authorization.resource, account=account, context=authorization.context,
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
