"""The service's one ASGI middleware: request ids, the access line, the body size limit, JSON 500s.

It is a plain ASGI class, not `BaseHTTPMiddleware` (which runs each request in an extra task), and one
layer rather than several: each layer is a function call and a closure on every request.
"""
import json
import logging
import random
import re
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import REQUEST_ID, AccessLog

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

access_log = AccessLog()
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


def new_request_id() -> str:
    # 128 random bits as 32 hex digits: unique enough to correlate logs, without a syscall per request.
    return f"{random.getrandbits(128):032x}"


def read_headers(scope: Scope) -> tuple[str, int | None]:
    """The request id to use (the caller's when safe to echo) and the declared body length."""
    request_id, length = None, None
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and request_id is None and _VALID_REQUEST_ID.fullmatch(value):
            request_id = value.decode()
        elif name == b"content-length" and value.isdigit():
            length = int(value)
    return request_id or new_request_id(), length


class ResponseTracker:
    """Sends one request's response messages, adding the X-Request-ID header and noting the status."""

    __slots__ = ("_send", "id_header", "status", "started")

    def __init__(self, send: Send, request_id: str) -> None:
        self._send = send
        self.id_header = (REQUEST_ID_HEADER, request_id.encode())
        self.status = 500
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.started = message["status"], True
            message = {**message, "headers": [*message.get("headers", []), self.id_header]}
        await self._send(message)

    async def respond(self, status: int, body: dict) -> None:
        """Answer with a small JSON body (the app did not, or failed before it started to)."""
        self.status, self.started = status, True
        for message in json_response_messages(status, body, [self.id_header]):
            await self._send(message)


class RequestMiddleware:
    """Per HTTP request: tag it with an id (X-Request-ID in and out), refuse bodies over the limit with a
    JSON 413, turn an unhandled error into a JSON 500 without internals, and log one access line."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.too_large = f"Request body exceeds {max_body_bytes} bytes"

    def limited(self, receive: Receive) -> Receive:
        """`receive`, refusing a streamed body once it grows past the limit."""
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Raised inside the route, so FastAPI's own handler renders the JSON 413.
                    raise HTTPException(status_code=413, detail=self.too_large)
            return message

        return receive_within_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id, length = read_headers(scope)
        token = REQUEST_ID.set(request_id)
        response = ResponseTracker(send, request_id)
        try:
            if length is not None and length > self.max_body_bytes:
                await response.respond(413, {"detail": self.too_large})
            else:
                await self.app(scope, self.limited(receive), response.send)
        except Exception:
            error_log.exception("unhandled error")
            if response.started:
                raise
            await response.respond(500, {"detail": "Internal Server Error", "request_id": request_id})
        finally:
            access_log.write(
                method=scope["method"],
                path=scope["path"],
                status=response.status,
                duration_ms=round((time.perf_counter() - start) * 1000, 3),
            )
            REQUEST_ID.reset(token)
