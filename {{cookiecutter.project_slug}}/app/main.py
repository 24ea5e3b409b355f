"""Application factory: builds the FastAPI app from settings."""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

{% if cookiecutter.database == 'postgres' -%}
from app.api.routes import greetings, health, meta, notes
{%- else -%}
from app.api.routes import greetings, health, meta
{%- endif %}
from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
{%- if cookiecutter.database == 'postgres' %}
from app.database import create_engine, create_sessions
{%- endif %}
from app.middleware import RequestMiddleware


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
{%- if cookiecutter.database == 'postgres' %}
    # Creating the engine opens no connection: a database that is down delays readiness, not the start.
    app.state.engine = create_engine(app.state.settings)
    app.state.sessions = create_sessions(app.state.engine)
    app.state.ready = True
    try:
        yield
    finally:
        app.state.ready = False
        # After uvicorn has let the in-flight requests finish (SIGTERM too): close the pooled connections.
        await app.state.engine.dispose()
{%- else %}
    app.state.ready = True
    yield
    app.state.ready = False
{%- endif %}


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; uvicorn calls it with no arguments (`--factory`), tests pass their own settings."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    docs = settings.docs_enabled
    app = FastAPI(
        title={{ cookiecutter.project_name | tojson }},
        description={{ cookiecutter.description | tojson }},
        version=settings.image_tag,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.ready = False
    app.include_router(health.router)
    app.include_router(meta.router)
    app.include_router(greetings.router, prefix="/api/v1")
{%- if cookiecutter.database == 'postgres' %}
    app.include_router(notes.router, prefix="/api/v1")
{%- endif %}
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes)
    return app
