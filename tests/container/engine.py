"""The container engine the suite builds and runs the rendered image with: Debian's podman, with runc as its
runtime (this machine's cgroups are hybrid, which crun refuses) and explicit open-file and process limits below
the machine's hard limits. As ECS does, the engine runs as root: through passwordless sudo for another user."""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass

from tests.conftest import missing

HOW_TO_GET = "make system-deps (apt-get install podman runc catatonit debootstrap)"


def limit(kind: int, wanted: int) -> str:
    """soft:hard for --ulimit, at most the hard limit this machine allows."""
    hard = resource.getrlimit(kind)[1]
    value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    return f"{value}:{value}"


@dataclass(frozen=True)
class Engine:
    root: tuple[str, ...]  # empty as root, else the passwordless sudo prefix
    podman: str
    runc: str

    def command(self, *args: str) -> list[str]:
        return [*self.root, self.podman, "--runtime", self.runc, *args]

    @property
    def ulimits(self) -> list[str]:
        return ["--ulimit", f"nofile={limit(resource.RLIMIT_NOFILE, 4096)}",
                "--ulimit", f"nproc={limit(resource.RLIMIT_NPROC, 4096)}"]

    def run(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self.command(*args), capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise EngineError(f"podman {' '.join(args[:2])} exited {result.returncode}:\n{result.stderr[-4000:]}")
        return result

    def inspect(self, kind: str, name: str) -> dict:
        return json.loads(self.run(kind, "inspect", name).stdout)[0]


class EngineError(RuntimeError):
    pass


def find_engine(sudo_prefix) -> Engine:
    """podman with runc, as root. sudo_prefix() gives the prefix for a user with passwordless sudo."""
    podman, runc = shutil.which("podman"), shutil.which("runc") or shutil.which("runc", path="/usr/sbin:/sbin")
    if not podman or not runc:
        missing("podman and runc", HOW_TO_GET)
    if not os.path.exists("/usr/libexec/podman/catatonit") and not shutil.which("catatonit"):
        missing("catatonit (the init ECS's initProcessEnabled stands for)", HOW_TO_GET)
    engine = Engine(tuple([] if os.geteuid() == 0 else sudo_prefix()), podman, runc)
    probe = subprocess.run(engine.command("info", "--format", "{{.Host.OCIRuntime.Name}}"), capture_output=True,
                           text=True, timeout=120)
    if probe.returncode != 0:
        missing("a working podman", f"podman info said {probe.stderr.strip()[-500:]!r}")
    return engine
