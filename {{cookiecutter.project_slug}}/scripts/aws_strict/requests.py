"""Reads an AWS request (as the emulator received it, or as its recording kept it) into the service model it
belongs to, the operation and its parameters.

The parsing uses AWS's service models as botocore ships them and moto's request parsers for the query, EC2,
JSON and REST protocols, and botocore's CBOR codec for Smithy RPC v2 CBOR (CloudWatch as the Go SDK calls
it), so a parameter reads the same whether the Terraform provider, boto3 or the AWS CLI sent it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# SigV4 signing names -> botocore service model names, where they differ.
SERVICE_MODELS = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
}


# Request headers worth keeping: signing, routing and the ones S3 and JSON protocols carry parameters in.
KEPT_HEADERS = ("authorization", "x-amz-target", "content-type", "x-amz-security-token", "host",
                "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "if-none-match",
                "smithy-protocol", "x-amz-account-id", "content-md5", "x-amz-content-sha256", "content-encoding")


@dataclass(frozen=True)
class Request:
    """One parsed request: `operation` is None when the request names no operation of `model_name`;
    `unreadable` says why its parameters could not be read, if they could not."""

    model_name: str
    protocol: str  # how the caller spoke: query, ec2, json, rest-json, rest-xml or smithy-rpc-v2-cbor
    operation: str | None
    params: dict
    unreadable: str = ""


def raw_request(environ: dict, body: bytes) -> dict:
    """A WSGI request as the recording keeps it: method, path, query string, the kept headers, body."""
    import base64
    from urllib.parse import urlsplit

    path = environ.get("PATH_INFO", "")
    return {
        "method": environ["REQUEST_METHOD"],
        # A request that came through HTTP_PROXY names its whole URL: keep the path only.
        "path": urlsplit(environ.get("RAW_URI", path)).path or path,
        "query": environ.get("QUERY_STRING", ""),
        "headers": {name: environ[key] for name in KEPT_HEADERS
                    if (key := "HTTP_" + name.upper().replace("-", "_")) in environ or
                    (key := name.upper().replace("-", "_")) in environ},
        "body": base64.b64encode(body).decode(),
    }


def signing_scope(authorization: str) -> tuple[str, str, str]:
    """(access key, region, signing name) from a SigV4 Authorization header; an unsigned request is a web
    identity signing in to STS."""
    if "Credential=" not in authorization:
        return "", "", "sts"
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    access_key, _date, region, service, _ = credential.split("/")
    return access_key, region, service


def model_name(raw: dict, body: bytes) -> str:
    """The botocore service model of a request: from its signing name, or STS for an unsigned sign-in."""
    service = signing_scope(raw["headers"].get("authorization", ""))[2]
    if service == "elasticloadbalancing" and b"Version=2012-06-01" in body:
        return "elb"
    if service == "s3" and raw["path"].startswith("/v20180820/"):
        return "s3control"
    return SERVICE_MODELS.get(service, service)


def werkzeug_request(raw: dict, body: bytes) -> Any:
    from moto.core.request import Request as MotoRequest
    from werkzeug.test import EnvironBuilder

    headers = {name: value for name, value in raw["headers"].items() if name != "host"}
    builder = EnvironBuilder(method=raw["method"], path=raw["path"], query_string=raw["query"], headers=headers,
                             data=body, base_url=f"http://{raw['headers'].get('host', 'localhost')}")
    return MotoRequest(builder.get_environ())


def operation_name(service_model: Any, raw: dict, request: Any) -> tuple[str | None, dict]:
    """The operation, and any parameters the URI carries (REST protocols)."""
    from moto.core.routing import get_service_router

    target = raw["headers"].get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1], {}
    if service_model.protocol in ("query", "ec2"):
        return request.values.get("Action"), {}
    if raw["path"].startswith("/service/") and "/operation/" in raw["path"]:  # smithy RPC v2
        return raw["path"].rsplit("/", 1)[-1], {}
    try:
        operation, uri_params = get_service_router(service_model.service_name).match(request)
    except Exception:  # noqa: BLE001 - an unroutable request is reported as unknown, never guessed
        return None, {}
    return operation.name, uri_params


def parse(raw: dict, body: bytes) -> Request:
    """The request's model, protocol, operation and parameters. Parameters that cannot be read stay empty;
    an operation that cannot be named is None."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model
    from werkzeug.datastructures import Headers, MultiDict

    name = model_name(raw, body)
    try:
        service_model = get_service_model(name)
    except Exception:  # noqa: BLE001 - a service moto has no model for
        return Request(name, "", None, {})
    request = werkzeug_request(raw, body)
    operation, uri_params = operation_name(service_model, raw, request)
    if not operation or operation not in service_model.operation_names:
        return Request(name, service_model.protocol, None, {})
    operation_model = service_model.operation_model(operation)
    if raw["headers"].get("smithy-protocol") == "rpc-v2-cbor":
        try:
            params = decode_cbor(body, operation_model.input_shape)
            return Request(name, "smithy-rpc-v2-cbor", operation, to_plain(params))
        except Exception as error:  # noqa: BLE001 - keep the operation; its parameters stay unknown
            return Request(name, "smithy-rpc-v2-cbor", operation, {}, f"{type(error).__name__}: {error}")
    protocol = service_model.protocol
    try:
        protocol = determine_request_protocol(service_model, request.content_type)
        parser = PROTOCOL_PARSERS[protocol](operation_model)
        params = parser.parse({"method": request.method, "values": request.values or MultiDict(),
                               "headers": request.headers or Headers(), "body": body,
                               "url_path": request.path, "url_params": uri_params})
    except Exception as error:  # noqa: BLE001 - keep the operation; its parameters stay unknown
        return Request(name, protocol, operation, {}, f"{type(error).__name__}: {error}")
    return Request(name, protocol, operation, to_plain(params))


def to_plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, whatever container types the parsers used."""
    if hasattr(value, "items"):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


# --- Smithy RPC v2 CBOR ----------------------------------------------------------------------------------

def decode_cbor(body: bytes, shape: Any) -> dict:
    """The parameters (or answer) a CBOR body carries, read with `shape`."""
    from botocore.parsers import RpcV2CBORParser

    if not body:
        return {}
    parsed = RpcV2CBORParser().parse({"status_code": 200, "headers": {}, "body": body}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def encode_cbor(value: dict, shape: Any) -> bytes:
    from botocore.serialize import RpcV2CBORSerializer

    body = bytearray()
    if shape is not None:
        RpcV2CBORSerializer()._serialize_data_item(body, value, shape)
    return bytes(body)


def cbor_text_map(fields: dict[str, str]) -> bytes:
    """A CBOR map of text to text (an error body needs no model)."""
    def item(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    body = bytearray(item(5, len(fields)))
    for key, value in fields.items():
        for text in (key, value):
            encoded = text.encode()
            body += item(3, len(encoded)) + encoded
    return bytes(body)
