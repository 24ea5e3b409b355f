"""The container as the rendered task definition runs it, read from the rendered Terraform: the environment it
sets, the stop timeout, a read-only root filesystem with task storage at /tmp, the image's own user, no added
Linux capabilities and an init process (initProcessEnabled). ecs_run_options() turns that into podman's
options, so the suite runs the image the way ECS will."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import variable_defaults


def task_timings(project: Path) -> dict[str, int]:
    """The shutdown and stop timeouts the task definition gives the container."""
    request_timeout = variable_defaults(project / "terraform")["request_timeout_seconds"]
    locals_tf = (project / "terraform/locals.tf").read_text()

    def offset(name: str) -> int:
        match = re.search(rf"^\s+{name}\s+= var\.request_timeout_seconds(?: \+ (\d+))?$", locals_tf, re.MULTILINE)
        return int(match[1] or 0)

    return {"shutdown": request_timeout + offset("app_shutdown_timeout"),
            "stop": request_timeout + offset("stop_timeout"),
            "keep_alive": request_timeout + offset("keep_alive_timeout")}


def task_environment(project: Path, image_tag: str) -> dict[str, str]:
    """local.plain_environment of the rendered stack, with the variables' defaults (what prod.tfvars keeps)."""
    defaults = variable_defaults(project / "terraform")
    timings = task_timings(project)
    environment = {
        "APP_ENVIRONMENT": defaults["environment"],
        "APP_IMAGE_TAG": image_tag,
        "APP_PORT": str(defaults["container_port"]),
        "APP_WORKERS": str(max(1, int(defaults["task_cpu"]) // 1024)),
        "APP_KEEP_ALIVE_TIMEOUT": str(timings["keep_alive"]),
        "APP_SHUTDOWN_TIMEOUT": str(timings["shutdown"]),
        "APP_FORWARDED_ALLOW_IPS": defaults["vpc_cidr"],
        "APP_DOCS_ENABLED": "false",
    }
    block = re.search(r"^  plain_environment = \{\n(.*?)\n  \}", (project / "terraform/locals.tf").read_text(),
                      re.MULTILINE | re.DOTALL)[1]
    assert set(re.findall(r"^\s+(APP_\w+)\s+=", block, re.MULTILINE)) == set(environment), (
        "the task's environment changed: follow it here")
    return environment


def ecs_run_options(project: Path, volume: str) -> list[str]:
    """podman run options for what the container definition says (ecs.tf), each checked to still say it."""
    ecs = (project / "terraform/ecs.tf").read_text()
    for setting in ("readonlyRootFilesystem = true", "linuxParameters        = { initProcessEnabled = true }",
                    'mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]'):
        assert setting in ecs, f"the container definition no longer says {setting!r}: follow it here"
    assert not re.search(r"^\s+user\s+=", ecs, re.MULTILINE), "the task sets no user: the image's USER runs"
    # Fargate adds no capability beyond Docker's defaults; dropping them all is stricter, and the app needs none.
    return ["--read-only", "--init", "--volume", f"{volume}:/tmp", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges"]
