"""Runs the app under uvicorn with the settings from the environment; the Dockerfile's CMD calls this."""
import signal
from typing import Any, NoReturn

import uvicorn

from app.core.config import Settings, get_settings
from app.core.logging import configure_logging

APP_FACTORY = "app.main:create_app"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`, derived from the settings alone."""
    return {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "log_config": None,  # our JSON logging, configured by the app factory in every worker
        "access_log": False,  # RequestContextMiddleware writes one line per request instead
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        "server_header": False,
    }


def _exit_cleanly(signum: int, frame: object) -> NoReturn:
    raise SystemExit(0)


def serve(app_factory: str = APP_FACTORY) -> None:
    """Serve until SIGTERM/SIGINT, let in-flight requests finish, then exit with status 0."""
    settings = get_settings()
    configure_logging(settings.log_level)
    # uvicorn restores this handler after its graceful shutdown and re-raises the signal it caught;
    # exiting 0 tells ECS the stop was clean instead of a death by SIGTERM (status 143).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(app_factory, **uvicorn_options(settings))
