{% if cookiecutter.database == 'postgres' -%}
"""Shared fixtures: settings for tests, a client that runs the app's start-up and shutdown, and a real
PostgreSQL database: the server APP_DATABASE_* reach (`make test` passes make db's), a database of the
session's own on it, migrated to the latest revision.

Without a server the database tests are skipped, with the reason and `make db`; in CI (CI=true) they fail.
"""
import asyncio
import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from app.database import create_engine
from app.main import create_app
from app.migrate import run_alembic

MAX_BODY_BYTES = 1024
IN_CI = os.environ.get("CI", "").lower() == "true"
# The server's own database, there on every PostgreSQL server: where databases are created and dropped.
MAINTENANCE_DATABASE = "postgres"
TEST_DATABASE = "{{ cookiecutter.project_slug.replace('-', '_') }}_test"


def server_settings(database: str = MAINTENANCE_DATABASE) -> Settings:
    """The environment's APP_DATABASE_* settings (host, port, login), on the given database."""
    return Settings(environment="test", database_name=database)


async def execute(settings: Settings, *statements: str) -> None:
    """Run statements one by one outside a transaction (CREATE and DROP DATABASE must)."""
    engine = create_engine(settings, pooled=False)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def recreate_database(name: str) -> Settings:
    """An empty database of this name (a previous run's dropped first), and the settings that reach it.
    Skips, or fails in CI, when no server answers."""
    settings = server_settings()
    try:
        asyncio.run(execute(settings, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        message = (f"no PostgreSQL server at {settings.database_host}:{settings.database_port} as "
                   f"{settings.database_user} ({type(error).__name__}): run `make db`, then `make test` (or set "
                   "APP_DATABASE_HOST, APP_DATABASE_PORT, APP_DATABASE_USER and APP_DATABASE_PASSWORD)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return server_settings(name)


def drop_database(name: str) -> None:
    asyncio.run(execute(server_settings(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database() -> Iterator[Settings]:
    """The session's database, migrated to the latest revision: the settings that reach it."""
    settings = recreate_database(TEST_DATABASE)
    asyncio.run(run_alembic(settings, "upgrade", "head"))
    yield settings
    drop_database(TEST_DATABASE)
{%- else -%}
"""Shared fixtures: settings for tests and a client that runs the app's start-up and shutdown."""
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

MAX_BODY_BYTES = 1024
{%- endif %}


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test", image_tag="0123456789abcdef", git_sha="0123456789abcdef",
                    max_body_bytes=MAX_BODY_BYTES)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
{%- if cookiecutter.database == 'postgres' %}


@pytest.fixture
def db_client(database: Settings, settings: Settings) -> Iterator[TestClient]:
    """A client of the app on the session's database, its tables emptied first: each test sees only its own rows."""
    asyncio.run(execute(database, "TRUNCATE notes RESTART IDENTITY"))
    app_settings = settings.model_copy(update={"database_name": database.database_name})
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client
{%- endif %}
