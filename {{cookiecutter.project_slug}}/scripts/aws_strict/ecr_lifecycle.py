"""ECR lifecycle policies as PutLifecyclePolicy checks them (the ECR user guide's "Lifecycle policy
properties"): the rules' fields and values, unique priorities, the `any` rule last, one rule for untagged
images, tag lists only with `tagged`, count units only with age-based counts, at most four wildcards."""
from __future__ import annotations

import json

from aws_strict.errors import Refusal

RULE_FIELDS = {"rulePriority", "description", "selection", "action"}
SELECTION_FIELDS = {"tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType", "countUnit",
                    "countNumber"}
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
AGE_COUNT_TYPES = COUNT_TYPES[1:]
ACTIONS = ("expire", "transition")


def refusal(found: list[str]) -> Refusal:
    return Refusal("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy "
                   f"constraint: 'Lifecycle policy validation failure: {'; '.join(found)}'")


def problems(text: str) -> list[str]:
    try:
        policy = json.loads(text)
    except ValueError:
        return ["Could not map policyString into LifecyclePolicy."]
    if not isinstance(policy, dict):
        return ["Could not map policyString into LifecyclePolicy."]
    if not isinstance(policy.get("rules"), list) or not policy["rules"]:
        return ['object has missing required properties (["rules"])']
    found = [problem for rule in policy["rules"] for problem in rule_problems(rule)]
    rules = [rule for rule in policy["rules"] if isinstance(rule, dict) and isinstance(rule.get("selection"), dict)]
    priorities = [rule.get("rulePriority") for rule in rules]
    if len(set(priorities)) != len(priorities):
        found.append(f"rulePriority values must be unique, got {priorities}")
    statuses = [rule["selection"].get("tagStatus") for rule in rules]
    if statuses.count("untagged") > 1:
        found.append("Only one rule can select untagged images")
    for rule in rules:
        if rule["selection"].get("tagStatus") == "any" and rule.get("rulePriority") != max(
                (item for item in priorities if isinstance(item, int)), default=None):
            found.append("Rule for tagStatus=any must have the highest rulePriority")
    return found


def rule_problems(rule: object) -> list[str]:
    if not isinstance(rule, dict):
        return ["a rule is not an object"]
    found = []
    missing = sorted({"rulePriority", "selection", "action"} - rule.keys())
    if missing:
        found.append(f"object has missing required properties ({json.dumps(missing)})")
    extra = sorted(rule.keys() - RULE_FIELDS)
    if extra:
        found.append(f"object instance has properties which are not allowed by the schema: ({json.dumps(extra)})")
    priority = rule.get("rulePriority")
    if "rulePriority" in rule and (not isinstance(priority, int) or isinstance(priority, bool) or priority < 1):
        found.append(f"rulePriority must be an integer of at least 1, got {priority!r}")
    selection, action = rule.get("selection"), rule.get("action")
    if isinstance(selection, dict):
        found += selection_problems(selection)
    if isinstance(action, dict) and action.get("type") not in ACTIONS:
        found.append(enum_problem(action.get("type"), ACTIONS))
    return found


def selection_problems(selection: dict) -> list[str]:
    found = []
    extra = sorted(selection.keys() - SELECTION_FIELDS)
    if extra:
        found.append(f"object instance has properties which are not allowed by the schema: ({json.dumps(extra)})")
    if any(value is None for value in selection.values()):
        found.append("instance failed to match exactly one schema (a field is null)")
    return found + tag_problems(selection) + count_problems(selection)


def enum_problem(value: object, allowed: tuple[str, ...]) -> str:
    return f"instance value ({value}) not found in enum :(possible values: {json.dumps(allowed)})"


def tag_problems(selection: dict) -> list[str]:
    found = []
    status = selection.get("tagStatus")
    if status not in TAG_STATUSES:
        found.append(enum_problem(status, TAG_STATUSES))
    tag_lists = [name for name in ("tagPatternList", "tagPrefixList") if selection.get(name)]
    if status == "tagged" and not tag_lists:
        found.append("Must specify tagPrefixList or tagPatternList when tagStatus=tagged")
    if status in ("untagged", "any") and tag_lists:
        found.append(f"{tag_lists[0]} may only be given when tagStatus=tagged")
    for pattern in selection.get("tagPatternList") or []:
        if str(pattern).count("*") > 4:
            found.append(f"tag pattern {pattern!r} has more than four wildcards")
    return found


def count_problems(selection: dict) -> list[str]:
    found = []
    count_type = selection.get("countType")
    if count_type not in COUNT_TYPES:
        found.append(enum_problem(count_type, COUNT_TYPES))
    if count_type in AGE_COUNT_TYPES and selection.get("countUnit") != "days":
        found.append(f"countUnit must be days when countType is {count_type}")
    if count_type == "imageCountMoreThan" and "countUnit" in selection:
        found.append("countUnit may only be given with an age-based countType")
    number = selection.get("countNumber")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        found.append(f"numeric instance is lower than the required minimum (minimum: 1, found: {number!r})")
    return found
