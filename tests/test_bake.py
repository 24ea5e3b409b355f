"""Baking: the tree, every variant, leftover template syntax, determinism and the bad-input table."""
import json
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from hooks import pre_gen_project
from tests.conftest import CERTIFICATE, TEMPLATE_DIR, VARIANTS, assert_baked
from tests.test_hooks import VALID

EXPECTED_FILES = [
    ".dockerignore", ".flake8", ".gitignore", "Dockerfile", "Makefile", "README.md", "pyproject.toml",
    "uv.lock", "requirements-uv.in", "requirements-uv.txt",
    "app/__main__.py", "app/main.py", "app/server.py", "app/healthcheck.py", "app/middleware.py",
    "app/core/config.py", "app/core/logging.py", "app/api/routes/health.py", "app/api/routes/greetings.py",
    "tests/conftest.py", "tests/test_health.py",
    "terraform/versions.tf", "terraform/variables.tf", "terraform/outputs.tf", "terraform/backend.hcl",
    "terraform/prod.tfvars", "terraform/tests/validation.tftest.hcl",
    "terraform/bootstrap/state_bucket.tf", "terraform/bootstrap/oidc.tf", "terraform/bootstrap/lock_table.tf",
    "docs/index.md", "docs/architecture.md", "docs/decisions.md", "docs/runbook.md", "docs/infrastructure.md",
    "catalog-info.yaml", "mkdocs.yml",
]

# Template syntax that must never survive rendering. GitHub's ${{ }} is allowed (the lookbehind);
# bash's ${#var} likewise.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}|(?<!\$)\{#|cookiecutter\.(?!json\b)[a-z_]+")


def rendered_files(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


def test_default_bake_yields_the_expected_tree(bakery):
    project = bakery({})
    assert project.name == "orders-api"
    missing = [name for name in EXPECTED_FILES if not (project / name).is_file()]
    assert missing == []


def test_variant_bakes_with_its_inputs(project, variant):
    assert project.is_dir()
    tfvars = (project / "terraform/prod.tfvars").read_text()
    if "cpu_target_percent" in variant:
        assert f"cpu_target_percent = {variant['cpu_target_percent']}" in tfvars


def test_no_template_syntax_is_left(project):
    leftovers = []
    for path in rendered_files(project):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if LEFTOVER.search(line):
                leftovers.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    assert leftovers == []


def test_the_leftover_check_catches_every_kind_of_template_syntax():
    for line in ["{{ cookiecutter.x }}", "{% if x %}", "{# note #}", "x %}", "cookiecutter.project_slug"]:
        assert LEFTOVER.search(line), line
    for line in ["${{ github.sha }}", "${#items[@]}", "see cookiecutter.json", "%{ if x }"]:
        assert not LEFTOVER.search(line), line


def test_s3_native_locking_leaves_no_lock_table(bakery):
    project = bakery({"state_locking": "s3-native"})
    assert not (project / "terraform/bootstrap/lock_table.tf").exists()
    assert "use_lockfile = true" in (project / "terraform/backend.hcl").read_text()
    assert "lock_table" not in (project / "terraform/bootstrap/terraform.tfvars").read_text()


def test_scripts_are_executable(project):
    scripts = list((project / "scripts").glob("*.sh"))
    assert scripts
    assert all(script.stat().st_mode & stat.S_IXUSR for script in scripts)


def test_same_inputs_give_identical_bytes(tmp_path):
    inputs = {"aws_region": "eu-west-1", "nat_mode": "single"}
    trees = []
    for name in ("first", "second"):
        project = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=inputs,
                                    output_dir=str(tmp_path / name)))
        trees.append({
            str(path.relative_to(project)): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
            for path in rendered_files(project)
        })
    assert trees[0] == trees[1]


VALID_EDGE_CASES = [
    pytest.param({"availability_zones": "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f"},
                 id="six-azs"),
    pytest.param({"aws_region": "ap-southeast-2", "availability_zones": "ap-southeast-2c,ap-southeast-2a"},
                 id="other-region-unordered-azs"),
    pytest.param({"aws_region": "ca-west-1"}, id="derived-azs-follow-the-region"),
    pytest.param({"task_cpu": "16384", "task_memory": "122880", "max_capacity": "1000"}, id="largest-task"),
    pytest.param({"min_capacity": "1", "max_capacity": "1", "cpu_target_percent": "100"}, id="fixed-capacity"),
    pytest.param({"container_port": "65535", "vpc_cidr": "172.16.0.0/22"}, id="edge-port-small-vpc"),
    pytest.param({"project_name": "Ünïcode “quoted” name's service", "description": 'Says "hi" \\ bye'},
                 id="quotes-and-unicode"),
    pytest.param({"enable_https": "yes", "acm_certificate_arn": CERTIFICATE.format(region="us-east-1")},
                 id="https-with-certificate"),
    pytest.param({"deployment_strategy": "canary", "canary_percent": "50", "canary_bake_minutes": "60",
                  "deployment_bake_minutes": "60", "alarm_email": "o'brien+alerts@example.co.uk"},
                 id="canary-longest-bakes"),
]


@pytest.mark.parametrize("inputs", VALID_EDGE_CASES)
def test_valid_edge_cases_bake(cookies, inputs):
    project = assert_baked(cookies.bake(extra_context=inputs), inputs)
    assert (project / "terraform/prod.tfvars").is_file()


def test_quotes_in_names_keep_python_and_toml_valid(bakery):
    project = bakery({"project_name": 'Say "hi"', "project_slug": "say-hi", "description": "It's \\ odd"})
    compile((project / "app/main.py").read_text(), "main.py", "exec")
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["description"] == "It's \\ odd"


BAD_INPUTS = [
    ("project_slug", "Orders_API"),
    ("project_slug", "orders-"),
    ("project_slug", "a" * 33),
    ("project_slug", "internal-orders"),
    ("project_name", "x" * 101),
    ("catalog_owner", "Platform Team"),
    ("catalog_owner", "component:orders-api"),
    ("catalog_owner", "group:" + "a" * 64),
    ("aws_region", "us-east-9"),
    ("aws_region", "US-EAST-1"),
    ("availability_zones", "us-east-1a"),
    ("availability_zones", "us-east-1a,us-west-2a"),
    ("availability_zones", "us-east-1a,us-east-1a"),
    ("availability_zones", "us-east-1a,us-east-1z"),
    ("vpc_cidr", "10.0.0.0/8"),
    ("vpc_cidr", "10.0.0.1/16"),
    ("vpc_cidr", "8.8.0.0/16"),
    ("acm_certificate_arn", "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"),
    ("domain_name", "Orders.Example.com"),
    ("domain_name", "*.example.com"),
    ("domain_name", "localhost"),
    ("domain_name", "orders.example.com"),  # with enable_https left at 'no'

    ("hosted_zone", "example.org"),
    ("task_cpu", "300"),
    ("task_memory", "4096"),
    ("container_port", "0"),
    ("container_port", "70000"),
    ("container_port", "80"),
    ("cpu_target_percent", "0"),
    ("cpu_target_percent", "101"),
    ("cpu_target_percent", "70.5"),
    ("min_capacity", "0"),
    ("max_capacity", "1"),
    ("log_retention_days", "31"),
    ("canary_percent", "0"),
    ("canary_percent", "51"),
    ("canary_percent", "10.5"),
    ("canary_bake_minutes", "4"),
    ("canary_bake_minutes", "61"),
    ("deployment_bake_minutes", "4"),
    ("deployment_bake_minutes", "61"),
    ("alarm_email", "oncall"),
    ("alarm_email", "oncall@localhost"),
    ("alarm_email", "team@example.com,ops@example.com"),
    ("alarm_email", "Team <team@example.com>"),
    ("secret_names", "api_key"),
    ("secret_names", "DATABASE_PASSWORD"),
    ("secret_names", "APP_PORT"),
    ("secret_names", "APP_API_KEY,APP_API_KEY"),
    ("github_owner", "-acme"),
    ("github_owner", "a" * 40),
    ("github_repo", "orders api"),
    ("github_repo", ".."),
    ("aws_oidc_role_arn", "arn:aws:iam::12345:role/deploy"),
    ("aws_oidc_role_arn", "arn:aws:iam::123456789012:user/deploy"),
    ("aws_oidc_role_arn", "arn:aws:iam::123456789012:role/github-deploy"),
    ("aws_plan_role_arn", "arn:aws:iam::210987654321:role/orders-api-plan"),
    ("staging_account_id", "12345"),
    ("staging_account_id", "arn:aws:iam::210987654321:root"),
    ("tf_state_bucket", "Orders_State"),
    ("tf_state_bucket", "ab"),
    ("tf_state_bucket", "192.168.1.1"),
    ("tf_state_bucket", "xn--orders-state"),
    ("tf_lock_table", "lk"),
    ("tf_lock_table", "lock table"),
    # Checked with database=postgres (the test sets it), the only render that uses them.
    ("database_instance_class", "db.m7g.micro"),
    ("database_instance_class", "postgres.small"),
    ("database_allocated_storage", "10"),
    ("database_engine_version", "17.4"),
]


@pytest.mark.parametrize(("name", "value"), BAD_INPUTS, ids=[f"{name}={value[:20]}" for name, value in BAD_INPUTS])
def test_bad_input_fails_naming_it_and_leaves_nothing(tmp_path, capfd, name, value):
    extra = {name: value}
    if name == "max_capacity":
        extra["min_capacity"] = "2"
    if name == "hosted_zone":  # a zone that cannot hold the domain
        extra.update(domain_name="orders.example.com", enable_https="yes")
    if name.startswith("database_"):
        extra["database"] = "postgres"
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=extra, output_dir=str(tmp_path))
    err = capfd.readouterr().err
    assert f"{name}={value!r}:" in err, err
    assert "Nothing was generated" in err
    assert list(tmp_path.iterdir()) == []


# Cookiecutter itself refuses a value outside a choice list before any hook runs; the pre-gen hook
# checks them again for replayed or hand-edited contexts.
BAD_CHOICES = [
    ("python_version", "3.9"),
    ("environments", "production,staging"),  # production is released last
    ("environments", "staging"),  # production is always there
    ("nat_mode", "none"),
    ("enable_database_subnets", "maybe"),
    ("database", "mysql"),
    ("enable_https", "true"),
    ("cpu_architecture", "arm64"),
    ("create_oidc_provider", "maybe"),
    ("state_locking", "consul"),
    ("deployment_strategy", "blue-green"),
    ("container_insights", "on"),
]


@pytest.mark.parametrize(("name", "value"), BAD_CHOICES, ids=[f"{name}={value}" for name, value in BAD_CHOICES])
def test_bad_choice_is_refused_naming_it_and_leaves_nothing(tmp_path, name, value):
    with pytest.raises(ValueError, match=f"{value} provided for choice variable {name}"):
        cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context={name: value}, output_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    (line,) = [line for line in pre_gen_project.validate({**VALID, name: value}) if line.startswith(f"{name}=")]
    assert line.startswith(f"{name}={value!r}: use one of: ")


def test_bad_input_table_is_wide():
    assert len(BAD_INPUTS) + len(BAD_CHOICES) >= 20
    inputs = {key for key in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()) if not key.startswith("_")}
    untested = inputs - {name for name, _ in BAD_INPUTS + BAD_CHOICES} - {"description", "author_name"}
    assert untested == set()


def test_variants_cover_every_choice_value():
    choices = {key: options for key, options in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()).items()
               if isinstance(options, list) and not key.startswith("_")}
    used = {(key, variant.values[0].get(key, options[0])) for variant in VARIANTS for key, options in choices.items()}
    assert {(key, option) for key, options in choices.items() for option in options} <= used


def test_the_next_steps_printed_name_the_directory_the_project_was_written_to(tmp_path):
    """`make render` writes into build/; the printed `cd` must lead there, not to ./orders-api."""
    output_dir = tmp_path / "build"
    result = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "--output-dir", str(output_dir),
                             str(TEMPLATE_DIR)], capture_output=True, text=True, timeout=300, check=True)
    (line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("1. cd ")]
    assert line.split("#")[0].split()[-1] == str(output_dir / "orders-api")
