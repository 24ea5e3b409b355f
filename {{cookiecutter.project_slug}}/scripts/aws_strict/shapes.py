"""A request's parameters against the constraints of AWS's published service model (botocore's copy): required
members, enum values, string and blob lengths, patterns, numeric ranges, list and map sizes.

The SDKs check little of this before sending (botocore only required members, types and minimums; the Go SDK
of the Terraform provider only required members), while the service refuses every request that breaks one,
with a message of the form "1 validation error detected: Value '...' at 'member' failed to satisfy
constraint: Member must ...". `violations` returns those messages.
"""
from __future__ import annotations

import functools
import re
from typing import Any

# Java regular expressions, as the models write them, that Python's `re` reads otherwise: a surrogate pair
# range means every supplementary character; Unicode categories and POSIX classes are spelled out (\w for
# letters and numbers is a little wider: it adds the underscore and combining marks); Java reads "-" right
# after a class as a literal hyphen.
JAVA_TO_PYTHON = (
    (r"\uD800\uDC00-\uDBFF\uDFFF", "\U00010000-\U0010FFFF"),
    (r"\p{L}", r"\w"), (r"\p{N}", r"\w"),
    (r"\p{Z}", " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"),
    (r"\p{Print}", r"[\x20-\x7e]"), (r"\p{ASCII}", r"[\x00-\x7f]"),
    (r"[\w-_]", r"[\w_-]"),
)


class UncheckedPattern(Exception):
    """A pattern of the model that this checker cannot read: reported, never passed silently."""


@functools.cache
def compiled(pattern: str) -> re.Pattern:
    translated = pattern
    for java, python in JAVA_TO_PYTHON:
        translated = translated.replace(java, python)
    try:
        return re.compile(translated, re.DOTALL)
    except re.error as error:
        raise UncheckedPattern(f"{pattern!r}: {error}") from error


def shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def violations(shape: Any, value: Any, path: str = "", unchecked: list[str] | None = None) -> list[str]:
    """Every constraint of `shape` that `value` breaks, as AWS words it. Patterns this checker cannot read
    go to `unchecked`."""
    if shape is None or value is None:
        return []
    at = f"Value '{shown(value)}' at '{path}' failed to satisfy constraint: Member must"
    kind = shape.type_name
    if kind == "structure":
        return structure_violations(shape, value, path, unchecked)
    if kind == "list":
        return size_violations(shape.metadata, len(value), at, "length") + [
            problem for index, item in enumerate(value, start=1)
            for problem in violations(shape.member, item, f"{path}.{index}.member", unchecked)]
    if kind == "map":
        return size_violations(shape.metadata, len(value), at, "length") + [
            problem for key, item in value.items()
            for problem in violations(shape.key, key, f"{path}.{key}.key", unchecked)
            + violations(shape.value, item, f"{path}.{key}.value", unchecked)]
    if kind == "string":
        return string_violations(shape, value, at, unchecked)
    if kind == "blob":
        return size_violations(shape.metadata, len(value), at, "length")
    if kind in ("integer", "long", "float", "double"):
        return size_violations(shape.metadata, value, at, "value")
    return []


def structure_violations(shape: Any, value: dict, path: str, unchecked: list[str] | None) -> list[str]:
    found = [f"Value null at '{member_path(path, name)}' failed to satisfy constraint: Member must not be null"
             for name in shape.required_members if value.get(name) is None]
    for name, item in value.items():
        if name in shape.members:
            found += violations(shape.members[name], item, member_path(path, name), unchecked)
    return found


def string_violations(shape: Any, value: str, at: str, unchecked: list[str] | None) -> list[str]:
    found = size_violations(shape.metadata, len(value), at, "length")
    if shape.enum and value not in shape.enum:
        found.append(f"{at} satisfy enum value set: [{', '.join(shape.enum)}]")
    pattern = shape.metadata.get("pattern")
    if pattern:
        try:
            if not compiled(pattern).fullmatch(value):
                found.append(f"{at} satisfy regular expression pattern: {pattern}")
        except UncheckedPattern as error:
            if unchecked is not None:
                unchecked.append(str(error))
    return found


def size_violations(meta: dict, size: float, at: str, what: str = "length") -> list[str]:
    """The model's min and max, for a length (strings, blobs, lists, maps) or a value (numbers)."""
    found = []
    if "min" in meta and size < meta["min"]:
        found.append(f"{at} have {what} greater than or equal to {meta['min']}")
    if "max" in meta and size > meta["max"]:
        found.append(f"{at} have {what} less than or equal to {meta['max']}")
    return found


def member_path(path: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member


def message(found: list[str]) -> str:
    """AWS's summary of a request's validation errors (it lists at most ten)."""
    count = len(found)
    shown_errors = "; ".join(found[:10])
    return f"{count} validation error{'s' if count > 1 else ''} detected: {shown_errors}"
