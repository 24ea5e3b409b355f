"""Reads a recorded AWS request and response back into an operation name and parameters.

The parsing uses the AWS service models (botocore's, as loaded by moto) and moto's request parsers for the
query, EC2, JSON and REST protocols, and botocore's CBOR codec for Smithy RPC v2 CBOR (CloudWatch, as the
Go SDK calls it), so a parameter reads the same whether the Go SDK of the Terraform provider, boto3 or the
AWS CLI sent it.
"""
from __future__ import annotations

from typing import Any

from botocore.parsers import create_parser
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from werkzeug.datastructures import Headers, MultiDict

from tests.emulator.server import rendered_emulator
from werkzeug.test import EnvironBuilder
from moto.core.request import Request


def werkzeug_request(raw: dict, body: bytes) -> Request:
    headers = {name: value for name, value in raw["headers"].items() if name != "host"}
    builder = EnvironBuilder(method=raw["method"], path=raw["path"], query_string=raw["query"], headers=headers,
                             data=body, base_url=f"http://{raw['headers'].get('host', 'localhost')}")
    return Request(builder.get_environ())


def operation_name(service_model, raw: dict, body: bytes, request: Request) -> tuple[str | None, dict]:
    """The operation, and any parameters the URI carries (REST protocols)."""
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


def parse_request(model_name: str, raw: dict, body: bytes) -> tuple[str | None, dict]:
    try:
        service_model = get_service_model(model_name)
    except Exception:  # noqa: BLE001 - a service moto has no model for
        return None, {}
    request = werkzeug_request(raw, body)
    operation, uri_params = operation_name(service_model, raw, body, request)
    if not operation:
        return None, {}
    if raw["headers"].get("smithy-protocol") == "rpc-v2-cbor":
        try:
            return operation, to_plain(rendered_emulator().decode_cbor(
                body, service_model.operation_model(operation).input_shape))
        except Exception:  # noqa: BLE001 - keep the operation; its parameters stay unknown
            return operation, {}
    try:
        operation_model = service_model.operation_model(operation)
        protocol = determine_request_protocol(service_model, request.content_type)
        parser = PROTOCOL_PARSERS[protocol](operation_model)
        params = parser.parse({"method": request.method, "values": request.values or MultiDict(),
                               "headers": request.headers or Headers(), "body": body,
                               "url_path": request.path, "url_params": uri_params})
    except Exception:  # noqa: BLE001 - keep the operation; its parameters stay unknown
        params = {}
    return operation, to_plain(params)


def parse_response(model_name: str, operation: str, raw: dict, response: bytes) -> dict:
    try:
        service_model = get_service_model(model_name)
        operation_model = service_model.operation_model(operation)
        if raw["response_content_type"].startswith("application/cbor"):
            return to_plain(rendered_emulator().decode_cbor(response, operation_model.output_shape))
        protocol = service_model.protocol
        if raw["response_content_type"].startswith("application/x-amz-json"):
            protocol = "json"
        parser = create_parser(protocol)
        return to_plain(parser.parse({"status_code": raw["status"], "headers": {
            "content-type": raw["response_content_type"]}, "body": response}, operation_model.output_shape))
    except Exception:  # noqa: BLE001 - a response we cannot read leaves nothing to learn from it
        return {}


def to_plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, whatever container types the parsers used."""
    if hasattr(value, "items"):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value
