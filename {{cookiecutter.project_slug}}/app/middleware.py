"""Pure ASGI middleware: request ids, one access log line per request, body size limit.

Plain ASGI classes cost one function call per request, unlike `BaseHTTPMiddleware`, which runs each
request in an extra task.
"""
import json
import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import REQUEST_ID

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger("app.access")
error_log = logging.getLogger("app.error")


def json_response_messages(status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> list[Message]:
    """The two ASGI messages of a small JSON response."""
    content = json.dumps(body).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        },
        {"type": "http.response.body", "body": content},
    ]


def incoming_request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is safe to echo, otherwise a new random one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.fullmatch(value):
            return value.decode()
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Tags each request with an id, logs it once, and turns unhandled errors into a JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        token = REQUEST_ID.set(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500
        started = False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error")
            if started:
                raise
            status = 500
            for message in json_response_messages(
                500, {"detail": "Internal Server Error", "request_id": request_id}, [id_header]
            ):
                await send(message)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                },
            )
            REQUEST_ID.reset(token)


class BodySizeLimitMiddleware:
    """Answers 413 with a JSON error when a request body exceeds `max_body_bytes`.

    A declared Content-Length is refused before the app runs; a streamed body is counted as it is read and
    refused through FastAPI's own exception handling, which renders the JSON error.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.detail = f"Request body exceeds {max_body_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                for message in json_response_messages(413, {"detail": self.detail}):
                    await send(message)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(status_code=413, detail=self.detail)
            return message

        await self.app(scope, counting_receive, send)
