"""Reads a recorded AWS response back into its fields, with the operation's model (botocore's, as loaded by
moto). Requests are read by the rendered emulator's own reader, `aws_strict.requests`, so a parameter reads
the same whether the Go SDK of the Terraform provider, boto3 or the AWS CLI sent it.
"""
from __future__ import annotations

from aws_strict.requests import decode_cbor, to_plain
from botocore.parsers import create_parser
from moto.core.utils import get_service_model


def parse_response(model_name: str, operation: str, raw: dict, response: bytes) -> dict:
    try:
        service_model = get_service_model(model_name)
        operation_model = service_model.operation_model(operation)
        if raw["response_content_type"].startswith("application/cbor"):
            return to_plain(decode_cbor(response, operation_model.output_shape))
        protocol = service_model.protocol
        if raw["response_content_type"].startswith("application/x-amz-json"):
            protocol = "json"
        parser = create_parser(protocol)
        return to_plain(parser.parse({"status_code": raw["status"], "headers": {
            "content-type": raw["response_content_type"]}, "body": response}, operation_model.output_shape))
    except Exception:  # noqa: BLE001 - a response we cannot read leaves nothing to learn from it
        return {}
