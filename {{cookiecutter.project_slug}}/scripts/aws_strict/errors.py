"""Refusals as AWS words them, in the protocol the caller spoke, so that every SDK raises the error class the
real service would: the Terraform provider, boto3 and the AWS CLI all read the code from the body."""
from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aws_strict.requests import Request, cbor_text_map

REQUEST_ID = "emulator-strict-refusal"
# The prefix of a problem the service does not refuse (advice): validators return both kinds in one list.
ADVICE = "advice: "

# The error code a service gives a request whose shape breaks its model.
SHAPE_ERRORS = {"query": "ValidationError", "ec2": "InvalidParameterValue", "json": "ValidationException",
                "rest-json": "ValidationException", "smithy-rpc-v2-cbor": "ValidationError"}
REST_XML_SHAPE_ERRORS = {"s3": "InvalidArgument", "s3control": "InvalidRequest", "route53": "InvalidInput"}
# Services that answer a shape violation with a code of their own.
MODEL_SHAPE_ERRORS = {"ecr": "InvalidParameterException"}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status: int = 400


def shape_refusal(request: Request, message: str) -> Refusal:
    if request.model_name in MODEL_SHAPE_ERRORS:
        return Refusal(MODEL_SHAPE_ERRORS[request.model_name], message)
    if request.protocol == "rest-xml":
        return Refusal(REST_XML_SHAPE_ERRORS.get(request.model_name, "ValidationError"), message)
    return Refusal(SHAPE_ERRORS.get(request.protocol, "ValidationException"), message)


def response(request: Request, refusal: Refusal) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of the refusal."""
    status = f"{refusal.status} {'Conflict' if refusal.status == 409 else 'Bad Request'}"
    code, message = refusal.code, refusal.message
    if request.protocol == "smithy-rpc-v2-cbor":
        body = cbor_text_map({"__type": f"com.amazonaws.{request.model_name}#{code}", "message": message})
        return status, [("smithy-protocol", "rpc-v2-cbor"), ("Content-Type", "application/cbor"),
                        ("x-amzn-query-error", f"{code};Sender")], body
    if request.protocol in ("json", "rest-json"):
        content_type = "application/x-amz-json-1.1" if request.protocol == "json" else "application/json"
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [("Content-Type", content_type), ("x-amzn-ErrorType", code)], body
    if request.protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
                f"</Errors><RequestID>{REQUEST_ID}</RequestID></Response>")
    elif request.model_name in ("s3", "s3control"):
        body = (f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"<RequestId>{REQUEST_ID}</RequestId></Error>")
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>")
    return status, [("Content-Type", "text/xml")], body.encode()
