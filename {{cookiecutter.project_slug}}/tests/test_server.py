import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from app.core.config import HEALTH_PATH, Settings
from app.server import uvicorn_options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_uvicorn_options_follow_settings() -> None:
    settings = Settings(port=9000, workers=2, keep_alive_timeout=80, shutdown_timeout=12,
                        forwarded_allow_ips="10.0.0.0/16")
    options = uvicorn_options(settings)
    assert options["port"] == 9000
    assert options["workers"] == 2
    assert options["timeout_keep_alive"] == 80
    assert options["timeout_graceful_shutdown"] == 12
    assert options["forwarded_allow_ips"] == "10.0.0.0/16"
    assert options["factory"] is True


def wait_for_health(url: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer in time")


def test_sigterm_stops_the_server_with_status_0() -> None:
    port = free_port()
    env = {**os.environ, "APP_PORT": str(port), "APP_HOST": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "app"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_health(f"http://127.0.0.1:{port}{HEALTH_PATH}", process, time.monotonic() + 20)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert '"message": "Shutting down"' in output
    loggers = [json.loads(line)["logger"] for line in output.splitlines() if line.startswith("{")]
    assert "app.access" in loggers and "uvicorn.access" not in loggers, "one access line per request, ours"
