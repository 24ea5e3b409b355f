"""Records every AWS call the emulator answers, so that each one can later be judged against IAM.

`Recorder` is WSGI middleware in front of moto: it writes one JSON line per request (who signed it, the
raw request, the status and the raw response). `read_calls` turns those lines back into `Call`s with the
operation and its parameters parsed from AWS's own service models, the same ones the SDKs serialise with.
"""
from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aws_strict import requests
from aws_strict.strict import VALIDATION_HEADER, request_body


class Recorder:
    """WSGI middleware: pass each request to the emulator and append it, with its response, to a file."""

    def __init__(self, app: Callable, path: Path) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()
        self.sequence = itertools.count(1)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = request_body(environ)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = dict(headers)
            return start_response(status, headers, exc_info)

        response = b"".join(self.app(environ, capture))
        if not environ.get("PATH_INFO", "").startswith(("/moto-api", "/emulator-api")):
            headers = captured.get("headers", {})
            self.write({
                **requests.raw_request(environ, body),
                "status": captured.get("status", 500),
                "response_content_type": headers.get("Content-Type", ""),
                "response": base64.b64encode(response).decode(),
                "validation": json.loads(headers.get(VALIDATION_HEADER, "null")),
            })
        return [response]

    def write(self, entry: dict) -> None:
        with self.lock:
            entry["sequence"] = next(self.sequence)
            with self.path.open("a") as handle:
                handle.write(json.dumps(entry) + "\n")


@dataclass
class Call:
    """One AWS API call as the emulator saw it."""

    sequence: int
    access_key: str
    service: str  # the SigV4 signing name: ec2, elasticloadbalancing, monitoring, ...
    region: str
    operation: str
    params: dict
    status: int
    response: dict = field(repr=False)
    raw: dict = field(repr=False)
    validation: dict | None = field(default=None, repr=False)  # what the strict layer checked, if it saw it

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


def read_raw(path: Path) -> Iterator[dict]:
    if path.exists():
        with path.open() as handle:
            for line in handle:
                yield json.loads(line)


def read_calls(path: Path, since: int = 0) -> list[Call]:
    """Every signed call recorded after sequence number `since`, parsed."""
    calls = []
    for raw in read_raw(path):
        if raw["sequence"] > since and ("authorization" in raw["headers"] or signs_in(raw)):
            calls.append(parse_call(raw))
    return calls


def signs_in(raw: dict) -> bool:
    """An unsigned call that matters: a web identity exchanging its token for a role's credentials."""
    return b"Action=AssumeRoleWithWebIdentity" in base64.b64decode(raw["body"])


def last_sequence(path: Path) -> int:
    return max((raw["sequence"] for raw in read_raw(path)), default=0)


def parse_call(raw: dict) -> Call:
    from tests.emulator import protocols  # botocore and moto load slowly; only the readers need them

    access_key, region, service = requests.signing_scope(raw["headers"].get("authorization", ""))
    body = base64.b64decode(raw["body"])
    request = requests.parse(raw, body)
    response = base64.b64decode(raw["response"])
    parsed_response = protocols.parse_response(request.model_name, request.operation, raw, response) \
        if request.operation else {}
    return Call(raw["sequence"], access_key, service, region, request.operation or "?", request.params, raw["status"],
                parsed_response, raw, raw.get("validation"))


def form_fields(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))


@dataclass
class ValidationReport:
    """What the strict layer checked of the requests recorded after a point: how many it read against their
    service model, the documents it validated by kind, what it refused, and what it left unvalidated."""

    requests: int = 0
    validated: int = 0
    documents: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    unvalidated: dict[str, int] = field(default_factory=dict)
    advice: dict[str, int] = field(default_factory=dict)  # what AWS accepts but looks wrong, unexplained
    explained_advice: int = 0  # advice aws_strict.documents.EXPLAINED_ADVICE gives the reason for

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.documents.items()))
        return (f"{self.validated} of {self.requests} requests validated against their service model, "
                f"{sum(self.documents.values())} documents ({kinds}), {len(self.refused)} refused, "
                f"{sum(self.unvalidated.values())} unvalidated, {len(self.advice)} kinds of advice "
                f"({self.explained_advice} explained)")


def validation_report(path: Path, since: int = 0) -> ValidationReport:
    report = ValidationReport()
    for raw in read_raw(path):
        if raw["sequence"] <= since:
            continue
        verdict = raw.get("validation")
        if verdict and verdict.get("tunnel"):
            continue  # a tunnel to another host, refused (not an AWS request)
        report.requests += 1
        if verdict is None:
            where = f"{raw['method']} {raw['path']}: never reached the strict layer"
            report.unvalidated[where] = report.unvalidated.get(where, 0) + 1
            continue
        report.validated += bool(verdict.get("shape"))
        for kind in verdict.get("documents", []):
            report.documents[kind] = report.documents.get(kind, 0) + 1
        if verdict.get("refused"):
            message = base64.b64decode(raw["response"]).decode(errors="replace")
            report.refused.append(f"{verdict.get('operation')} ({verdict['refused']}): {message[:600]}")
        for item in verdict.get("unvalidated", []):
            report.unvalidated[item] = report.unvalidated.get(item, 0) + 1
        for item in verdict.get("advice", []):
            report.advice[item] = report.advice.get(item, 0) + 1
        report.explained_advice += verdict.get("explained advice", 0)
    return report
