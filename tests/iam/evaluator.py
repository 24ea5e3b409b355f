"""Judges authorization requests with a real IAM policy evaluator (evaluate.mjs, @cloud-copilot/iam-simulate).

The evaluator implements AWS's documented evaluation logic, including condition operators, NotAction and
NotResource, explicit denies, and KMS keys whose key policy must allow before IAM policies count. It runs
under Node.js from this directory's pinned, locked npm install (`make test` runs `npm ci` here).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTALL_HINT = "run `make test` (it runs `npm ci --prefix tests/iam`), or `npm ci --prefix tests/iam` by hand"


@dataclass
class Request:
    """One authorization AWS makes: a principal, an action on a resource, in a request context."""

    principal: str
    action: str
    resource: str
    account: str
    context: dict[str, str | list[str]]
    identity_policies: dict[str, dict]
    resource_policy: dict | None = None
    # The principal's permissions boundary, when it has one: then only what it also allows is allowed.
    permission_boundaries: dict[str, dict] = field(default_factory=dict)
    # Set when the evaluator's service data cannot describe this request (see evaluate.mjs): the request
    # is then authorized by the same engine without validating the action's resource types and context keys.
    unvalidated_because: str = ""


@dataclass
class Decision:
    allowed: bool
    decision: str
    grants: list[dict] = field(default_factory=list)
    denials: list[dict] = field(default_factory=list)
    ignored_context_keys: list[str] = field(default_factory=list)
    errors: dict | None = None


def unavailable_reason() -> str | None:
    """Why the evaluator cannot run here, or None when it can."""
    if not shutil.which("node"):
        return "Node.js (node) is not on PATH: install Node.js 20 or newer"
    if not (HERE / "node_modules/@cloud-copilot/iam-simulate").is_dir():
        return f"the IAM evaluator's npm packages are not installed: {INSTALL_HINT}"
    return None


def evaluate(requests: list[Request]) -> list[Decision]:
    """One decision per request, in order. Raises when the evaluator itself fails."""
    if not requests:
        return []
    payload = {"requests": [{
        "id": number, "principal": request.principal, "action": request.action, "resource": request.resource,
        "accountId": request.account, "context": request.context,
        "identityPolicies": [{"name": name, "policy": policy} for name, policy in request.identity_policies.items()],
        "permissionBoundaries": [{"name": name, "policy": policy}
                                 for name, policy in request.permission_boundaries.items()],
        "resourcePolicy": request.resource_policy, "unvalidated": bool(request.unvalidated_because),
    } for number, request in enumerate(requests)]}
    result = subprocess.run(["node", str(HERE / "evaluate.mjs")], input=json.dumps(payload), capture_output=True,
                            text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the IAM evaluator failed ({result.returncode}): {result.stderr[-3000:]}")
    decisions = {}
    for item in json.loads(result.stdout)["results"]:
        decisions[item["id"]] = Decision(
            allowed=item["decision"] == "Allowed", decision=item["decision"], grants=item.get("grants", []),
            denials=item.get("denials", []), ignored_context_keys=item.get("ignoredContextKeys", []),
            errors=item.get("errors"))
    return [decisions[number] for number in range(len(requests))]
