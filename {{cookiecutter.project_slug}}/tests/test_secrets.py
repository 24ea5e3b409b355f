"""A secret setting never leaves the process: not in logs, responses, errors or the settings' repr."""
import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app

SECRET = "s3cr3t-api-key-0f1e2d3c4b5a6978"


def leaks(text: str) -> bool:
    """Any eight characters of the secret in `text`: a truncated repr still leaks part of it."""
    return any(SECRET[start:start + 8] in text for start in range(len(SECRET) - 7))


def test_the_secret_is_read_from_the_environment_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_API_KEY", SECRET)
    settings = Settings()
    assert settings.api_key is not None and settings.api_key.get_secret_value() == SECRET
    for shown in (repr(settings), str(settings), settings.model_dump_json(), json.dumps(settings.model_dump(),
                                                                                        default=str)):
        assert not leaks(shown)


def test_without_the_secret_the_app_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_API_KEY", raising=False)
    assert Settings().api_key is None


def test_a_refused_setting_does_not_echo_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_API_KEY", SECRET)
    monkeypatch.setenv("APP_PORT", "not-a-port")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert not leaks(str(refused.value))


def test_refused_settings_as_a_whole_do_not_echo_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A check over all the settings (DEBUG refused in production) reports the input it was given."""
    monkeypatch.setenv("APP_API_KEY", SECRET)
    monkeypatch.setenv("APP_ENVIRONMENT", "production")
    monkeypatch.setenv("APP_LOG_LEVEL", "DEBUG")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "APP_LOG_LEVEL=DEBUG is refused in production" in str(refused.value)
    assert not leaks(str(refused.value))  # what the traceback on stderr (and in CloudWatch) shows


{% if cookiecutter.database == 'postgres' -%}
def test_no_log_line_or_response_carries_the_secret(capsys: pytest.CaptureFixture[str], database: Settings) -> None:
    settings = Settings(environment="test", log_level="DEBUG", api_key=SECRET, database_name=database.database_name)
{%- else -%}
def test_no_log_line_or_response_carries_the_secret(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(environment="test", log_level="DEBUG", api_key=SECRET)
{%- endif %}
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"failed while configured with {settings!r}")

    with TestClient(app, raise_server_exceptions=False) as client:
        paths = ("/health", "/ready", "/version", "/openapi.json", "/boom", "/missing")
        responses = [client.get(path) for path in paths]
    assert [response.status_code for response in responses] == [200, 200, 200, 200, 500, 404]
    for response in responses:
        assert not leaks(response.text)
    output = capsys.readouterr()
    assert "failed while configured with" in output.out  # the error was logged, with the settings' repr
    assert not leaks(output.out) and not leaks(output.err)
