"""The rendered Dockerfile built with a real container engine and the image run as ECS runs it (tests/container):
read-only root filesystem, task storage at /tmp, the image's user 10001, no capabilities, an init process and
the task's environment. It answers /health, /ready and /version on a port published on 127.0.0.1, its own
HEALTHCHECK turns healthy, SIGTERM with requests in flight drains them and exits 0 inside the stop timeout, the
app writes to /tmp and nowhere else, and the runtime image holds no build tool, uv, pip cache, dev tool or
secret. A broken Dockerfile line (a wrong COPY path, a package left out, a /tmp the app cannot write) fails.

Built here: Python 3.13 on X86_64, on the stand-in base image (tests/container/base_image.py). ARM64 needs an
arm64 machine or emulation, which this machine has not; the rendered pipeline builds each render's own."""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.harness import free_port
from tests.container.base_image import base_image, built_on
from tests.container.engine import Engine, EngineError, find_engine
from tests.container.image import GIT_SHA, Built, build, first_200, get, logs, running
from tests.container.task import task_timings
from tests.scanner.grype import Vulnerability, database, scan
from tests.scanner.sbom import packages, sbom_of
from tests.test_reliability import SLOW_APP, WRITE_PROBE, passwordless_sudo, refused, slow_get
from tests.test_template_requirements import normalised
from tests.test_vulnerability_gate import run_gate

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("container")]

BUILT = {"python_version": "3.13", "cpu_architecture": "X86_64"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return find_engine(passwordless_sudo)


@pytest.fixture(scope="module")
def built(engine, bakery, tmp_path_factory) -> Built:
    rendered = bakery(BUILT)
    base = base_image(engine, rendered, list(engine.root))
    project = built_on(rendered, tmp_path_factory.mktemp("image") / "project")
    tag = f"localhost/template-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{project.name}:{GIT_SHA[:12]}"
    result = build(engine, project, tag)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield Built(engine, project, tag, base)
    engine.run("rmi", "--force", tag, check=False)


def test_the_image_answers_health_ready_and_version_as_ecs_runs_it(built, record_property):
    started = time.monotonic()
    with running(built) as (name, port):
        waited = first_200(port)
        up = time.monotonic() - started
        assert waited is not None, logs(built, name)
        assert get(port, "/health") == (200, {"status": "ok"})
        assert get(port, "/ready")[0] == 200
        status, version = get(port, "/version")
        assert status == 200 and version["git_sha"] == GIT_SHA and version["image_tag"] == GIT_SHA, version
        assert get(port, "/docs")[0] == 404, "the task's APP_DOCS_ENABLED=false reached the app"
        config = built.engine.inspect("container", name)
        assert config["Config"]["User"] == "10001:10001" and config["HostConfig"]["ReadonlyRootfs"] is True
    size = built.engine.inspect("image", built.image)["Size"]
    record_property("summary", f"image {size / 2**20:.0f} MiB; first 200 on /health {up:.2f} s after podman run "
                               "(read-only root, /tmp volume, uid 10001, no capabilities, init)")


def test_the_images_own_healthcheck_turns_healthy(built):
    healthcheck = built.engine.inspect("image", built.image)["Healthcheck"]  # podman keeps it beside Config
    assert healthcheck["Test"] == ["CMD", "python", "-m", "app.healthcheck"], healthcheck
    with running(built) as (name, port):
        assert first_200(port) is not None, logs(built, name)
        checked = built.engine.run("healthcheck", "run", name, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        status = built.engine.inspect("container", name)["State"]["Health"]["Status"]
        assert status == "healthy", status


def test_sigterm_drains_requests_in_flight_and_exits_0_inside_the_stop_timeout(built, tmp_path, record_property):
    """ECS stops a task with SIGTERM and, after stopTimeout, SIGKILL: `podman stop --time` does the same."""
    timings = task_timings(built.project)
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    tmp_path.chmod(0o755)
    (tmp_path / "slow_app.py").chmod(0o644)
    mount = ["--volume", f"{tmp_path}:/srv/test-only:ro", "--env", "PYTHONPATH=/srv/test-only:/srv"]
    command = ("python", "-c", "from app.server import serve; serve('slow_app:create')")
    with running(built, *mount, command=command) as (name, port):
        assert first_200(port) is not None, logs(built, name)
        with ThreadPoolExecutor(max_workers=20) as pool:
            in_flight = [pool.submit(slow_get, port) for _ in range(20)]
            time.sleep(0.5)
            assert not any(future.done() for future in in_flight)
            signalled = time.monotonic()
            stop = subprocess.Popen(built.engine.command("stop", "--time", str(timings["stop"]), name),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            results = [future.result(timeout=timings["stop"] + 10) for future in in_flight]
            stop.wait(timeout=timings["stop"] + 30)
        stopped_after = time.monotonic() - signalled
        state = built.engine.inspect("container", name)["State"]
        assert refused(port), "the stopped container's port is closed"
    assert results == [(200, {"slept": 2.0})] * 20
    assert state["ExitCode"] == 0 and stopped_after < timings["stop"], (state, stopped_after)
    record_property("summary", f"in the container: 20/20 in-flight requests completed; exit 0 after "
                               f"{stopped_after:.1f} s (stop timeout {timings['stop']} s)")


def test_the_app_writes_to_tmp_and_nowhere_else(built):
    with running(built) as (name, port):
        assert first_200(port) is not None, logs(built, name)
        probe = built.engine.run("exec", name, "python", "-c", WRITE_PROBE)
    found = json.loads(probe.stdout)
    assert found["uid"] == 10001 and found["tmp"] == len(b"scratch"), found
    # /root is root's own (0700), so it refuses before the read-only mount does; nothing was written anywhere.
    assert {path: found[path] for path in ("/srv", "/", "/root", "/opt")} == {
        "/srv": "Read-only file system", "/": "Read-only file system", "/root": "Permission denied",
        "/opt": "Read-only file system"}, found


LEFTOVERS = '''
import glob, json, os, shutil, sys
found = {
    "tools": sorted(tool for tool in ("uv", "uvx", "gcc", "cc", "make", "git", "curl", "wget")
                    if shutil.which(tool)),
    "paths": sorted(path for pattern in ("/opt/uv", "/root/.cache", "/root/.cache/*", "/home/*/.cache",
                                         "/tmp/requirements*", "/srv/pyproject.toml", "/srv/uv.lock",
                                         "/srv/.env", "/srv/**/.git", "/opt/venv/lib/python*/site-packages/pip")
                    for path in glob.glob(pattern, recursive=True)),
    "dev": sorted(name for name in ("pytest", "flake8", "httpx2", "moto", "uv") if
                  glob.glob(f"/opt/venv/lib/python*/site-packages/{name}")),
    "environment": sorted(key for key in os.environ
                          if any(word in key for word in ("SECRET", "TOKEN", "PASSWORD", "AWS_", "KEY"))),
}
print(json.dumps(found))
'''


def test_the_runtime_image_holds_no_build_tools_caches_dev_tools_or_secrets(built):
    found = json.loads(built.engine.run("run", "--rm", "--read-only", *built.engine.ulimits, built.image,
                                        "python", "-c", LEFTOVERS).stdout)
    # The official base image sets GPG_KEY (the key its Python release was verified with): not ours, not secret.
    inherited = {entry.split("=", 1)[0] for entry in built.engine.inspect("image", built.base)["Config"]["Env"] or []}
    found["environment"] = [key for key in found["environment"] if key not in inherited]
    assert found == {"tools": [], "paths": [], "dev": [], "environment": []}, found
    history = built.engine.run("history", "--no-trunc", "--format", "{{.CreatedBy}}", built.image).stdout
    assert not re.search(r"(?i)secret|token|password|aws_", history), history


INSTALLED = """import importlib.metadata, json, subprocess
print(json.dumps({"python": sorted({(d.metadata["Name"], d.version) for d in importlib.metadata.distributions()}),
                  "deb": subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"], capture_output=True,
                                        text=True, check=True).stdout.split("\\n")[:-1]}))"""


@pytest.fixture(scope="module")
def sbom(built, syft, tmp_path_factory) -> Path:
    return sbom_of(built.engine, built.image, syft, tmp_path_factory.mktemp("sbom"))


def test_the_sbom_lists_every_package_the_image_runs(built, sbom):
    """The SBOM the release attests and grype scans, made by the pipeline's syft version from the saved image:
    every Python distribution of the app's environment and every Debian package at its installed version,
    no dev tool, and a document actions/attest accepts (SPDX 2.3 JSON under its 16 MB limit)."""
    document = json.loads(sbom.read_text())
    assert document["spdxVersion"] == "SPDX-2.3" and document["SPDXID"] and sbom.stat().st_size < 16 * 2**20
    installed = json.loads(built.engine.run("run", "--rm", "--read-only", *built.engine.ulimits, built.image,
                                            "python", "-c", INSTALLED).stdout)
    python = {(normalised(name), version) for name, version in installed["python"]}
    deb = {tuple(line.split(" ", 1)) for line in installed["deb"]}
    listed = {(normalised(name), version) for name, version in packages(sbom, "pypi").items()}
    assert {"fastapi", "uvicorn"} <= {name for name, _ in python}
    assert python - listed == set()
    assert deb - set(packages(sbom, "deb").items()) == set() and len(deb) > 50
    assert not {"pytest", "flake8", "uv", "httpx2"} & {name for name, _ in listed}


def test_the_gate_decides_on_grypes_own_report_of_the_image(built, sbom, grype, grypedb, tmp_path):
    """The release's path from the image to the decision, with real tools: syft's SBOM of the built image, the
    real grype (offline, its database written for the test, configured by the rendered security/grype.yaml
    in a checkout holding a .grype.yaml that would hide everything) and the rendered gate with the rendered
    policy. A fixable high finding in libc6 stops it; a critical without a fix, a medium and a high fixed
    five days ago do not; a vulnerability of a dev tool the image does not hold is not found; an acceptance
    of the libc6 finding lets it through; the report of a scan the .grype.yaml did configure is refused."""
    today = datetime.date.today()
    vulnerabilities = [
        Vulnerability("CVE-2099-0001", "high", "libc6", "deb", "< 9999", "9999", "fixed", "2026-01-05"),
        Vulnerability("CVE-2099-0002", "critical", "libc6", "deb"),
        Vulnerability("GHSA-2099-test-0003", "medium", "fastapi", "python", "< 9999", "9999", "fixed",
                      aliases=["CVE-2099-0003"]),
        Vulnerability("GHSA-2099-test-0004", "high", "uvicorn", "python", "< 9999", "9999", "fixed",
                      str(today - datetime.timedelta(days=5))),
        Vulnerability("GHSA-2099-test-0005", "critical", "pytest", "python", "< 9999", "9999", "fixed"),
    ]
    report, checkout = tmp_path / "grype.json", tmp_path / "checkout"
    shutil.copytree(built.project / "security", checkout / "security")
    (checkout / ".grype.yaml").write_text('distro: "alpine:3.20"\nexclude: ["/var/lib/dpkg/**"]\n')
    db = database(grypedb, tmp_path / "db", vulnerabilities)
    found = scan(grype, sbom, db, report, checkout / "security/grype.yaml", checkout)
    assert sorted((match["vulnerability"]["id"], match["artifact"]["name"]) for match in found["matches"]) == [
        ("CVE-2099-0001", "libc6"), ("CVE-2099-0002", "libc6"), ("GHSA-2099-test-0003", "fastapi"),
        ("GHSA-2099-test-0004", "uvicorn")]
    libc6 = packages(sbom, "deb")["libc6"]
    policy = built.project / "security/vulnerabilities.toml"
    blocked = run_gate(built.project, report, policy)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert [line for line in blocked.stderr.splitlines() if line.startswith("::error")] == [
        f"::error title=Vulnerability CVE-2099-0001::CVE-2099-0001 (high) in libc6 {libc6}, fixed in 9999 (since "
        "2026-01-05). Raise the package (a newer base image or pin), or accept it in "
        f"{policy} with a reason and an expiry. Nothing was pushed."]
    assert f"blocks from {today + datetime.timedelta(days=25)}" in blocked.stdout
    accepted = tmp_path / "vulnerabilities.toml"
    accepted.write_text(policy.read_text() + f"""
[[accept]]
id = "CVE-2099-0001"
package = "libc6"
reason = "The test accepts it to see the release pass."
expires = {today + datetime.timedelta(days=7)}
""")
    passed = run_gate(built.project, report, accepted)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "**Accepted** (1)" in passed.stdout and "Below the gate: 2 finding(s)" in passed.stdout
    hidden = scan(grype, sbom, db, tmp_path / "hidden.json", checkout / ".grype.yaml", checkout)
    assert len(hidden["matches"]) < len(found["matches"])
    refused = run_gate(built.project, tmp_path / "hidden.json", policy)
    assert refused.returncode == 2 and '"distro": "alpine:3.20"' in refused.stderr, refused.stderr


def smoke(built: Built, image: str, git_sha: str = GIT_SHA, tfvars: Path | None = None):
    """The rendered project's scripts/smoke-image.sh, the pull request pipeline's check, with podman."""
    env = {**os.environ, "ENGINE": " ".join(built.engine.command()), "SMOKE_PORT": str(free_port()),
           "SMOKE_RUN_OPTIONS": " ".join(built.engine.ulimits)}
    return subprocess.run([str(built.project / "scripts/smoke-image.sh"), image, git_sha,
                           *([str(tfvars)] if tfvars else [])], cwd=built.project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_pipelines_smoke_script_passes_the_image_and_names_a_wrong_commit_or_architecture(built, tmp_path):
    passed = smoke(built, built.image)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.strip().endswith(f"SIGTERM stops it with exit status 0: {built.image} passes")
    default_stop = re.search(r"^stop_timeout=\$\{SMOKE_STOP_TIMEOUT:-(\d+)\}$",
                             (built.project / "scripts/smoke-image.sh").read_text(), re.MULTILINE)[1]
    assert int(default_stop) == task_timings(built.project)["stop"], "the script stops as the task does"
    wrong = smoke(built, built.image, "f" * 40)
    assert wrong.returncode == 1 and f"not the commit {'f' * 40}" in wrong.stderr, wrong.stderr
    arm = tmp_path / "arm.tfvars"
    arm.write_text(re.sub(r'^cpu_architecture\s*=.*$', 'cpu_architecture = "ARM64"',
                          (built.project / "terraform/prod.tfvars").read_text(), flags=re.MULTILINE))
    other = smoke(built, built.image, GIT_SHA, arm)
    assert other.returncode == 1 and "is built for amd64, but" in other.stderr, other.stderr


BROKEN = {
    # name: (the Dockerfile's line, the broken line, where it shows)
    "wrong-copy-path": ("COPY app ./app", "COPY ap ./app", "build"),
    "package-left-out": ("    /opt/uv/bin/uv sync --locked",
                         "    /opt/uv/bin/uv sync --locked --no-install-package uvicorn", "start"),
    "tmp-not-writable": ("RUN chmod 1777 /tmp", "RUN chmod 0755 /tmp", "tmp"),
}


@pytest.mark.parametrize("defect", BROKEN)
def test_a_broken_dockerfile_line_fails(built, defect, tmp_path):
    line, broken, shows = BROKEN[defect]
    project = tmp_path / built.project.name
    shutil.copytree(built.project, project)
    dockerfile = project / "Dockerfile"
    assert dockerfile.read_text().count(line + "\n") == 1, line
    dockerfile.write_text(dockerfile.read_text().replace(line + "\n", broken + "\n"))
    tag = f"localhost/template-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-broken-{defect}:{GIT_SHA[:12]}"
    result = build(built.engine, project, tag)
    try:
        if shows == "build":
            assert result.returncode != 0 and '"/ap": no such file or directory' in result.stderr, result.stderr[-2000:]
            return
        assert result.returncode == 0, result.stderr[-2000:]
        with running(built, image=tag) as (name, port):
            if shows == "start":
                assert first_200(port, within=10) is None
                assert "No module named 'uvicorn'" in logs(built, name)
            else:
                assert first_200(port) is not None, logs(built, name)
                with pytest.raises(EngineError, match="Permission denied"):
                    built.engine.run("exec", name, "python", "-c", WRITE_PROBE)
        # The pull request pipeline's check refuses it too, saying why.
        refused = smoke(built, tag)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert {"start": "/health did not answer 200 within 30 s.",
                "tmp": "the app cannot write to /tmp."}[shows] in refused.stderr, refused.stderr
    finally:
        built.engine.run("rmi", "--force", tag, check=False)
