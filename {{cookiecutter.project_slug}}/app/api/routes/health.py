"""Liveness and readiness probes."""
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from app.core.config import HEALTH_PATH, READY_PATH
{%- if cookiecutter.database == 'postgres' %}
from app.database import database_is_reachable
{%- endif %}

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
{%- if cookiecutter.database == 'postgres' %}
    status: Literal["ok", "starting", "database unavailable"]
{%- else %}
    status: Literal["ok", "starting"]
{%- endif %}


@router.get(HEALTH_PATH, response_model=HealthStatus)
async def health() -> HealthStatus:
    """Liveness: the process answers HTTP. Probed by the load balancer and the container health check.
{%- if cookiecutter.database == 'postgres' %}
    It never touches the database: a database outage must not get healthy tasks replaced.
{%- endif %}"""
    return HealthStatus(status="ok")


@router.get(
    READY_PATH,
    response_model=HealthStatus,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": HealthStatus}},
)
async def ready(request: Request, response: Response) -> HealthStatus:
{%- if cookiecutter.database == 'postgres' %}
    """Readiness: start-up has finished and the database answers `SELECT 1` within the connect timeout."""
{%- else %}
    """Readiness: start-up has finished and the service can take traffic."""
{%- endif %}
    if not request.app.state.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthStatus(status="starting")
{%- if cookiecutter.database == 'postgres' %}
    settings = request.app.state.settings
    if not await database_is_reachable(request.app.state.engine, settings.database_connect_timeout):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthStatus(status="database unavailable")
{%- endif %}
    return HealthStatus(status="ok")
