import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app


def test_defaults_are_safe_for_local_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APP_HOST", "APP_PORT", "APP_WORKERS", "APP_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == {{ cookiecutter.container_port }}
    assert settings.workers == 1
    assert settings.forwarded_allow_ips == "127.0.0.1"


def test_settings_come_from_app_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_PORT", "9001")
    monkeypatch.setenv("APP_WORKERS", "3")
    monkeypatch.setenv("APP_IMAGE_TAG", "deadbeef")
    monkeypatch.setenv("APP_FORWARDED_ALLOW_IPS", "10.0.0.0/16")
    settings = Settings()
    assert (settings.port, settings.workers, settings.image_tag) == (9001, 3, "deadbeef")
    assert settings.forwarded_allow_ips == "10.0.0.0/16"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("APP_PORT", "0"),
        ("APP_PORT", "70000"),
        ("APP_WORKERS", "0"),
        ("APP_LOG_LEVEL", "LOUD"),
        ("APP_ENVIRONMENT", "staging-ish"),
        ("APP_FORWARDED_ALLOW_IPS", "*"),
        ("APP_FORWARDED_ALLOW_IPS", "not-a-network"),
        ("APP_SHUTDOWN_TIMEOUT", "0"),
    ],
)
def test_invalid_environment_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(){%- for environment in cookiecutter.environments.split(",") %}


def test_the_{{ environment }}_task_definitions_environment_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENVIRONMENT", "{{ environment }}")
    assert Settings().environment == "{{ environment }}"
{%- endfor %}


def test_debug_logging_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="DEBUG is refused in production"):
        Settings(environment="production", log_level="DEBUG")


def test_docs_can_be_turned_off(settings: Settings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"docs_enabled": False})))
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404
