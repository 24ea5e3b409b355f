"""Records every AWS call the emulator answers, so that each one can later be judged against IAM.

`Recorder` is WSGI middleware in front of moto: it writes one JSON line per request (who signed it, the
raw request, the status and the raw response). `read_calls` turns those lines back into `Call`s with the
operation and its parameters parsed from AWS's own service models, the same ones the SDKs serialise with.
"""
from __future__ import annotations

import base64
import io
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Request headers worth keeping: signing, routing and the ones S3 and JSON protocols carry parameters in.
KEPT_HEADERS = ("authorization", "x-amz-target", "content-type", "x-amz-security-token", "host",
                "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "if-none-match",
                "smithy-protocol", "x-amz-account-id")


class Recorder:
    """WSGI middleware: pass each request to the emulator and append it, with its response, to a file."""

    def __init__(self, app: Callable, path: Path) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()
        self.sequence = itertools.count(1)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = dict(headers)
            return start_response(status, headers, exc_info)

        response = b"".join(self.app(environ, capture))
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            self.write({
                "method": environ["REQUEST_METHOD"],
                # A request that came through HTTP_PROXY names its whole URL: keep the path only.
                "path": urlsplit(environ.get("RAW_URI", path)).path or path,
                "query": environ.get("QUERY_STRING", ""),
                "headers": {name: environ[key] for name in KEPT_HEADERS
                            if (key := "HTTP_" + name.upper().replace("-", "_")) in environ or
                            (key := name.upper().replace("-", "_")) in environ},
                "body": base64.b64encode(body).decode(),
                "status": captured.get("status", 500),
                "response_content_type": captured.get("headers", {}).get("Content-Type", ""),
                "response": base64.b64encode(response).decode(),
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

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


# SigV4 signing names -> botocore service model names, where they differ.
SERVICE_MODELS = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
}


def signing_scope(authorization: str) -> tuple[str, str, str]:
    """(access key, region, signing name) from a SigV4 Authorization header."""
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    access_key, _date, region, service, _ = credential.split("/")
    return access_key, region, service


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

    if "authorization" in raw["headers"]:
        access_key, region, service = signing_scope(raw["headers"]["authorization"])
    else:
        access_key, region, service = "", "", "sts"
    body = base64.b64decode(raw["body"])
    response = base64.b64decode(raw["response"])
    model_name = SERVICE_MODELS.get(service, service)
    if service == "elasticloadbalancing" and b"Version=2012-06-01" in body:
        model_name = "elb"
    if service == "s3" and raw["path"].startswith("/v20180820/"):
        model_name = "s3control"
    operation, params = protocols.parse_request(model_name, raw, body)
    parsed_response = protocols.parse_response(model_name, operation, raw, response) if operation else {}
    return Call(raw["sequence"], access_key, service, region, operation or "?", params, raw["status"],
                parsed_response, raw)


def form_fields(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
