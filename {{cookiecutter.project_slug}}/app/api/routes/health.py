"""Liveness and readiness probes."""
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from app.core.config import HEALTH_PATH, READY_PATH

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok", "starting"]


@router.get(HEALTH_PATH, response_model=HealthStatus)
async def health() -> HealthStatus:
    """Liveness: the process answers HTTP. Probed by the load balancer and the container health check."""
    return HealthStatus(status="ok")


@router.get(
    READY_PATH,
    response_model=HealthStatus,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": HealthStatus}},
)
async def ready(request: Request, response: Response) -> HealthStatus:
    """Readiness: start-up has finished and the service can take traffic."""
    if not request.app.state.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthStatus(status="starting")
    return HealthStatus(status="ok")
