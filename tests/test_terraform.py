"""The rendered Terraform: formatting, validation with the real provider, its tests, checkov, and values."""
import json
import re
from pathlib import Path

import pytest

from tests.conftest import load_hcl, own_accounts, run, toolchain_versions, variable_defaults

STACKS = ["terraform", "terraform/bootstrap"]
NO_COLOR = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "NO_COLOR": "1"}
_initialized: set[Path] = set()


def terraform_run(terraform: str, project: Path, stack: str, *args: str, timeout: float = 900):
    return run([terraform, f"-chdir={stack}", *args, "-no-color"], cwd=project, env=NO_COLOR, timeout=timeout)


@pytest.fixture
def initialized(project, terraform) -> Path:
    """Both stacks initialised once per baked project, without a backend, from the mirror or registry."""
    if project not in _initialized:
        for stack in STACKS:
            terraform_run(terraform, project, stack, "init", "-backend=false", "-input=false")
        _initialized.add(project)
    return project


def test_formatting(project, terraform):
    run([terraform, "fmt", "-check", "-recursive", "-diff", "-no-color", "terraform"], cwd=project)


@pytest.mark.parametrize("stack", STACKS)
def test_validate_has_no_errors_or_warnings(initialized, terraform, stack):
    report = json.loads(terraform_run(terraform, initialized, stack, "validate", "-json").stdout)
    assert report["valid"], report
    assert report["warning_count"] == 0, report["diagnostics"]


@pytest.mark.parametrize("stack", STACKS)
def test_terraform_test_suite_passes(initialized, terraform, stack):
    output = terraform_run(terraform, initialized, stack, "test").stdout
    summary = re.search(r"Success! (\d+) passed, (\d+) failed", output)
    assert summary, output
    assert int(summary[1]) >= 5 and summary[2] == "0", output


def test_checkov_finds_nothing_unexplained(project, checkov, record_property):
    result = run([checkov, "--directory", "terraform", "--framework", "terraform", "--output", "json",
                  "--compact", "--skip-download"], cwd=project, ok=(0, 1))
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [check for report in reports for check in report["results"]["failed_checks"]]
    skipped = [check for report in reports for check in report["results"]["skipped_checks"]]
    assert [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in failed] == []
    unexplained = [f"{c['check_id']} {c['resource']}" for c in skipped
                   if not (c["check_result"].get("suppress_comment") or "").strip()]
    assert unexplained == []
    passed = sum(report["summary"]["passed"] for report in reports)
    record_property("summary", f"checkov: {passed} passed, 0 failed, {len(skipped)} skipped, each with a reason")


def test_tfvars_match_the_inputs(project, answers):
    tfvars = load_hcl(project / "terraform/prod.tfvars")
    assert tfvars["aws_region"] == answers["aws_region"]
    assert tfvars["availability_zones"] == answers["availability_zones"].split(",")
    for name in ("cpu_target_percent", "min_capacity", "max_capacity", "task_cpu", "task_memory", "container_port"):
        assert tfvars[name] == int(answers[name]), name
    assert tfvars["cpu_architecture"] == answers["cpu_architecture"]
    assert tfvars["nat_mode"] == answers["nat_mode"]
    assert tfvars["enable_database_subnets"] is (answers["enable_database_subnets"] == "yes")
    assert tfvars["enable_https"] is (answers["enable_https"] == "yes")
    assert tfvars["acm_certificate_arn"] == (answers["acm_certificate_arn"] or None)


def test_backend_matches_the_locking_choice(project, answers):
    backend = load_hcl(project / "terraform/backend.hcl")
    assert backend["region"] == answers["aws_region"]
    assert backend["bucket"] == answers["tf_state_bucket"]
    assert backend["encrypt"] is True
    if answers["state_locking"] == "s3-native":
        assert backend["use_lockfile"] is True and "dynamodb_table" not in backend
        assert 'required_version = ">= 1.10"' in (project / "terraform/versions.tf").read_text()
    else:
        assert backend["dynamodb_table"] == answers["tf_lock_table"] and "use_lockfile" not in backend


def test_bootstrap_trusts_the_rendered_roles(project, answers):
    tfvars = load_hcl(project / "terraform/bootstrap/terraform.tfvars")
    assert tfvars["deploy_role_name"] == answers["aws_oidc_role_arn"].split("/")[-1]
    assert tfvars["plan_role_name"] == answers["aws_plan_role_arn"].split("/")[-1]
    assert "create_oidc_provider" not in tfvars  # make bootstrap decides (scripts/oidc-provider.sh)
    assert f"OIDC_PROVIDER ?= {answers['create_oidc_provider']}" in (project / "Makefile").read_text()
    backend = load_hcl(project / "terraform/backend.hcl")
    assert tfvars["state_bucket"] == backend["bucket"]
    assert backend["key"] == tfvars["state_key"]


def test_each_environment_has_its_files_and_bootstrap_settings(project, answers):
    """Another environment's bootstrap reads production's terraform.tfvars, then its own file: that file sets
    again every setting of production's that belongs to one environment. Its service stack has its own state
    key and variables file, cheaper where the issue of a release does not depend on it."""
    environments = answers["environments"].split(",")
    slug = answers["project_slug"]
    production = load_hcl(project / "terraform/bootstrap/terraform.tfvars")
    shared = {"project", "aws_region", "github_owner", "github_repo", "state_bucket", "lock_table", "environments"}
    assert production.get("environments", ["production"]) == environments
    assert production.get("push_images", True) == (len(environments) == 1)
    service = load_hcl(project / "terraform/prod.tfvars")
    own_account = own_accounts(answers)
    for environment in environments[:-1]:
        own = load_hcl(project / f"terraform/bootstrap/{environment}.tfvars")
        assert set(production) - shared <= set(own), "set again here, or production's value would be used"
        # In an account of its own it creates its state bucket, key, lock and the image repository.
        assert (own["environment"], own["shared_resources"], own["push_images"]) == (environment, own_account, True)
        assert own["aws_account_id"] == answers["staging_account_id"]
        assert (own["deploy_role_name"], own["plan_role_name"]) == (f"{slug}-{environment}-deploy",
                                                                    f"{slug}-{environment}-plan")
        backend = load_hcl(project / f"terraform/{environment}.backend.hcl")
        assert backend["key"] == own["state_key"] == f"{slug}/{environment}/terraform.tfstate"
        assert backend["bucket"] == own.get("state_bucket", production["state_bucket"])
        assert {key: value for key, value in backend.items() if key not in ("key", "bucket")} == {
            key: value for key, value in load_hcl(project / "terraform/backend.hcl").items()
            if key not in ("key", "bucket")}
        tfvars = load_hcl(project / f"terraform/{environment}.tfvars")
        assert set(tfvars) == set(service)
        assert (tfvars["environment"], tfvars["nat_mode"], tfvars["min_capacity"]) == (environment, "single", 1)
        assert tfvars["domain_name"] is None and tfvars["enable_https"] is False
        assert all(value.startswith(f"/{slug}-{environment}/") for value in tfvars["secrets"].values())
    present = {path.name for path in (project / "terraform").glob("*.tfvars")}
    assert present == {"prod.tfvars"} | {f"{environment}.tfvars" for environment in environments[:-1]}


def test_toolchain_builds_the_major_version_the_stacks_pin(bakery):
    env = toolchain_versions()
    built = tuple(int(part) for part in env["AWS_PROVIDER_VERSION"].split(".")[:2])
    for stack in STACKS:
        versions = (bakery({}) / stack / "versions.tf").read_text()
        (major, minor), = re.findall(r'version = "~> (\d+)\.(\d+)"', versions)
        # "~> M.N" allows M.N and later M.x: the toolchain's build must be one of them.
        assert int(major) == built[0] and int(minor) <= built[1], (stack, major, minor, built)


@pytest.mark.parametrize("stack", STACKS)
def test_infrastructure_readme_lists_every_input_and_output(bakery, stack):
    project = bakery({})
    readme = (project / "terraform/README.md").read_text()
    names = list(variable_defaults(project / stack))
    names += [name for block in load_hcl(project / stack / "outputs.tf")["output"] for name in block]
    assert [name for name in names if f"`{name}`" not in readme] == []
