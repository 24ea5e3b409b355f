"""Application factory: builds the FastAPI app from settings."""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.routes import greetings, health, meta
from app.core.config import Settings, get_settings
from app.core.logging import configure_logging
from app.middleware import RequestMiddleware


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.ready = True
    yield
    app.state.ready = False


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
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes)
    return app
