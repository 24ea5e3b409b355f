"""The update path, proven with cruft: a project rendered at an older commit of the template, committed and
edited as a user would, is brought to the current template by `cruft update`. The result is exactly the
current render plus the user's edits, and still lints, passes its tests and validates. An edit of a line the
template also changed is reported as cruft reports it. .cruft.json records where a project came from, with
nothing that differs between identical renders."""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.conftest import TEMPLATE_DIR, VARIANTS, find_tool, load_hcl, run
from tests.test_terraform import terraform_run

CRUFT_HINT = "make .venv/.installed (cruft, from uv.lock)"
PROJECT_DIR = "{{cookiecutter.project_slug}}"
UPDATED_VARIANTS = [case for case in VARIANTS if case.id in ("defaults", "eu-west-1-three-azs")]
CONFLICT_MARKER = re.compile(r"^(<<<<<<<|=======$|>>>>>>>)", re.MULTILINE)

# The older template, made from the current one: it predates the Backstage files and words the first line
# of prod.tfvars differently. Updating must add those files, the README's row about them and the new line.
BACKSTAGE_FILES = ["catalog-info.yaml", "mkdocs.yml", "docs/index.md", "docs/infrastructure.md"]
OLDER_TFVARS_HEADER = "# Production inputs from the template answers."

# A typical first change to a new service: a route of its own with its test, and one more task at peak.
ORDERS_ROUTE = '''"""Orders: the service's own first route."""
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/orders", tags=["orders"])


class Order(BaseModel):
    id: int
    status: str


@router.get("/{order_id}", response_model=Order)
async def read_order(order_id: int) -> Order:
    return Order(id=order_id, status="received")
'''
ORDERS_TEST = '''from fastapi.testclient import TestClient


def test_reads_an_order(client: TestClient) -> None:
    assert client.get("/api/v1/orders/7").json() == {"id": 7, "status": "received"}
'''


@dataclass(frozen=True)
class TemplateHistory:
    repo: Path
    older: str
    current: str


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: expected {old!r} once"
    path.write_text(text.replace(old, new))


def git(cwd: Path, env: dict, *args: str) -> str:
    return run(["git", *args], cwd=cwd, env=env).stdout.strip()


def hermetic_env(tmp: Path) -> dict:
    """No user or system git and cookiecutter configuration, and a fixed identity for commits."""
    config = tmp / "cookiecutterrc.yaml"
    config.write_text(f"cookiecutters_dir: {tmp / 'cookiecutters'}\nreplay_dir: {tmp / 'replay'}\n")
    return {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "COOKIECUTTER_CONFIG": str(config),
            "GIT_AUTHOR_NAME": "Template Tests", "GIT_AUTHOR_EMAIL": "tests@example.com",
            "GIT_COMMITTER_NAME": "Template Tests", "GIT_COMMITTER_EMAIL": "tests@example.com"}


def copy_template(destination: Path) -> None:
    """The template as it stands in the working tree: tracked files and new ones git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=TEMPLATE_DIR,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (TEMPLATE_DIR / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_DIR / name, destination / name)


def make_older(template: Path) -> None:
    project = template / PROJECT_DIR
    for name in BACKSTAGE_FILES:
        (project / name).unlink()
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("| Catalog |")]
    assert len(kept) == len(lines) - 1
    readme.write_text("".join(kept))
    # prod.tfvars renders the inputs every environment's variables file shares: its first line is there.
    replace_once(project / "terraform/{#environment.tfvars#}",
                 "# Production inputs, rendered from the template answers. Change them here; CI plans and applies.",
                 OLDER_TFVARS_HEADER)


def history(tmp_path_factory, name: str, make_older) -> TemplateHistory:
    """A throwaway repository of the template with two commits: the template as make_older leaves it, then the
    current one."""
    find_tool("git", "install git (cruft needs it too)")
    tmp = tmp_path_factory.mktemp(name)
    env, repo = hermetic_env(tmp), tmp / "template"
    repo.mkdir()
    copy_template(repo)
    make_older(repo)
    git(repo, env, "init", "-q", "-b", "main")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "The older template")
    copy_template(repo)
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "The current template")
    return TemplateHistory(repo, git(repo, env, "rev-parse", "HEAD~1"), git(repo, env, "rev-parse", "HEAD"))


@pytest.fixture(scope="session")
def template_history(tmp_path_factory) -> TemplateHistory:
    """The older template without the Backstage files and with another first line in prod.tfvars."""
    return history(tmp_path_factory, "template-history", make_older)


@pytest.fixture(scope="session")
def cruft() -> str:
    return find_tool("cruft", CRUFT_HINT)


def cruft_create(cruft: str, history: TemplateHistory, commit: str, answers: dict, where: Path, env: dict) -> Path:
    where.mkdir()
    run([cruft, "create", str(history.repo), "--checkout", commit, "--no-input", "--extra-context", json.dumps(answers),
         "--output-dir", str(where)], cwd=where, env=env)
    (project,) = where.iterdir()
    return project


def edit_as_a_user(project: Path) -> None:
    (project / "app/api/routes/orders.py").write_text(ORDERS_ROUTE)
    (project / "tests/test_orders.py").write_text(ORDERS_TEST)
    main = project / "app/main.py"
    replace_once(main, "from app.api.routes import greetings, health, meta\n",
                 "from app.api.routes import greetings, health, meta, orders\n")
    replace_once(main, '    app.include_router(greetings.router, prefix="/api/v1")\n',
                 '    app.include_router(greetings.router, prefix="/api/v1")\n'
                 '    app.include_router(orders.router, prefix="/api/v1")\n')
    tfvars = project / "terraform/prod.tfvars"
    tfvars.write_text(re.sub(r"^(max_capacity\s*=\s*)(\d+)$", lambda m: f"{m[1]}{int(m[2]) + 2}",
                             tfvars.read_text(), count=1, flags=re.MULTILINE))


def rendered_and_edited(cruft: str, history: TemplateHistory, answers: dict, tmp: Path, env: dict) -> Path:
    """A project rendered at the older commit, committed, then edited and committed as its team would."""
    project = cruft_create(cruft, history, history.older, answers, tmp / "service", env)
    git(project, env, "init", "-q", "-b", "main")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "Render the service")
    edit_as_a_user(project)
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "Orders route, one more task at peak")
    return project


def rendered_at_head(answers: dict, where: Path) -> list[Path]:
    where.mkdir()
    cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(where), default_config=True)
    return list(where.iterdir())


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and ".git" not in path.relative_to(root).parts}


@pytest.mark.parametrize("answers", UPDATED_VARIANTS)
def test_cruft_update_brings_the_template_and_keeps_the_users_edits(
        cruft, template_history, answers, bakery, rendered_python, terraform, tmp_path, record_property):
    env = hermetic_env(tmp_path)
    project = rendered_and_edited(cruft, template_history, answers, tmp_path, env)
    update = run([cruft, "update", "--skip-apply-ask"], cwd=project, env=env)
    changed = git(project, env, "status", "--porcelain").splitlines()

    # A fresh render: the bakery's shared copy may hold what other tests left in it (.terraform, caches).
    (expected,) = rendered_at_head(answers, tmp_path / "expected")
    edit_as_a_user(expected)
    updated, wanted = files(project), files(expected)
    cruft_state = json.loads(updated.pop(".cruft.json"))
    # Names only: a failure must not print whole files (or binaries) of two trees.
    assert sorted(name for name in updated.keys() | wanted.keys() if updated.get(name) != wanted.get(name)) == []
    assert cruft_state["commit"] == template_history.current
    assert [name for name, text in updated.items() if CONFLICT_MARKER.search(text.decode(errors="replace"))] == []
    assert [name for name in updated if name.endswith((".rej", ".orig"))] == []
    assert "conflict" not in update.stderr.lower()

    run([rendered_python, "-m", "flake8"], cwd=project)
    tests = run([rendered_python, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], cwd=project)
    assert "PASSED tests/test_orders.py::test_reads_an_order" in tests.stdout
    # Neither the update nor the edits touch a .tf file here, so the service stack, whose inputs the user
    # edited, stands for both (tests/test_terraform.py validates both stacks of every render).
    run([terraform, "fmt", "-check", "-recursive", "terraform"], cwd=project)
    terraform_run(terraform, project, "terraform", "init", "-backend=false", "-input=false")
    report = json.loads(terraform_run(terraform, project, "terraform", "validate", "-json").stdout)
    assert report["valid"] and report["warning_count"] == 0, report
    max_capacity = int(bakery.answers(answers)["max_capacity"])
    assert load_hcl(project / "terraform/prod.tfvars")["max_capacity"] == max_capacity + 2
    record_property("summary", f"cruft update: {len(changed)} paths changed, the user's edits kept, no conflict; "
                               f"then {re.search(r'[0-9]+ passed', tests.stdout)[0]}")


@pytest.mark.parametrize("in_git", [True, False], ids=["git-repository", "plain-directory"])
def test_a_conflicting_edit_is_reported_as_cruft_reports_it(cruft, template_history, tmp_path, in_git):
    """In a git repository where the render was committed before the edit, cruft merges three ways and leaves
    conflict markers and an unmerged path; in a plain directory it applies what it can and leaves the rest in
    a .rej file. Either way it says so, and applies every change that does not conflict."""
    env = hermetic_env(tmp_path)
    project = cruft_create(cruft, template_history, template_history.older, {}, tmp_path / "service", env)
    ours = "# Production inputs: ours now, changed by hand."
    tfvars = project / "terraform/prod.tfvars"
    if in_git:
        git(project, env, "init", "-q", "-b", "main")
        git(project, env, "add", "-A")
        git(project, env, "commit", "-q", "-m", "Render the service")
    replace_once(tfvars, OLDER_TFVARS_HEADER, ours)
    if in_git:
        git(project, env, "commit", "-q", "-a", "-m", "Change the inputs' header")
    update = run([cruft, "update", "--skip-apply-ask"], cwd=project, env=env)

    assert (project / "catalog-info.yaml").is_file(), "the changes without a conflict are applied"
    assert json.loads((project / ".cruft.json").read_text())["commit"] == template_history.current
    if in_git:
        assert "Applied patch to 'terraform/prod.tfvars' with conflicts." in update.stderr
        assert git(project, env, "diff", "--name-only", "--diff-filter=U") == "terraform/prod.tfvars"
        assert CONFLICT_MARKER.search(tfvars.read_text()) and ours in tfvars.read_text()
    else:
        assert "*.rej files" in update.stdout + update.stderr
        assert (project / "terraform/prod.tfvars.rej").is_file()
        assert tfvars.read_text().startswith(ours)


def test_cruft_json_records_the_source_and_identical_renders_match(cruft, template_history, tmp_path):
    env = hermetic_env(tmp_path)
    first, second = (cruft_create(cruft, template_history, template_history.current, {"nat_mode": "single"},
                                  tmp_path / name, env) for name in ("first", "second"))
    assert files(first) == files(second)
    state = json.loads((first / ".cruft.json").read_text())
    assert (state["template"], state["commit"]) == (str(template_history.repo), template_history.current)
    assert state["context"]["cookiecutter"]["nat_mode"] == "single"


# --- the move to uv -------------------------------------------------------------------------------------------
# The template before uv kept the service's pins in pip-tools files. The older template here is the current one
# in that layout: the same pins, in requirements.in (runtime), requirements-dev.in and requirements-emulator.in
# with their compiled .txt files, and a pyproject.toml without dependencies.
PIP_TOOLS_FILES = {"requirements.in": "project.dependencies", "requirements-dev.in": "dependency-groups.dev",
                   "requirements-emulator.in": "dependency-groups.emulator"}
USER_PINS = {"requirements.in": "PyYAML==6.0.4", "requirements-dev.in": "pytest-xdist==3.8.0"}


def pins_of(pyproject: str, key: str) -> list[str]:
    """The quoted pins of one list of the template's pyproject.toml (which is Jinja, not yet TOML)."""
    start = pyproject.index({"project.dependencies": "\ndependencies = [",
                             "dependency-groups.dev": "\ndev = [",
                             "dependency-groups.emulator": "\nemulator = ["}[key])
    block = pyproject[start:pyproject.index("\n]", start)]
    return re.findall(r'^\s*"([^"]+)",$', block, re.MULTILINE)


def make_pip_tools(template: Path) -> None:
    project = template / PROJECT_DIR
    pyproject = (project / "pyproject.toml").read_text()
    for name, key in PIP_TOOLS_FILES.items():
        pins = pins_of(pyproject, key) + (["pip-tools==7.6.2"] if name == "requirements-dev.in" else [])
        # The older template pinned an older fastapi; the update raises it, and the move to uv keeps the raise.
        pins = [re.sub(r"^fastapi==(\d+)\.(\d+)\.\d+$", lambda m: f"fastapi=={m[1]}.{int(m[2]) - 1}.0", pin)
                for pin in pins]
        header = "-c requirements.txt\n" if name == "requirements-dev.in" else ""
        (project / name).write_text(f"# Edit this file, then `make lock`.\n{header}" + "\n".join(pins) + "\n")
        (project / name).with_suffix(".txt").write_text("# Compiled by pip-compile.\n" + "\n".join(pins) + "\n")
    start, end = pyproject.index("# The lowest Python"), pyproject.index("[tool.pytest.ini_options]")
    (project / "pyproject.toml").write_text(
        pyproject[:start] + 'requires-python = ">={{ cookiecutter.python_version }}"\n\n' + pyproject[end:])
    for name in ("uv.lock", "requirements-uv.in", "requirements-uv.txt", "scripts/adopt-requirements.py"):
        (project / name).unlink()


@pytest.fixture(scope="session")
def pip_tools_history(tmp_path_factory) -> TemplateHistory:
    """The older template in the pip-tools layout, then the current one on uv."""
    return history(tmp_path_factory, "pip-tools-history", make_pip_tools)


def test_cruft_update_to_uv_then_make_adopt_requirements_keeps_the_users_own_pins(
        cruft, pip_tools_history, uv, tmp_path, record_property):
    """A project that added a runtime and a dev pin to its pip-tools files: cruft adds uv.lock and the new
    pyproject.toml and leaves the old files as they were (no .rej, no conflict), and `make adopt-requirements`
    moves the user's own pins into pyproject.toml and uv.lock, keeps the template's, and deletes the old
    files. The project then installs from the lock and passes its tests."""
    env = hermetic_env(tmp_path)
    project = cruft_create(cruft, pip_tools_history, pip_tools_history.older, {}, tmp_path / "service", env)
    git(project, env, "init", "-q", "-b", "main")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "Render the service")
    for name, pin in USER_PINS.items():
        for path in (project / name, (project / name).with_suffix(".txt")):
            path.write_text(path.read_text() + pin + "\n")
    git(project, env, "commit", "-q", "-a", "-m", "YAML for the service, xdist for its tests")
    run([cruft, "update", "--skip-apply-ask"], cwd=project, env=env)

    # The deletion of a changed file does not apply, and cruft then leaves every old file where it was (the
    # unchanged requirements-emulator.in too), says nothing of them, and writes no .rej file.
    left = {path.name for path in project.glob("requirements*")}
    assert {*USER_PINS, *(Path(name).with_suffix(".txt").name for name in USER_PINS)} <= left, left
    assert (project / "uv.lock").is_file() and not list(project.rglob("*.rej"))

    adopt = run(["make", "adopt-requirements", f"UV={uv}", f"PYTHON={sys.executable}"], cwd=project, timeout=600)
    assert "requirements.in: adding PyYAML==6.0.4" in adopt.stdout, adopt.stdout
    assert "requirements-dev.in: adding pytest-xdist==3.8.0" in adopt.stdout, adopt.stdout
    left = sorted(path.name for path in project.glob("requirements*"))
    assert left == ["requirements-uv.in", "requirements-uv.txt"], left
    data = tomllib.loads((project / "pyproject.toml").read_text())
    current = tomllib.loads((cruft_create(cruft, pip_tools_history, pip_tools_history.current, {},
                                          tmp_path / "current", env) / "pyproject.toml").read_text())
    lower = lambda pins: sorted(pin.lower() for pin in pins)  # noqa: E731
    assert lower(data["project"]["dependencies"]) == lower(current["project"]["dependencies"] + ["PyYAML==6.0.4"])
    assert lower(data["dependency-groups"]["dev"]) == lower(current["dependency-groups"]["dev"]
                                                            + ["pytest-xdist==3.8.0"])
    assert data["dependency-groups"]["emulator"] == current["dependency-groups"]["emulator"]

    make = ["make", f"UV={uv}", f"PYTHON={sys.executable}"]
    run([*make, "install"], cwd=project, env={"UV_PYTHON_DOWNLOADS": "never"})
    run([str(project / ".venv/bin/python"), "-c", "import yaml, xdist"], cwd=project)
    tests = run([*make, "test"], cwd=project)
    changed = git(project, env, "status", "--porcelain").splitlines()
    record_property("summary", f"cruft update to uv, then make adopt-requirements: {len(changed)} paths changed, "
                               f"2 pins of the user's kept; {re.search(r'[0-9]+ passed', tests.stdout)[0]}")
