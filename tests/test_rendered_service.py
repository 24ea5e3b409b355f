"""The rendered service lints, passes its own tests and has a clean Dockerfile, in every variant."""
import re

from tests.conftest import run


def test_flake8_passes(project, rendered_python):
    run([rendered_python, "-m", "flake8"], cwd=project)


def test_rendered_tests_pass(project, answers, rendered_python, request):
    """With a database, against a real PostgreSQL server (tests/postgres.py): no test may skip."""
    server = request.getfixturevalue("postgres_server") if answers["database"] == "postgres" else None
    result = run([rendered_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                 env=server.environment if server else None)
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
    assert " failed" not in result.stdout and " skipped" not in result.stdout


def test_hadolint_passes(project, hadolint):
    run([hadolint, "--failure-threshold", "info", "Dockerfile"], cwd=project)


def test_dockerfile_matches_the_inputs(project, answers):
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.count(f"FROM python:{answers['python_version']}-slim") == 2  # literal: Dependabot reads it
    assert f"APP_PORT={answers['container_port']}" in dockerfile
    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["python", "-m", "app"\]$', dockerfile, re.MULTILINE)


def test_the_dockerfile_fetches_no_frontend(project):
    """A `# syntax=` line makes BuildKit pull that frontend image at build time, unpinned unless by digest."""
    assert not re.search(r"^#\s*syntax\s*=", (project / "Dockerfile").read_text(), re.MULTILINE | re.IGNORECASE)


def test_both_stages_build_on_the_same_base_image_pinned_by_its_index_digest(project, answers):
    """The digest is the image index's (every platform, ARM64 too), from docker-library/repo-info; the tag stays
    beside it so that Dependabot knows what to follow and proposes the next digest."""
    pins = re.findall(r"^FROM python:([0-9.]+)-slim-trixie@(sha256:[0-9a-f]{64}) AS (build|runtime)$",
                      (project / "Dockerfile").read_text(), re.MULTILINE)
    assert [stage for _, _, stage in pins] == ["build", "runtime"]
    assert {(version, digest) for version, digest, _ in pins} == {(answers["python_version"], pins[0][1])}
