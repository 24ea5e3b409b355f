"""The rendered service under load, under SIGTERM, and under hostile input, started as its container starts it."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.harness import GREETING_BODY, Server, container_command, free_port, http_get, wrk
from tests.conftest import find_tool, missing, run, variable_defaults
from tests.container.task import task_timings as timings_of

pytestmark = pytest.mark.slow

SLOW_APP = '''
import asyncio

from app.main import create_app

SLOW_SECONDS = 2.0


def create():
    """The service plus one slow route, for shutdown tests only."""
    app = create_app()

    @app.get("/test-only/slow")
    async def slow() -> dict:
        await asyncio.sleep(SLOW_SECONDS)
        return {"slept": SLOW_SECONDS}

    return app
'''


@pytest.fixture(scope="module")
def default_project(bakery) -> Path:
    return bakery({})


@pytest.fixture(scope="module")
def wrk_binary() -> str:
    return find_tool("wrk", "make system-deps (apt-get install wrk)")


@pytest.fixture(scope="module")
def task_timings(default_project) -> dict[str, int]:
    """The shutdown and stop timeouts the task definition gives the container, from the rendered Terraform."""
    return timings_of(default_project)


@pytest.fixture
def server(default_project, rendered_python, tmp_path):
    port = free_port()
    with Server(container_command(default_project, rendered_python), default_project, port,
                log=tmp_path / "server.log") as running:
        yield running


@pytest.mark.parametrize(("path", "body"), [("/health", None), ("/api/v1/greetings", GREETING_BODY)],
                         ids=["health", "greetings"])
def test_ten_seconds_at_64_connections_without_an_error(server, wrk_binary, path, body, record_property):
    result = wrk(f"http://127.0.0.1:{server.port}{path}", connections=64, seconds=10, post_json=body)
    assert result.requests > 1000
    assert (result.non_2xx, result.socket_errors) == (0, 0)
    record_property("summary", f"{result.requests} requests, {result.requests_per_second:,.0f}/s, "
                               f"p99 {result.p99_ms:.1f} ms, 0 errors")


def slow_get(port: int) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/test-only/slow")
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True


def test_sigterm_finishes_in_flight_requests_and_exits_0_in_time(
    default_project, rendered_python, tmp_path, task_timings, record_property
):
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    port = free_port()
    command = [rendered_python, "-c", "from app.server import serve; serve('slow_app:create')"]
    env = {"PYTHONPATH": f"{tmp_path}:{default_project}", "APP_SHUTDOWN_TIMEOUT": str(task_timings["shutdown"])}
    with Server(command, default_project, port, env=env, log=tmp_path / "server.log") as server:
        with ThreadPoolExecutor(max_workers=20) as pool:
            in_flight = [pool.submit(slow_get, port) for _ in range(20)]
            time.sleep(0.5)  # all 20 are connected and sleeping inside the route
            assert not any(future.done() for future in in_flight)
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            deadline = signalled + 1.0
            while not refused(port) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert refused(port), "new connections must be refused once SIGTERM arrives"
            assert not all(future.done() for future in in_flight), "refusal must come before the drain ends"
            results = [future.result(timeout=30) for future in in_flight]
        returncode = server.process.wait(timeout=task_timings["stop"])
        stopped_after = time.monotonic() - signalled
    assert results == [(200, {"slept": 2.0})] * 20
    assert returncode == 0
    assert stopped_after < task_timings["stop"]
    record_property("summary", f"20/20 in-flight requests completed; exit 0 after {stopped_after:.1f} s "
                               f"(ECS stop timeout {task_timings['stop']} s)")


def test_schemathesis_finds_no_server_error_or_schema_violation(server, tmp_path):
    schemathesis = find_tool("schemathesis", "make .venv/.installed (from uv.lock)")
    result = run([schemathesis, "run", f"http://127.0.0.1:{server.port}/openapi.json", "--checks", "all",
                  "--max-examples", "100", "--seed", "20261127", "--report", "junit",
                  "--report-junit-path", str(tmp_path / "schemathesis.xml")], cwd=tmp_path, ok=(0, 1))
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout


BAD_BODIES = [
    pytest.param(b'{"name": "' + b"x" * (2 * 2**20) + b'"}', "application/json", 413, id="oversized"),
    pytest.param(b'{"name": ', "application/json", 422, id="truncated-json"),
    pytest.param(b"\xff\xfe\xfa", "application/json", 400, id="not-utf-8"),
    pytest.param(b"name=Ada", "application/x-www-form-urlencoded", 422, id="form-instead-of-json"),
    pytest.param(b'{"name": ["Ada"]}', "application/json", 422, id="wrong-type"),
    pytest.param(b"[" * 100_000, "application/json", 400, id="nested-past-the-parser-limit"),
]


@pytest.mark.parametrize(("body", "content_type", "status"), BAD_BODIES)
def test_bad_bodies_get_a_json_4xx_never_a_traceback(server, body, content_type, status):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/api/v1/greetings", body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    assert response.status == status, text[:500]
    assert response.getheader("content-type") == "application/json"
    assert "detail" in json.loads(text)
    assert "Traceback" not in text and 'File "' not in text


def test_oversized_streamed_body_is_refused_with_json(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        chunks = (b"x" * 65536 for _ in range(32))  # 2 MiB, chunked: no Content-Length to refuse up front
        connection.request("POST", "/api/v1/greetings", body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["detail"].startswith("Request body exceeds")
    finally:
        connection.close()


def test_all_health_checks_probe_the_same_path(default_project, server, rendered_python):
    project = default_project
    dockerfile = (project / "Dockerfile").read_text()
    docker_probe = json.loads(re.search(r"^HEALTHCHECK .* CMD (\[.*\])$", dockerfile, re.MULTILINE)[1])
    ecs_probe = json.loads(re.search(r"command\s+= (\[.*\])", (project / "terraform/ecs.tf").read_text())[1])
    assert ecs_probe == ["CMD", *docker_probe]
    alb_path = variable_defaults(project / "terraform")["health_check_path"]
    app_path = re.search(r'^HEALTH_PATH = "(.*)"$', (project / "app/core/config.py").read_text(), re.MULTILINE)[1]
    assert alb_path == app_path == "/health"
    probe = [rendered_python if word == "python" else word for word in docker_probe]
    assert subprocess.run(probe, cwd=project, env={"APP_PORT": str(server.port)}).returncode == 0
    assert subprocess.run(probe, cwd=project, env={"APP_PORT": str(free_port())}).returncode == 1


APP_UID = 10001  # the Dockerfile's USER
WRITE_PROBE = '''
import json, os, tempfile
found = {"uid": os.getuid()}
with tempfile.NamedTemporaryFile(dir="/tmp") as scratch:
    scratch.write(b"scratch")
    scratch.flush()
    found["tmp"] = os.path.getsize(scratch.name)
for path in (os.getcwd(), "/", "/root", "/opt"):
    try:
        open(os.path.join(path, "written-by-the-app"), "w").close()
        found[path] = "written"
    except OSError as error:
        found[path] = error.strerror
print(json.dumps(found))
'''


def fargate_tmp_mode(dockerfile: str) -> str:
    """The mode of the task volume Fargate mounts at /tmp. ECS copies what the image has at a path the
    Dockerfile declares a VOLUME, permissions included, into the volume; otherwise the volume is owned by
    root with mode 0755 (ECS developer guide, "Bind mounts")."""
    if not re.search(r'^VOLUME \["/tmp"\]$', dockerfile, re.MULTILINE):
        return "0755"
    chmod = re.search(r"^RUN chmod (\d+) /tmp$", dockerfile, re.MULTILINE)
    return chmod[1] if chmod else "1777"  # the python base image's own /tmp


def passwordless_sudo() -> list[str]:
    """`sudo` for a user who may run anything as root without a password, such as the runner user of
    GitHub's hosted runners. sudo keeps the environment (APP_HOST, APP_PORT) but what its policy always drops
    (PYTHONPATH, LD_*) and sets its own PATH, so every command of the sandbox is given by its absolute path."""
    sudo = shutil.which("sudo")
    prefix = [sudo or "sudo", "--non-interactive", "--preserve-env", "--"]
    if not sudo or subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode != 0:
        missing("root, or passwordless sudo", "the sandbox mounts as root and then drops to uid 10001, as ECS "
                "starts the container: run the tests as root or as a user with passwordless sudo")
    return prefix


def as_root(bwrap: str) -> list[str]:
    """The prefix that runs bwrap as root, once bwrap has shown it can make its namespaces. Unprivileged user
    namespaces are no substitute: in one, uid 10001 is no real uid for setpriv to drop to, the tmpfs mounts
    belong to the app user, and Ubuntu 24.04 refuses them to bwrap (kernel.apparmor_restrict_unprivileged_userns)."""
    prefix = [] if os.geteuid() == 0 else passwordless_sudo()
    probe = subprocess.run([*prefix, bwrap, "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        missing("a bwrap that may create mount and PID namespaces", f"bwrap said {probe.stderr.strip()!r}; run "
                "the tests on a machine or VM, not in a container that withholds CAP_SYS_ADMIN")
    return prefix


def private_homes() -> list[Path]:
    """Root's home and this user's, which the app user may not enter: the sandbox empties them."""
    homes = {Path("/root"), Path.home().resolve()}
    return sorted(home for home in homes if home != Path("/") and not home.is_relative_to("/tmp"))


def fargate_sandbox(project: Path, python: str) -> list[str]:
    """A command prefix that gives a process what the task definition gives the container: a read-only root
    filesystem, /tmp mounted as Fargate mounts the task volume, and the app's unprivileged uid."""
    bwrap = find_tool("bwrap", "make system-deps (apt-get install bubblewrap)")
    setpriv = find_tool("setpriv", "apt-get install util-linux")
    launcher = as_root(bwrap)
    # The interpreter, the environment and the project, which live in a home or in pytest's private directory
    # under /tmp, are put back read-only into the emptied homes and the fresh /tmp, with directories the app
    # user may traverse on the way.
    homes = private_homes()
    readable = sorted({Path(python).parents[1], Path(python).resolve().parents[1], project})
    layers = sorted({ancestor for path in readable for ancestor in path.parents
                     if any(ancestor.is_relative_to(place) and ancestor != place for place in [*homes, Path("/tmp")])},
                    key=lambda p: len(p.parts))
    emptied = [argument for home in homes for argument in ("--perms", "0755", "--tmpfs", str(home))]
    directories = [argument for path in layers for argument in ("--perms", "0755", "--dir", str(path))]
    binds = [argument for path in readable for argument in ("--ro-bind", str(path), str(path))]
    mode = fargate_tmp_mode((project / "Dockerfile").read_text())
    # --unshare-pid: setpriv's change of user clears --die-with-parent's signal for the app, so the app
    # gets its own PID namespace instead, which ends with bwrap: nothing outlives the test. bwrap itself
    # dies with its parent, sudo included, and sudo passes SIGTERM on to it.
    return [*launcher, bwrap, "--unshare-pid", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *emptied,
            "--perms", mode, "--tmpfs", "/tmp", *directories, *binds, "--chdir", str(project), "--die-with-parent",
            "--", setpriv, f"--reuid={APP_UID}", f"--regid={APP_UID}", "--clear-groups"]


def test_the_app_can_write_to_tmp_and_nowhere_else_as_on_fargate(default_project, rendered_python, record_property):
    sandbox = fargate_sandbox(default_project, rendered_python)
    found = json.loads(run([*sandbox, rendered_python, "-c", WRITE_PROBE], cwd=default_project).stdout)
    assert found.pop("uid") == APP_UID
    assert found.pop("tmp") == len(b"scratch"), "the app user must be able to write to /tmp"
    assert set(found.values()) <= {"Read-only file system", "Permission denied"}, found
    port = free_port()
    with Server([*sandbox, *container_command(default_project, rendered_python)], default_project, port) as server:
        assert http_get(port, "/health") == 200
    record_property("summary", f"app as uid {APP_UID} on a read-only root with only /tmp writable: "
                               f"first 200 after {server.started_in:.2f} s")
