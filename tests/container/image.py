"""The rendered image built and run as the pipeline builds it and ECS runs it: build() with the engine's limits,
running() with the task definition's settings (tests/container/task.py) and a port published on 127.0.0.1,
first_200() polling /health with a bound. The suite's container tests and the image benchmark share them."""
from __future__ import annotations

import http.client
import json
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import free_port
from tests.container.engine import Engine
from tests.container.task import ecs_run_options, task_environment

GIT_SHA = "0123456789abcdef0123456789abcdef01234567"
FIRST_200_WITHIN = 30.0  # seconds: a bound for the wait, not the budget (docs/benchmarks.md has that)


@dataclass(frozen=True)
class Built:
    engine: Engine
    project: Path
    image: str
    base: str = ""  # the base image it was built on


def build(engine: Engine, project: Path, tag: str, *options: str) -> subprocess.CompletedProcess[str]:
    """The rendered Dockerfile as the pipeline builds it, with the engine's limits; PyPI through the host network."""
    return engine.run("build", "--format", "docker", "--pull=never", "--network", "host", *engine.ulimits,
                      "--build-arg", f"GIT_SHA={GIT_SHA}", "--tag", tag, *options, str(project),
                      timeout=1200, check=False)


@contextmanager
def running(built: Built, *extra: str, command: tuple[str, ...] = (), image: str | None = None):
    """The image started as ECS starts it; yields (container name, published port); removed afterwards."""
    name, port = f"template-test-{uuid.uuid4().hex[:10]}", free_port()
    volume = f"{name}-tmp"
    environment = task_environment(built.project, GIT_SHA)
    options = [*ecs_run_options(built.project, volume), *built.engine.ulimits,
               "--publish", f"127.0.0.1:{port}:{environment['APP_PORT']}",
               *(arg for key, value in environment.items() for arg in ("--env", f"{key}={value}"))]
    try:
        built.engine.run("run", "--detach", "--name", name, *options, *extra, image or built.image, *command)
        yield name, port
    finally:
        built.engine.run("rm", "--force", "--volumes", "--time", "0", name, check=False)
        built.engine.run("volume", "rm", "--force", volume, check=False)


def get(port: int, path: str, timeout: float = 5) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def first_200(port: int, path: str = "/health", within: float = FIRST_200_WITHIN) -> float | None:
    """Seconds until path answers 200, polled every 20 ms; None if it never does within the bound."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if get(port, path, timeout=1)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    return None


def logs(built: Built, name: str) -> str:
    result = built.engine.run("logs", name, check=False)
    return (result.stdout + result.stderr)[-3000:]
