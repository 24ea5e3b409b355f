"""The two baselines the rendered service is measured against, served with the service's own uvicorn options.

    python baselines.py bare|raw     (run from the rendered project's directory)

bare: FastAPI with the project's own health and greetings routers and nothing else (the framework's limit).
raw:  a plain ASGI callable answering the same two requests (the server's limit).
"""
import json
import sys

import uvicorn

SALUTATIONS = {"en": "Hello", "es": "Hola", "fr": "Bonjour", "de": "Hallo"}


def bare_fastapi():
    from fastapi import FastAPI

    from app.api.routes import greetings, health

    app = FastAPI()
    app.include_router(health.router)
    app.include_router(greetings.router, prefix="/api/v1")
    return app


async def _read_body(receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def _raw(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        request = json.loads(await _read_body(receive))
        language = request.get("language", "en")
        payload = {"message": f"{SALUTATIONS[language]}, {request['name']}!", "language": language}
    else:
        payload = {"status": "ok"}
    content = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


def raw_asgi():
    return _raw


def main() -> None:
    from app.core.config import get_settings
    from app.server import uvicorn_options

    factory = {"bare": "baselines:bare_fastapi", "raw": "baselines:raw_asgi"}[sys.argv[1]]
    uvicorn.run(factory, **uvicorn_options(get_settings()))


if __name__ == "__main__":
    main()
