"""Shared fixtures: settings for tests and a client that runs the app's start-up and shutdown."""
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

MAX_BODY_BYTES = 1024


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test", image_tag="0123456789abcdef", git_sha="0123456789abcdef",
                    max_body_bytes=MAX_BODY_BYTES)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
