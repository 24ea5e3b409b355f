import json
import re

import pytest
from fastapi.testclient import TestClient

from app.core.config import HEALTH_PATH, Settings
from app.main import create_app


def log_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get(HEALTH_PATH, headers={"X-Request-ID": "abc-123.def:4"})
    assert response.headers["x-request-id"] == "abc-123.def:4"


def test_request_id_is_generated_when_absent(client: TestClient) -> None:
    first = client.get(HEALTH_PATH).headers["x-request-id"]
    second = client.get(HEALTH_PATH).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("unsafe", ["a b", "x" * 129, "<script>", ""], ids=["space", "too-long", "markup", "empty"])
def test_unsafe_request_id_is_replaced(client: TestClient, unsafe: str) -> None:
    response = client.get(HEALTH_PATH, headers={"X-Request-ID": unsafe})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_one_json_access_line_per_request(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    # The app is created inside the test so that its log handler writes to the captured stdout.
    with TestClient(create_app(settings)) as client:
        capsys.readouterr()
        client.post("/api/v1/greetings", json={}, headers={"X-Request-ID": "req-1"})
    access = [line for line in log_lines(capsys.readouterr().out) if line["logger"] == "app.access"]
    assert len(access) == 1
    line = access[0]
    assert line["method"] == "POST"
    assert line["path"] == "/api/v1/greetings"
    assert line["status"] == 422
    assert line["request_id"] == "req-1"
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])


def test_unhandled_error_is_a_json_500_without_traceback(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        capsys.readouterr()
        response = client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error", "request_id": "req-500"}
    assert "secret internals" not in response.text
    lines = log_lines(capsys.readouterr().out)
    error = next(line for line in lines if line["logger"] == "app.error")
    assert "RuntimeError: secret internals" in error["exception"]
    assert error["request_id"] == "req-500"
    access = next(line for line in lines if line["logger"] == "app.access")
    assert access["status"] == 500
