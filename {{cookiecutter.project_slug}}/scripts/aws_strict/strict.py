"""WSGI middleware in front of moto that refuses what AWS would refuse before acting: a request that breaks
its service model's constraints, or that carries a document its service would not accept.

Every answer carries an `x-emulator-validation` header (JSON) saying what was checked, so a recording of the
calls can count them; `GET /emulator-api/validation` gives the totals since the emulator started. Requests
whose parameters could not be read, document-like members no validator read and model patterns that could
not be checked are counted as unvalidated: nothing passes unread without being reported. What a service
accepts but is still wrong (an action that does not exist, a saved query that cannot run) is not refused:
it is reported as advice.
"""
from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from aws_strict import documents, shapes
from aws_strict.errors import ADVICE, Refusal, response, shape_refusal
from aws_strict.policies import Context
from aws_strict.requests import Request, parse, raw_request, signing_scope

VALIDATION_HEADER = "x-emulator-validation"
# Model constraints the service does not enforce as the model writes them, each with the reason we know.
NOT_ENFORCED = {
    # S3 Control tags general purpose buckets by their regionless ARN (arn:aws:s3:::name) since S3 added
    # tagging for them; the model's pattern, older, requires a region. The provider tags every bucket so.
    ("s3control", "resourceArn"): "Member must satisfy regular expression pattern",
}
VALIDATION_PATH = "/emulator-api/validation"


class Tally:
    """Counts of what was validated, refused and left unvalidated, since the emulator started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.unvalidated: Counter[str] = Counter()
        self.advice: Counter[str] = Counter()

    def add(self, verdict: dict) -> None:
        with self.lock:
            self.counts["requests"] += 1
            self.counts["requests validated against the service model"] += bool(verdict.get("shape"))
            self.counts["requests refused"] += bool(verdict.get("refused"))
            for kind in verdict.get("documents", []):
                self.counts[f"documents: {kind}"] += 1
            for item in verdict.get("unvalidated", []):
                self.unvalidated[item] += 1
            for item in verdict.get("advice", []):
                self.advice[item] += 1
            self.counts["advice explained (scripts/aws_strict/documents.py)"] += verdict.get("explained advice", 0)

    def tunnel(self) -> None:
        with self.lock:
            self.counts["tunnels refused (CONNECT: the emulator reaches no other host)"] += 1

    def bypassed(self) -> None:
        with self.lock:
            self.counts["requests to moto's own API (not AWS's, not validated)"] += 1

    def report(self) -> dict:
        with self.lock:
            return {"counts": dict(self.counts), "unvalidated": dict(self.unvalidated), "advice": dict(self.advice)}


def account_context(request: Request, region: str, environ: dict) -> Context:
    """What the policy checks need of the emulated account the caller signs in to (moto serves a call from
    the account its access key belongs to): its ID, the bucket or topic a resource policy belongs to, and
    whether a role or user exists, in whichever emulated account its ARN names."""
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.kms.models import kms_backends

    access_key = signing_scope(environ.get("HTTP_AUTHORIZATION", ""))[0]
    account = get_account_id_from(access_key)

    def principal_exists(arn: str) -> bool | None:
        backend = iam_backends[arn.split(":")[4]]["global"]
        name = arn.rsplit("/", 1)[-1]
        if ":role/" in arn:
            return any(role.name == name for role in backend.roles.values())
        if ":user/" in arn:
            return name in backend.users
        return None

    def key_policy(key: str) -> str | None:
        backend = kms_backends[account][region]
        try:
            return backend.describe_key(key).policy
        except Exception:  # noqa: BLE001 - moto's own "not found" errors: no such key
            return None

    def parameter_group_family(name: str) -> str | None:
        from moto.rds.models import rds_backends

        group = rds_backends[account][region].db_parameter_groups.get(name)
        return group.family if group else None

    bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
    host = environ.get("HTTP_HOST", "")
    if ".s3." in host or host.endswith(".s3.amazonaws.com"):
        bucket = host.split(".s3", 1)[0]
    topic = str(request.params.get("Name") or request.params.get("TopicArn", "")).rsplit(":", 1)[-1]
    return Context(account, region=region, bucket=bucket, topic=topic, principal_exists=principal_exists,
                   key_policy=key_policy, parameter_group_family=parameter_group_family)


def advice_of(advice: list[str]) -> dict:
    """The advice to show, and how much was explained (documents.EXPLAINED_ADVICE) and is only counted."""
    shown = [item for item in advice if not documents.explained(item)]
    return {"advice": shown, "explained advice": len(advice) - len(shown)}


def judge(request: Request, region: str, environ: dict) -> tuple[dict, Refusal | None]:
    """What was checked of `request`, and the refusal AWS would answer it with, if any."""
    from moto.core.utils import get_service_model

    if request.operation is None:
        return {"unvalidated": [f"{request.model_name}: a request that names no operation ({environ['REQUEST_METHOD']} "
                                f"{environ.get('PATH_INFO', '')}, {environ.get('CONTENT_LENGTH') or 0} bytes)"]}, None
    if request.unreadable:
        return {"unvalidated": [f"{request.model_name}:{request.operation}: parameters unreadable "
                                f"({request.unreadable[:120]})"]}, None
    verdict: dict[str, Any] = {"operation": f"{request.model_name}:{request.operation}", "shape": True}
    unchecked: list[str] = []
    input_shape = get_service_model(request.model_name).operation_model(request.operation).input_shape
    found = [problem for problem in shapes.violations(input_shape, request.params, unchecked=unchecked)
             if not not_enforced(request.model_name, problem)]
    verdict["unvalidated"] = [f"{verdict['operation']}: pattern {item}" for item in unchecked]
    if found:
        return {**verdict, "refused": "shape"}, shape_refusal(request, shapes.message(found))
    located: list[documents.Located] = []
    kinds, advice = [], []
    context = None
    for document in documents.documents_of(request):
        places = document.locate(request.params)
        if not places:
            continue
        context = context or account_context(request, region, environ)
        located += places
        kinds.append(document.kind)
        problems = [problem for place in places for problem in document.check(place.value, request, context)]
        advice += [f"{document.kind}: {problem[len(ADVICE):]}" for problem in problems if problem.startswith(ADVICE)]
        refused = [problem for problem in problems if not problem.startswith(ADVICE)]
        if refused and document.refusal:
            return {**verdict, **advice_of(advice), "documents": kinds, "refused": document.kind}, \
                document.refusal(refused)
    verdict["documents"] = kinds
    verdict.update(advice_of(advice))
    verdict["unvalidated"] += [f"{verdict['operation']}: document {path} has no validator"
                               for path in documents.unvalidated(request, located)]
    return verdict, None


def not_enforced(model_name: str, problem: str) -> bool:
    return any(model == model_name and f"at '{member}' " in problem and constraint in problem
               for (model, member), constraint in NOT_ENFORCED.items())


class StrictAccount:
    """The WSGI app `app`, behind AWS's own request validation."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.tally = Tally()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            self.tally.bypassed()
            return self.app(environ, start_response)
        if environ["REQUEST_METHOD"] == "CONNECT":  # a tunnel through HTTP_PROXY to a host that is not AWS
            self.tally.tunnel()
            start_response("405 Method Not Allowed", [("Content-Length", "0"), (VALIDATION_HEADER, '{"tunnel":true}')])
            return [b""]
        if path == VALIDATION_PATH:
            body = json.dumps(self.tally.report()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        body = request_body(environ)
        raw = raw_request(environ, body)
        request = parse(raw, body)
        region = signing_scope(raw["headers"].get("authorization", ""))[1]
        try:
            verdict, refusal = judge(request, region, environ)
        except Exception as error:  # noqa: BLE001 - a validator that breaks must not pass the request unread
            verdict = {"unvalidated": [f"{request.model_name}:{request.operation}: the validator failed "
                                       f"({type(error).__name__}: {error})"]}
            refusal = None
        self.tally.add(verdict)
        header = (VALIDATION_HEADER, json.dumps(verdict, separators=(",", ":")))
        if refusal:
            status, headers, answer = response(request, refusal)
            start_response(status, [*headers, ("Content-Length", str(len(answer))), header])
            return [answer]

        def with_verdict(status: str, headers: list, exc_info: Any = None) -> Callable:
            return start_response(status, [*headers, header], exc_info)

        return self.app(environ, with_verdict)


def request_body(environ: dict) -> bytes:
    """The whole body, also of a chunked request (no Content-Length), left readable for the app behind."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = environ["wsgi.input"].read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = environ["wsgi.input"].read()
        environ["CONTENT_LENGTH"] = str(len(body))
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body
