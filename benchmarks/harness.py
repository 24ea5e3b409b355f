"""Start a rendered service the way its container does, drive it with wrk, and read what it used.

Shared by the benchmarks (benchmarks/run.py) and the reliability tests (tests/test_reliability.py).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BENCHMARKS_DIR = Path(__file__).resolve().parent
GREETING_BODY = '{"name": "Ada", "language": "fr"}'
NOT_INSTALLED = ("pip", "setuptools", "wheel", "_distutils_hack", "pkg_resources")


def render_default(output_dir: Path, **inputs: str) -> Path:
    """The default project, rendered into output_dir."""
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=inputs,
                             output_dir=str(output_dir), overwrite_if_exists=True))


def container_command(project: Path, python: str) -> list[str]:
    """The Dockerfile's exec-form CMD, with `python` pointing at the given interpreter."""
    line = next(line for line in (project / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command = json.loads(line[len("CMD "):])
    return [python if word == "python" else word for word in command]


def runtime_environment(project: Path, env_dir: Path) -> str:
    """A virtual environment with the project's runtime dependencies only, installed from its uv.lock as the
    image's build stage installs them (no dev or emulator group); returns its python."""
    python = env_dir / "bin" / "python"
    marker = env_dir / ".lock"
    lock = (project / "uv.lock").read_text()
    if not (marker.exists() and marker.read_text() == lock):
        shutil.rmtree(env_dir, ignore_errors=True)
        uv = TEMPLATE_DIR / ".venv-uv/bin/uv"
        subprocess.run([str(uv), "sync", "--quiet", "--locked", "--no-dev", "--compile-bytecode",
                        "--python", sys.executable], cwd=project, check=True,
                       env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(env_dir), "UV_PYTHON_DOWNLOADS": "never"})
        marker.write_text(lock)
    return str(python)


def installed_size_mib(python: str) -> float:
    """Size of everything installed in the environment's site-packages, pip and setuptools excepted."""
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    total = 0
    for entry in site.iterdir():
        if entry.name.split("-")[0].lower() in NOT_INSTALLED or entry.name.endswith(".pth"):
            continue
        files = [entry] if entry.is_file() else [path for path in entry.rglob("*") if path.is_file()]
        total += sum(path.stat().st_size for path in files)
    return total / 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 2) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


class Server:
    """A service process on loopback; `started_in` is the seconds from exec to its first 200."""

    def __init__(self, command: list[str], cwd: Path, port: int, env: dict[str, str] | None = None,
                 health_path: str = "/health", log: Path | None = None) -> None:
        self.command, self.cwd, self.port, self.health_path = command, cwd, port, health_path
        self.env = {**os.environ, "APP_HOST": "127.0.0.1", "APP_PORT": str(port), **(env or {})}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.started_in = 0.0

    def __enter__(self) -> "Server":
        output = self.log.open("wb") if self.log else subprocess.DEVNULL
        began = time.perf_counter()
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=output,
                                        stderr=subprocess.STDOUT)
        deadline = began + 30
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.process.returncode} during start-up")
            try:
                if http_get(self.port, self.health_path, timeout=0.5) == 200:
                    self.started_in = time.perf_counter() - began
                    return self
            except OSError:
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.command} did not answer {self.health_path} within 30 s")

    def rss_mib(self) -> float:
        """Resident memory of the serving process (one worker: the process itself)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)[1]) / 1024

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class WrkResult:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _latency_ms(text: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE).groups()
    return float(value) * _UNITS_MS[unit]


def wrk(url: str, connections: int = 64, seconds: int = 10, threads: int = 1,
        post_json: str | None = None) -> WrkResult:
    """Load the URL with wrk (a C load generator) and parse its report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if post_json is not None:
        command += ["-s", str(BENCHMARKS_DIR / "post-json.lua")]
    env = {**os.environ, "WRK_BODY": post_json or ""}
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True, env=env).stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(re.search(r"(\d+) requests in", output)[1]),
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        p50_ms=_latency_ms(output, "50"),
        p99_ms=_latency_ms(output, "99"),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
    )
