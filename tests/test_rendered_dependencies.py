"""The rendered project's Python dependencies, on uv: pinned in pyproject.toml (the runtime, a dev group and an
emulator group), resolved into one uv.lock with every file's hash that serves every render, and installed only
with `uv sync --locked`, which refuses a lock that no longer matches pyproject.toml and says what to run.
`make install`, `make lint` and `make test` run as a developer runs them; the emulator's environment and the
image's build stage get only their own groups. uv itself is pinned once, with hashes, for make, the image and
the CI workflow, and Dependabot updates the lock and uv."""
import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import TEMPLATE_DIR, run
from tests.test_template_requirements import normalised

WORKFLOW = ".github/workflows/ci-cd.yml"
DEV_TOOLS = {"pytest", "flake8", "httpx2", "pip-tools"}
EMULATOR_TOOLS = {"moto", "parliament", "boto3", "flask"}
RUNTIME = {"fastapi", "pydantic-settings", "uvicorn", "uvloop", "httptools"}


def installed(environment: Path) -> set[str]:
    """The distributions in a virtual environment, by their normalised names."""
    return {normalised(path.name.split("-")[0]) for path in environment.glob("lib/python*/site-packages/*.dist-info")}


def exported(project: Path, uv: str, *groups: str) -> set[str]:
    """The packages uv.lock resolves for the given group options, by their normalised names."""
    listed = run([uv, "export", "--locked", "--offline", "--no-hashes", "--no-header", "--no-annotate",
                  "--no-emit-project", "--python", sys.executable, *groups], cwd=project,
                 env={"UV_PYTHON_DOWNLOADS": "never"}).stdout
    return {normalised(line.split("==")[0]) for line in listed.splitlines() if "==" in line}


def make(project: Path, uv: str, *targets: str, ok: tuple[int, ...] = (0,)):
    """make as a developer runs it, with the suite's uv and interpreter (never a downloaded Python)."""
    return run(["make", *targets, f"UV={uv}", f"PYTHON={sys.executable}"], cwd=project, ok=ok, timeout=900,
               env={"UV_PYTHON_DOWNLOADS": "never"})


def build_stage(dockerfile: str) -> str:
    return dockerfile.split(" AS build\n", 1)[1].split("\nFROM ", 1)[0]


@pytest.fixture
def workspace(bakery, tmp_path) -> Path:
    """A copy of the default render that a test may install into and edit."""
    project = tmp_path / "project"
    shutil.copytree(bakery({}), project)
    return project


def test_every_render_shares_one_lock_that_matches_its_pyproject(project, bakery, uv):
    default = bakery({})
    slug = tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"]
    default_slug = tomllib.loads((default / "pyproject.toml").read_text())["project"]["name"]
    lock = (project / "uv.lock").read_text()
    assert lock == (default / "uv.lock").read_text().replace(f'name = "{default_slug}"\n', f'name = "{slug}"\n')
    shared = lambda path: {key: value for key, value in tomllib.loads(path.read_text()).items()  # noqa: E731
                           if key != "project"} | {"requires-python": tomllib.loads(path.read_text())["project"]
                                                   ["requires-python"]}
    assert shared(project / "pyproject.toml") == shared(default / "pyproject.toml")
    run([uv, "lock", "--locked", "--offline", "--python", sys.executable], cwd=project,
        env={"UV_PYTHON_DOWNLOADS": "never"})


def test_the_lock_pins_every_download_with_its_hash_and_no_other_requirements_file_remains(project):
    packages = tomllib.loads((project / "uv.lock").read_text())["package"]
    downloads = [item for package in packages if "registry" in package.get("source", {})
                 for item in [package.get("sdist", {})] * ("sdist" in package) + package.get("wheels", [])]
    assert len(downloads) > 100
    assert [item["url"] for item in downloads if not re.fullmatch(r"sha256:[0-9a-f]{64}", item.get("hash", ""))] == []
    assert sorted(path.name for path in project.glob("requirements*")) == ["requirements-uv.in", "requirements-uv.txt"]


def test_make_install_gives_the_runtime_and_dev_tools_then_lint_and_test_pass(workspace, uv):
    make(workspace, uv, "install")
    names = installed(workspace / ".venv")
    assert RUNTIME | DEV_TOOLS - {"pip-tools"} <= names <= exported(workspace, uv), names
    assert not names & EMULATOR_TOOLS, names
    make(workspace, uv, "lint")
    tests = make(workspace, uv, "test")
    assert re.search(r"\b\d+ passed\b", tests.stdout) and " failed" not in tests.stdout, tests.stdout[-2000:]


def test_a_pin_edited_without_make_lock_is_refused_with_the_command_to_run(workspace, uv):
    pyproject = workspace / "pyproject.toml"
    text = pyproject.read_text()
    version = re.search(r'"pytest==(\S+)"', text)[1]
    pyproject.write_text(text.replace(f'"pytest=={version}"', '"pytest==8.4.2"'))
    refused = make(workspace, uv, "install", ok=(2,))
    message = refused.stderr.strip()
    assert "needs to be updated, but `--locked` was provided" in " ".join(message.split()), message
    assert "run make py-lock, then commit uv.lock" in message, message
    assert installed(workspace / ".venv") == set(), "nothing is installed from a lock that does not match"
    print(f"lock mismatch:\n{message}")


def test_the_emulators_environment_holds_the_emulator_group_alone(workspace, uv):
    make(workspace, uv, ".venv-emulator/.installed")
    names = installed(workspace / ".venv-emulator")
    assert {"moto", "parliament", "setuptools"} <= names <= exported(workspace, uv, "--only-group", "emulator")
    # moto's openapi-spec-validator needs pydantic-settings too
    assert not names & (RUNTIME - {"pydantic-settings"} | DEV_TOOLS), names


def test_the_image_build_stage_installs_the_runtime_alone_with_its_bytecode(bakery, uv, tmp_path):
    """The build stage's own install, run here with its ENV (the image itself is built by the pipeline): the
    runtime dependencies and nothing of the dev or emulator groups, compiled to bytecode, from the two files
    the stage mounts."""
    project = bakery({})
    stage = build_stage((project / "Dockerfile").read_text())
    env_block = re.search(r"^ENV (.*?)\n(?!\s)", stage, re.MULTILINE | re.DOTALL)[1]
    env = dict(re.findall(r"(\w+)=(\S+)", env_block))
    cache_mount = r"^RUN --mount=type=cache,target=/root/\.cache/uv \\\n(.*?)\n\n"
    sync = re.search(cache_mount, stage, re.MULTILINE | re.DOTALL)[1]
    mounts = re.findall(r"--mount=type=bind,source=(\S+),target=(\S+)", sync)
    assert sorted(mounts) == [("pyproject.toml", "/srv/pyproject.toml"), ("uv.lock", "/srv/uv.lock")]
    command = sync.rsplit("\\\n", 1)[1].split()
    assert command == ["/opt/uv/bin/uv", "sync", "--locked"]
    context = tmp_path / "context"
    context.mkdir()
    for source, _ in mounts:
        shutil.copy(project / source, context / source)
    environment = tmp_path / "opt-venv"
    env |= {"UV_PROJECT_ENVIRONMENT": str(environment), "UV_PYTHON": sys.executable}
    run([uv, *command[1:]], cwd=context, env=env)
    names = installed(environment)
    assert RUNTIME <= names <= exported(project, uv, "--no-dev"), names
    assert not names & (DEV_TOOLS | EMULATOR_TOOLS | {"pip", "setuptools"}), names
    assert list(environment.glob("lib/python*/site-packages/fastapi/__pycache__/*.pyc"))
    # Only what the build needs is in the build context.
    ignore = (project / ".dockerignore").read_text().split()
    admitted = {line[1:] for line in ignore if line.startswith("!")}
    assert admitted == {"app/", "pyproject.toml", "uv.lock", "requirements-uv.txt"}


def wheel_serves(filename: str, machine: str, python: str) -> bool:
    """Whether a wheel installs on manylinux for this machine (x86_64, aarch64) and CPython (312, 313)."""
    _, _, python_tag, abi, platform = filename[:-len(".whl")].rsplit("-", 4)
    if platform == "any":
        return True
    if not (platform.startswith("manylinux") and platform.endswith(machine)):
        return False
    if abi == "abi3":
        return any(tag.startswith("cp3") and int(tag[2:]) <= int(python) for tag in python_tag.split("."))
    return f"cp{python}" in python_tag.split(".") and abi == f"cp{python}"


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
@pytest.mark.parametrize("python", ["312", "313"])
def test_every_runtime_package_has_a_wheel_for_each_image(bakery, uv, machine, python):
    """The image's build stage takes wheels only (UV_NO_BUILD), for both cpu_architecture choices and both
    Pythons: a runtime dependency that ships only an sdist for one of them would fail the release's build."""
    project = bakery({})
    runtime = exported(project, uv, "--no-default-groups")
    packages = {package["name"]: package for package in tomllib.loads((project / "uv.lock").read_text())["package"]}
    missing = [name for name in sorted(runtime)
               if not any(wheel_serves(wheel["url"].rsplit("/", 1)[1], machine, python)
                          for wheel in packages[name].get("wheels", []))]
    assert missing == [], f"no wheel for manylinux {machine}, CPython 3.{python[1:]}: {missing}"


def test_a_sync_that_fails_for_another_reason_does_not_blame_the_lock(workspace, uv, tmp_path):
    missing_python = tmp_path / "no-such-python3"
    result = run(["make", "install", f"UV={uv}", f"PYTHON={missing_python}"], cwd=workspace, ok=(2,),
                 env={"UV_PYTHON_DOWNLOADS": "never"})
    assert str(missing_python) in result.stderr and "make py-lock" not in result.stderr, result.stderr


def test_uv_is_pinned_once_for_make_the_image_and_the_workflow(project):
    pinned = (project / "requirements-uv.txt").read_text()
    assert pinned == (TEMPLATE_DIR / "requirements-uv.txt").read_text(), "the template's tools and the render agree"
    assert re.search(r"^uv==\S+ \\$", pinned, re.MULTILINE) and pinned.count("--hash=sha256:") > 5
    assert "required-version" not in (project / "pyproject.toml").read_text(), "Dependabot locks with its own uv"
    makefile = (project / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements-uv.txt" in makefile
    stage = build_stage((project / "Dockerfile").read_text())
    assert "pip install --require-hashes --only-binary=:all: -r /tmp/requirements-uv.txt" in stage
    # The workflow installs uv as make does (setup-uv would download a uv whose checksum it does not know).
    jobs = yaml.safe_load((project / WORKFLOW).read_text())["jobs"]
    steps = [step for job in jobs.values() for step in job["steps"]]
    assert not [step for step in steps if step.get("uses", "").startswith("astral-sh/setup-uv@")]
    assert [step["run"] for step in steps if "make install" in step.get("run", "")] == ["make install"] * 2
    assert not [step["run"] for step in steps if "UV=" in step.get("run", "") or "pip install" in step.get("run", "")]
    setups = [step for step in steps if step.get("uses", "").startswith("actions/setup-python@")]
    assert len(setups) == 3 and all(step["with"]["cache-dependency-path"] == "requirements-uv.txt" for step in setups)
    # uv's own downloads: a cache per job (each installs other groups), keyed on the lock.
    caches = [step["with"] for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert len(caches) == 3 and all(cache["path"] == "~/.cache/uv" and "${{ github.job }}" in cache["key"]
                                    and cache["key"].endswith("${{ hashFiles('uv.lock') }}") for cache in caches)


def test_dependabot_updates_the_lock_and_uv(project):
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text())
    (update,) = [update for update in config["updates"] if update["package-ecosystem"] == "uv"]
    assert update["directory"] == "/"
    assert "pip" not in {update["package-ecosystem"] for update in config["updates"]}, (
        "pip would propose the pyproject.toml pins a second time, without uv.lock")


# --- make adopt-requirements, on its own: what it adds, keeps, refuses and deletes ---------------------------
FAKE_UV = '#!/bin/sh\necho "$@" >> "$(dirname "$0")/calls"\n'


def pinned(project: Path, name: str) -> str:
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(item for item in dependencies if item.startswith(f"{name}=="))


def older(pin: str) -> str:
    name, version = pin.split("==")
    major, minor, *rest = version.split(".")
    return f"{name}=={major}.{int(minor) - 1}.0"


def newer(pin: str) -> str:
    name, version = pin.split("==")
    major, minor, *rest = version.split(".")
    return f"{name}=={major}.{int(minor) + 1}.0"


ADOPT_CASES = {
    # name: (old files, exit status, what it prints, what `uv add` receives, the old files deleted)
    "new-and-dev-only-packages-join-the-runtime": (
        lambda p: {"requirements.in": f"{older(pinned(p, 'fastapi'))}\nhttpx2==2.16.2\nrequests==2.32.5  # ours\n",
                   "requirements.txt": "compiled\n"},
        0, "requirements.in: adding httpx2==2.16.2, requests==2.32.5",
        "add --no-sync --python {python} httpx2==2.16.2 requests==2.32.5", True),
    "the-template-pins-and-pip-tools-of-the-dev-file-add-nothing": (
        lambda p: {"requirements-dev.in": "-c requirements.txt\nflake8==7.5.0\npip-tools==7.6.2\n",
                   "requirements-dev.txt": "compiled\n"},
        0, "requirements-dev.in: pyproject.toml already has every requirement", None, True),
    "a-newer-pin-of-the-users-is-a-decision": (
        lambda p: {"requirements.in": f"{newer(pinned(p, 'fastapi'))}\nrequests==2.32.5\n"},
        1, "is newer than pyproject.toml's fastapi", None, False),
    "other-extras-are-a-decision": (
        lambda p: {"requirements.in": f"{pinned(p, 'uvicorn').replace('uvicorn', 'uvicorn[standard]')}\n"},
        1, "differs from pyproject.toml's uvicorn in its extras or marker", None, False),
    "option-lines-are-a-decision": (
        lambda p: {"requirements.in": "--extra-index-url https://packages.example.com/simple\n-r more.in\n"},
        1, "is not a plain requirement", None, False),
    "a-compiled-file-without-its-input-is-refused": (
        lambda p: {"requirements.txt": "requests==2.32.5\n"}, 1, "requirements.txt without its .in file", None, False),
    "nothing-left-nothing-to-do": (lambda p: {}, 0, "nothing to adopt", None, True),
}


@pytest.mark.parametrize("case", ADOPT_CASES)
def test_adopt_requirements_adds_only_what_is_new_and_stops_on_what_needs_a_person(workspace, tmp_path, case):
    files, status, says, adds, deleted = ADOPT_CASES[case]
    fake = tmp_path / "bin" / "uv"
    fake.parent.mkdir()
    fake.write_text(FAKE_UV)
    fake.chmod(0o755)
    before = (workspace / "pyproject.toml").read_text()
    for name, text in files(workspace).items():
        (workspace / name).write_text(text)
    result = run([sys.executable, "scripts/adopt-requirements.py", str(fake), sys.executable], cwd=workspace,
                 ok=(status,))
    assert says in result.stdout + result.stderr, result.stdout + result.stderr
    calls = (fake.parent / "calls").read_text().splitlines() if (fake.parent / "calls").exists() else []
    assert calls == ([adds.format(python=sys.executable)] if adds else [])
    left = sorted(path.name for path in workspace.glob("requirements*") if "-uv." not in path.name)
    assert left == ([] if deleted else sorted(files(workspace))), left
    assert (workspace / "pyproject.toml").read_text() == before
