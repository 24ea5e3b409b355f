"""ECS task definitions as RegisterTaskDefinition checks them beyond the service model (the ECS developer
guide's task definition parameters and quotas): names and images, essential containers, port mappings in
awsvpc mode, health check ranges, Fargate's stop timeout, capabilities and CPU/memory pairs, the awslogs
options Fargate requires, and secrets that name a parameter or secret."""
from __future__ import annotations

import re

from aws_strict.errors import Refusal

NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
IMAGE = re.compile(r"[A-Za-z0-9_:./#@-]{1,255}")
SECRET_SOURCE = re.compile(r"arn:aws[\w-]*:(ssm|secretsmanager):[\w-]+:\d{12}:.+|[\w./-]+")
MAX_CONTAINERS = 10
HEALTH_CHECK_RANGES = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
FARGATE_STOP_TIMEOUT = 120
# Fargate's task sizes: CPU units -> the memory sizes (MiB) it accepts (Linux).
FARGATE_SIZES = {
    256: (512, 1024, 2048),
    512: (1024, 2048, 3072, 4096),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


def refusal(found: list[str]) -> Refusal:
    return Refusal("ClientException", "; ".join(found))


def problems(params: dict) -> list[str]:
    containers = params.get("containerDefinitions") or []
    fargate = "FARGATE" in (params.get("requiresCompatibilities") or [])
    found = []
    if not containers:
        found.append("Container list cannot be empty.")
    if len(containers) > MAX_CONTAINERS:
        found.append(f"A task definition may have at most {MAX_CONTAINERS} containers, got {len(containers)}.")
    if containers and not any(container.get("essential", True) for container in containers):
        found.append("All tasks must have at least one essential container.")
    for container in containers:
        found += container_problems(container, params.get("networkMode"), fargate)
    if fargate:
        found += fargate_size_problems(params.get("cpu"), params.get("memory"))
    return found


def container_problems(container: dict, network_mode: str | None, fargate: bool) -> list[str]:
    name = container.get("name") or ""
    found = []
    if not name:
        found.append("Container.name should not be null or empty.")
    elif not NAME.fullmatch(name):
        found.append(f"Invalid container name '{name}': up to 255 letters, numbers, hyphens and underscores.")
    image = container.get("image") or ""
    if not image:
        found.append("Container.image should not be null or empty.")
    elif not IMAGE.fullmatch(image):
        found.append(f"Invalid image '{image}' for container '{name}'.")
    found += port_problems(container, name, network_mode) + health_check_problems(container, name)
    for secret in container.get("secrets") or []:
        if not secret.get("name") or not SECRET_SOURCE.fullmatch(secret.get("valueFrom") or ""):
            found.append(f"Invalid secret {secret!r} for container '{name}': a name and the ARN or name of a "
                         "parameter or secret are required.")
    if fargate:
        found += fargate_container_problems(container, name)
    return found


def port_problems(container: dict, name: str, network_mode: str | None) -> list[str]:
    found = []
    for mapping in container.get("portMappings") or []:
        host, port = mapping.get("hostPort"), mapping.get("containerPort")
        if network_mode == "awsvpc" and host not in (None, port):
            found.append("When networkMode=awsvpc, the host ports and container ports in port mappings must match.")
        if port is not None and not 0 <= port <= 65535:
            found.append(f"Invalid 'containerPort' setting for container '{name}'.")
    return found


def health_check_problems(container: dict, name: str) -> list[str]:
    found = []
    for field, (low, high) in HEALTH_CHECK_RANGES.items():
        value = (container.get("healthCheck") or {}).get(field)
        if value is not None and not low <= value <= high:
            found.append(f"Invalid healthCheck.{field} {value} for container '{name}': it must be {low} to {high}.")
    return found


def fargate_container_problems(container: dict, name: str) -> list[str]:
    found = []
    stop = container.get("stopTimeout")
    if stop is not None and stop > FARGATE_STOP_TIMEOUT:
        found.append(f"Invalid stopTimeout {stop} for container '{name}': Fargate allows at most "
                     f"{FARGATE_STOP_TIMEOUT}.")
    added = ((container.get("linuxParameters") or {}).get("capabilities") or {}).get("add") or []
    refused = sorted(set(added) - {"SYS_PTRACE"})
    if refused:
        found.append(f"Fargate only supports adding the SYS_PTRACE capability, not {refused}.")
    logging = container.get("logConfiguration") or {}
    if logging.get("logDriver") == "awslogs":
        options = logging.get("options") or {}
        missing = [option for option in ("awslogs-group", "awslogs-region", "awslogs-stream-prefix")
                   if not options.get(option)]
        if missing:
            found.append(f"The awslogs log driver on Fargate needs {', '.join(missing)} (container '{name}').")
    return found


def fargate_size_problems(cpu: str | None, memory: str | None) -> list[str]:
    try:
        cpu_units, memory_mib = int(cpu), int(memory)
    except (TypeError, ValueError):
        return [f"Fargate needs a task-level cpu and memory in units and MiB, got cpu={cpu!r} memory={memory!r}."]
    if cpu_units not in FARGATE_SIZES:
        return ["Invalid 'cpu' setting for task."]
    if memory_mib not in FARGATE_SIZES[cpu_units]:
        return [f"No Fargate configuration exists for given values: cpu {cpu_units}, memory {memory_mib}."]
    return []
