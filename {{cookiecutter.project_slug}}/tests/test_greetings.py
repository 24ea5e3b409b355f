import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MAX_BODY_BYTES

URL = "/api/v1/greetings"


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Hello, Ada!"), ("es", "Hola, Ada!"), ("fr", "Bonjour, Ada!"), ("de", "Hallo, Ada!")],
)
def test_greets_in_each_language(client: TestClient, language: str, message: str) -> None:
    response = client.post(URL, json={"name": "  Ada ", "language": language})
    assert response.status_code == 200
    assert response.json() == {"message": message, "language": language}


def test_language_defaults_to_english(client: TestClient) -> None:
    assert client.post(URL, json={"name": "Ada"}).json()["language"] == "en"


@pytest.mark.parametrize(
    ("body", "location", "error_type"),
    [
        ({}, ["body", "name"], "missing"),
        ({"name": ""}, ["body", "name"], "string_too_short"),
        ({"name": "x" * 65}, ["body", "name"], "string_too_long"),
        ({"name": "Ada", "language": "xx"}, ["body", "language"], "literal_error"),
        ({"name": "Ada", "admin": True}, ["body", "admin"], "extra_forbidden"),
        ({"name": 42}, ["body", "name"], "string_type"),
    ],
    ids=["missing-name", "empty-name", "long-name", "unknown-language", "extra-field", "wrong-type"],
)
def test_invalid_body_is_a_422_naming_the_field(
    client: TestClient, body: dict, location: list[str], error_type: str
) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [(error["loc"], error["type"]) for error in errors] == [(location, error_type)]


def test_malformed_json_is_a_422(client: TestClient) -> None:
    response = client.post(URL, content=b'{"name": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_declared_oversized_body_is_refused_with_json(client: TestClient) -> None:
    body = json.dumps({"name": "x" * MAX_BODY_BYTES}).encode()
    response = client.post(URL, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body exceeds {MAX_BODY_BYTES} bytes"}
    assert response.headers["x-request-id"]


def test_streamed_oversized_body_is_refused_with_json(client: TestClient) -> None:
    def chunks():
        yield b'{"name": "'
        for _ in range(MAX_BODY_BYTES // 64 + 1):
            yield b"x" * 64
        yield b'"}'

    response = client.post(URL, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body exceeds {MAX_BODY_BYTES} bytes"}


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
