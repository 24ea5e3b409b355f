"""The template's own Python tools: pinned in pyproject.toml (and tools/checkov/pyproject.toml), resolved by uv
into lock files that pin every dependency with its files' hashes, installed with `uv sync --locked` (which
refuses a lock that no longer matches its pyproject.toml), and read by Dependabot. uv itself comes from the
one requirements file pip reads, hash-checked too."""
import re
import shutil
import tomllib

import pytest
import yaml

from tests.conftest import TEMPLATE_DIR, run

PROJECTS = [TEMPLATE_DIR, TEMPLATE_DIR / "tools/checkov"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)$")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def pyproject(project) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())


def pins(project) -> dict[str, str]:
    """name -> version of each `==` pin of the project's dependencies and dependency groups."""
    data = pyproject(project)
    listed = data["project"]["dependencies"] + [item for group in data.get("dependency-groups", {}).values()
                                                for item in group if isinstance(item, str)]
    found = [PIN.match(item) for item in listed]
    assert all(found), f"every requirement is pinned with ==: {listed}"
    return {normalised(match[1]): match[2] for match in found}


def locked(project) -> list[dict]:
    return tomllib.loads((project / "uv.lock").read_text())["package"]


@pytest.mark.parametrize("project", PROJECTS, ids=["tools", "checkov"])
def test_the_lock_keeps_every_version_pyproject_pins(project):
    wanted = pins(project)
    versions = {}
    for package in locked(project):
        versions.setdefault(package["name"], set()).add(package.get("version"))
    assert wanted and {name: versions.get(name) for name in wanted} == {name: {v} for name, v in wanted.items()}


@pytest.mark.parametrize("lock", ["uv.lock", "tools/checkov/uv.lock", "{{cookiecutter.project_slug}}/uv.lock"])
def test_each_lock_stays_small_enough_for_dependabot(lock):
    """Dependabot skips a file over 500,000 bytes (MAX_FILE_SIZE of its file fetcher): it would then raise a pin in
    pyproject.toml without uv.lock, and every such pull request would fail `uv sync --locked`. Each pyproject.toml
    resolves for the systems it runs on only (tool.uv.environments), which leaves out most wheels."""
    size = (TEMPLATE_DIR / lock).stat().st_size
    assert size < 450_000, f"{lock} is {size:,} bytes"
    print(f"{lock}: {size:,} bytes")


@pytest.mark.parametrize("project", PROJECTS, ids=["tools", "checkov"])
def test_every_locked_download_carries_its_hash(project):
    downloads = [item for package in locked(project) if "registry" in package.get("source", {})
                 for item in [package.get("sdist", {})] * ("sdist" in package) + package.get("wheels", [])]
    assert len(downloads) > 50
    assert [item["url"] for item in downloads if not re.fullmatch(r"sha256:[0-9a-f]{64}", item.get("hash", ""))] == []


@pytest.mark.parametrize("project", PROJECTS, ids=["tools", "checkov"])
def test_the_lock_matches_its_pyproject(uv, project):
    run([uv, "lock", "--locked", "--offline", "--project", str(project)], cwd=TEMPLATE_DIR,
        env={"UV_PYTHON_DOWNLOADS": "never"})


def test_a_pin_changed_without_make_lock_is_refused_with_the_command_to_fix_it(uv, tmp_path):
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(TEMPLATE_DIR / name, tmp_path / name)
    text = (tmp_path / "pyproject.toml").read_text()
    version = pins(TEMPLATE_DIR)["pytest"]
    (tmp_path / "pyproject.toml").write_text(text.replace(f'"pytest=={version}"', '"pytest==8.4.2"'))
    # uv resolves the changed pin from the registry before it can tell the lock is out of date.
    refused = run([uv, "sync", "--locked", "--project", str(tmp_path)], cwd=tmp_path, ok=(1, 2),
                  env={"UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": str(tmp_path / "env")})
    message = refused.stderr.strip()
    assert "needs to be updated" in message and "uv lock" in message, message
    print(f"lock mismatch: {message}")


def test_rendering_installs_cookiecutter_alone(uv):
    exported = run([uv, "export", "--locked", "--offline", "--no-default-groups", "--group", "render",
                    "--no-hashes", "--no-header", "--no-annotate"], cwd=TEMPLATE_DIR).stdout
    names = {normalised(match[1]) for match in map(PIN.match, exported.split()) if match}
    assert "cookiecutter" in names
    assert not names & {"pytest", "moto", "boto3", "checkov", "schemathesis", "mkdocs"}, names


def test_make_installs_each_environment_from_its_lock():
    recipes = run(["make", "-n", "-B", "PYTHON=python3", ".venv-uv/bin/uv", ".venv-render/.installed",
                   ".venv/.installed", ".venv-checkov/.installed"], cwd=TEMPLATE_DIR).stdout
    assert "pip install --quiet --require-hashes -r requirements-uv.txt" in recipes
    syncs = [sync.split(" || ")[0] for sync in re.findall(r"uv sync (.*)", recipes)]
    assert len(syncs) == 3 and all(sync.startswith("--locked ") for sync in syncs), syncs
    assert syncs[0].endswith("--no-default-groups --group render")
    assert syncs[2].endswith("--project tools/checkov")
    assert recipes.count("run make lock") == 3, "a lock that no longer matches says what to run"
    makefile = (TEMPLATE_DIR / "Makefile").read_text()
    assert "\n$(VENV)/.installed: $(UV) pyproject.toml uv.lock\n" in makefile, "a new lock reinstalls"


def test_pip_installs_uv_from_its_hashed_pin():
    """No pyproject.toml requires a uv version: Dependabot resolves uv.lock with a uv of its own choosing, which
    a required-version would refuse. make always runs the uv pinned here."""
    lock = (TEMPLATE_DIR / "requirements-uv.txt").read_text()
    assert re.search(r"^uv==\S+ \\$", lock, re.MULTILINE)
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", lock)) > 5, "every platform's wheel"
    assert all("required-version" not in pyproject(project).get("tool", {}).get("uv", {}) for project in PROJECTS)
    header = re.search(r"^# +uv pip compile (.*)$", lock, re.MULTILINE)[1]
    recipe = re.search(r"\$\(UV\) pip compile (.*)$", (TEMPLATE_DIR / "Makefile").read_text(), re.MULTILINE)[1]
    assert set(re.findall(r"--[a-z-]+", header)) == set(re.findall(r"--[a-z-]+", recipe)) - {"--quiet"}, (
        "make lock compiled requirements-uv.txt")


def test_dependabot_updates_both_locks_and_uv():
    config = yaml.safe_load((TEMPLATE_DIR / ".github/dependabot.yml").read_text())
    covered = {(update["package-ecosystem"], directory) for update in config["updates"]
               for directory in update.get("directories", [update.get("directory")])}
    assert {("uv", "/"), ("uv", "/tools/checkov"), ("pip", "/")} <= covered


def test_the_template_ci_caches_pip_on_the_uv_requirements():
    workflow = yaml.safe_load((TEMPLATE_DIR / ".github/workflows/ci.yml").read_text())
    (setup,) = [step for step in workflow["jobs"]["test"]["steps"]
                if step.get("uses", "").startswith("actions/setup-python@")]
    assert {path.name for path in TEMPLATE_DIR.glob(setup["with"]["cache-dependency-path"])} == {"requirements-uv.txt"}
