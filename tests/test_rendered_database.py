"""database=postgres: the rendered project passes its own tests against a real PostgreSQL server (tests/postgres.py),
its `make db` starts, serves and stops a server of its own, its image installs the database packages from wheels;
database=none renders carry no database code and install no database package."""
import re
import shutil
import socket
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

from tests import postgres
from tests.conftest import run
from tests.test_rendered_dependencies import build_stage, exported, installed, wheel_serves

POSTGRES = {"database": "postgres"}
DATABASE_PACKAGES = {"sqlalchemy", "asyncpg", "alembic", "greenlet"}
# What the Terraform side passes to the service and to the migration task (terraform/ecs.tf).
DEPLOYED_SETTINGS = {"APP_DATABASE_HOST", "APP_DATABASE_PORT", "APP_DATABASE_NAME", "APP_DATABASE_USER",
                     "APP_DATABASE_PASSWORD", "APP_DATABASE_SSL", "APP_DATABASE_GRANT_USER",
                     "APP_DATABASE_GRANT_PASSWORD"}


@pytest.fixture(scope="session")
def postgres_project(bakery) -> Path:
    return bakery(POSTGRES)


def test_the_rendered_tests_pass_against_postgresql(postgres_project, rendered_python, postgres_server):
    result = run([rendered_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"], cwd=postgres_project,
                 env={**postgres_server.environment, "CI": "true"})
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
    assert " failed" not in result.stdout and " skipped" not in result.stdout and " error" not in result.stdout
    for module in ("test_notes", "test_migrations", "test_migrate", "test_database"):
        assert (postgres_project / "tests" / f"{module}.py").exists()


def test_without_a_server_the_rendered_tests_skip_saying_make_db_and_fail_in_ci(postgres_project, rendered_python):
    closed = {"APP_DATABASE_HOST": "127.0.0.1", "APP_DATABASE_PORT": str(postgres.free_port())}
    test = [rendered_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/test_notes.py"]
    skipped = run(test, cwd=postgres_project, env={**closed, "CI": "false"})
    assert " skipped" in skipped.stdout and "run `make db`" in skipped.stdout, skipped.stdout
    failed = run(test, cwd=postgres_project, env={**closed, "CI": "true"}, ok=(1,))
    assert " error" in failed.stdout and "run `make db`" in failed.stdout, failed.stdout


def test_the_database_render_lints(postgres_project, rendered_python, hadolint, actionlint, shellcheck, zizmor):
    """The files the database option changes: its Python, its Dockerfile and its workflow's test job."""
    run([rendered_python, "-m", "flake8"], cwd=postgres_project)
    run([hadolint, "--failure-threshold", "info", "Dockerfile"], cwd=postgres_project)
    path = f"{Path(shellcheck).parent}:{Path(actionlint).parent}"
    run([actionlint, "-shellcheck", shellcheck, ".github/workflows/ci-cd.yml"], cwd=postgres_project,
        env={"PATH": f"{path}:/usr/bin:/bin"})
    run([zizmor, "--offline", "--persona", "pedantic", "--no-progress", ".github"], cwd=postgres_project)


def test_the_settings_take_what_the_infrastructure_passes(postgres_project, rendered_python):
    fields = run([rendered_python, "-c", "from app.core.config import Settings; print(*Settings.model_fields)"],
                 cwd=postgres_project).stdout.split()
    assert {f"APP_{name.upper()}" for name in fields} >= DEPLOYED_SETTINGS
    dockerfile = (postgres_project / "Dockerfile").read_text()
    assert "COPY app ./app" in dockerfile, "the migrations (app/migrations) reach the image with the app"


def test_make_db_starts_a_server_the_project_reaches_then_stops_it(postgres_project, postgres_binaries):
    """`make db` as a developer runs it, twice (the second finds it running), then `make db-stop`."""
    # Outside pytest's base directory (root's alone): as root, the server runs as the postgres user.
    workspace = Path(tempfile.mkdtemp(prefix="template-make-db-"))
    workspace.chmod(0o755)
    project = workspace / "project"
    shutil.copytree(postgres_project, project, ignore=shutil.ignore_patterns(".venv*", ".db"))
    port = str(postgres.free_port())
    make = ["make", f"DB_PORT={port}", f"PG_BIN={postgres_binaries}", f"PYTHON={sys.executable}"]
    try:
        first = run([*make, "db"], cwd=project, timeout=120)
        assert f"on 127.0.0.1:{port}, database " in first.stdout, first.stdout
        run([*make, "db"], cwd=project, timeout=60)
        assert oct((project / ".db").stat().st_mode & 0o777) == "0o700"
        assert oct((project / ".db/password").stat().st_mode & 0o777) == "0o600"
        name = re.search(r"^DB_NAME := (\S+)$", (project / "Makefile").read_text(), re.MULTILINE)[1]
        password = (project / ".db/password").read_text().strip()
        answer = run([str(postgres_binaries / "psql"), "--host=127.0.0.1", f"--port={port}", "--username=postgres",
                      f"--dbname={name}", "--no-psqlrc", "--tuples-only", "--no-align", "--command=SELECT 1"],
                     cwd=project, env={"PGPASSWORD": password})
        assert answer.stdout.strip() == "1"
        refused = run([str(postgres_binaries / "psql"), "--host=127.0.0.1", f"--port={port}", "--username=postgres",
                       "--dbname=postgres", "--no-psqlrc", "--command=SELECT 1"], cwd=project,
                      env={"PGPASSWORD": "not-the-password"}, ok=(2,))
        assert "password authentication failed" in refused.stderr
        assert ".db/" in (project / ".gitignore").read_text().split()
    finally:
        run([*make, "db-stop"], cwd=project, timeout=60)
        shutil.rmtree(workspace, ignore_errors=True)
    assert not port_open(int(port)), "make db-stop stopped the server"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_image_installs_the_database_group_from_wheels(postgres_project, uv, tmp_path):
    stage = build_stage((postgres_project / "Dockerfile").read_text())
    command = re.search(r"^    (/opt/uv/bin/uv sync .*)$", stage, re.MULTILINE)[1].split()
    assert command == ["/opt/uv/bin/uv", "sync", "--locked", "--group", "database"]
    context = tmp_path / "context"
    context.mkdir()
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(postgres_project / name, context / name)
    environment = tmp_path / "opt-venv"
    run([uv, *command[1:]], cwd=context, env={"UV_PROJECT_ENVIRONMENT": str(environment), "UV_PYTHON": sys.executable,
                                              "UV_PYTHON_DOWNLOADS": "never", "UV_NO_DEFAULT_GROUPS": "1",
                                              "UV_NO_BUILD": "1"})
    names = installed(environment)
    assert DATABASE_PACKAGES <= names and "pytest" not in names, names


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
@pytest.mark.parametrize("python", ["312", "313"])
def test_every_database_package_has_a_wheel_for_each_image(postgres_project, uv, machine, python):
    wanted = exported(postgres_project, uv, "--no-default-groups", "--group", "database")
    packages = {package["name"]: package
                for package in tomllib.loads((postgres_project / "uv.lock").read_text())["package"]}
    lacking = [name for name in sorted(wanted)
               if not any(wheel_serves(wheel["url"].rsplit("/", 1)[1], machine, python)
                          for wheel in packages[name].get("wheels", []))]
    assert DATABASE_PACKAGES <= wanted and lacking == [], lacking


def test_a_render_without_a_database_has_no_database_code_or_packages(bakery, uv):
    project = bakery({})
    files = [path for path in project.rglob("*") if path.is_file() and ".terraform" not in path.parts]
    assert not (project / "alembic.ini").exists()
    assert [path for path in (project / "app/migrations").rglob("*") if path.is_file()] == []
    python_files = [path for path in files
                    if path.suffix == ".py" and path.parts[len(project.parts)] in ("app", "tests")]
    assert [path for path in python_files if re.search(r"sqlalchemy|asyncpg|alembic|DATABASE", path.read_text())] == []
    makefile = (project / "Makefile").read_text()
    assert not re.search(r"^db:", makefile, re.MULTILINE) and "--group database" not in makefile
    assert "--group database" not in (project / "Dockerfile").read_text()
    assert "make db" not in (project / ".github/workflows/ci-cd.yml").read_text()
    # What `make install` and the image install (the default groups, the runtime): no database package.
    assert not exported(project, uv) & DATABASE_PACKAGES
    assert not exported(project, uv, "--no-default-groups") & DATABASE_PACKAGES
