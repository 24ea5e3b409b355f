"""IAM's size quotas, measured the way IAM measures them: characters of the policy JSON, whitespace not
counted (IAM User Guide, "IAM and AWS STS quotas")."""
from __future__ import annotations

import json
from dataclasses import dataclass

INLINE_POLICIES_PER_ROLE = 10_240  # all inline policies of one role together
MANAGED_POLICY = 6_144  # each customer managed policy
MANAGED_POLICIES_PER_ROLE = 10  # attached to one role (the default quota)
TRUST_POLICY = 2_048  # a role's trust policy (the default quota)


def size(policy: dict | str) -> int:
    text = policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))
    return len("".join(text.split()))


@dataclass(frozen=True)
class Usage:
    what: str
    used: int
    quota: int

    @property
    def share(self) -> float:
        return self.used / self.quota

    def __str__(self) -> str:
        return f"{self.what}: {self.used:,} of {self.quota:,} ({self.share:.0%})"


def role_usage(role: str, policies: dict[str, dict], trust: dict) -> list[Usage]:
    """Every quota a role's policies count against. `policies` names are 'inline X' or 'managed X'."""
    inline = [policy for name, policy in policies.items() if name.startswith("inline ")]
    managed = {name: policy for name, policy in policies.items() if name.startswith("managed ")}
    usage = [
        Usage(f"{role} inline policies together", sum(size(policy) for policy in inline), INLINE_POLICIES_PER_ROLE),
        Usage(f"{role} attached managed policies", len(managed), MANAGED_POLICIES_PER_ROLE),
        Usage(f"{role} trust policy", size(trust), TRUST_POLICY),
    ]
    usage += [Usage(f"{role} {name}", size(policy), MANAGED_POLICY) for name, policy in managed.items()]
    return usage
