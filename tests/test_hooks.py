"""Unit tests of the hook functions, called directly (the bakes in test_bake.py run them for real)."""
import json
import stat
from pathlib import Path

import pytest

from hooks import post_gen_project, pre_gen_project

VALID = {
    "environments": "staging,production",
    "project_name": "Orders API",
    "project_slug": "orders-api",
    "description": "Takes orders.",
    "author_name": "Platform Team",
    "catalog_owner": "group:platform-team",
    "python_version": "3.12",
    "aws_region": "us-east-1",
    "availability_zones": "us-east-1a,us-east-1b",
    "vpc_cidr": "10.0.0.0/16",
    "nat_mode": "per-az",
    "enable_database_subnets": "no",
    "database": "none",
    "database_instance_class": "db.t4g.micro",
    "database_allocated_storage": "20",
    "database_engine_version": "17",
    "enable_https": "no",
    "acm_certificate_arn": "",
    "domain_name": "",
    "hosted_zone": "",
    "cpu_architecture": "X86_64",
    "task_cpu": "256",
    "task_memory": "512",
    "container_port": "8000",
    "cpu_target_percent": "70",
    "min_capacity": "2",
    "max_capacity": "10",
    "log_retention_days": "365",
    "deployment_strategy": "rolling",
    "canary_percent": "10",
    "canary_bake_minutes": "10",
    "deployment_bake_minutes": "5",
    "alarm_email": "",
    "container_insights": "enhanced",
    "secret_names": "",
    "github_owner": "acme",
    "github_repo": "orders-api",
    "aws_oidc_role_arn": "arn:aws:iam::123456789012:role/orders-api-deploy",
    "aws_plan_role_arn": "arn:aws:iam::123456789012:role/orders-api-plan",
    "staging_account_id": "123456789012",
    "create_oidc_provider": "yes",
    "state_locking": "dynamodb",
    "tf_state_bucket": "orders-api-tfstate-123456789012",
    "tf_lock_table": "orders-api-tflock",
}


def test_every_input_has_a_check():
    inputs = {key for key in json.loads(Path("cookiecutter.json").read_text()) if not key.startswith("_")}
    assert inputs == set(pre_gen_project.CHECKS)


def test_valid_inputs_pass():
    assert pre_gen_project.validate(VALID) == []


def test_all_problems_are_reported_together():
    problems = pre_gen_project.validate({**VALID, "aws_region": "mars-1", "task_cpu": "300", "min_capacity": "0"})
    assert [line.split("=")[0] for line in problems] == ["aws_region", "availability_zones", "task_cpu",
                                                         "min_capacity"]


@pytest.mark.parametrize(
    ("cpu", "memory", "allowed"),
    [("256", "512", True), ("256", "4096", False), ("512", "3072", True), ("512", "3000", False),
     ("8192", "20480", True), ("8192", "17408", False), ("16384", "122880", True), ("16384", "32769", False)],
)
def test_fargate_task_sizes(cpu, memory, allowed):
    problems = pre_gen_project.validate({**VALID, "task_cpu": cpu, "task_memory": memory})
    assert (problems == []) is allowed, problems


def test_memory_message_describes_the_allowed_range():
    (line,) = pre_gen_project.validate({**VALID, "task_cpu": "1024", "task_memory": "1000"})
    assert line == ("task_memory='1000': Fargate does not accept it with task_cpu=1024; "
                    "use 2048 to 8192 in steps of 1024")


def test_split_azs_drops_blanks_and_spaces():
    assert pre_gen_project.split_azs(" us-east-1a, ,us-east-1b ,") == ["us-east-1a", "us-east-1b"]


@pytest.mark.parametrize("name", ["GitHubActions", "github-deployer", "orders-GITHUB-role"])
def test_role_names_aws_sts_refuses_are_rejected(name):
    (line,) = pre_gen_project.validate({**VALID, "aws_oidc_role_arn": f"arn:aws:iam::123456789012:role/{name}"})
    assert line.startswith("aws_oidc_role_arn=") and "github" in line.lower()


def test_plan_role_must_differ_from_deploy_role():
    problems = pre_gen_project.validate({**VALID, "aws_plan_role_arn": VALID["aws_oidc_role_arn"]})
    assert problems == [f"aws_plan_role_arn={VALID['aws_oidc_role_arn']!r}: must differ from aws_oidc_role_arn: "
                        "pull requests get a separate read-only role"]


def test_main_exits_non_zero_listing_every_problem(monkeypatch, capsys):
    monkeypatch.setattr(pre_gen_project, "RENDERED_CONTEXT", json.dumps({**VALID, "container_port": "80"}))
    assert pre_gen_project.main() == 1
    err = capsys.readouterr().err
    assert "container_port='80'" in err and "Nothing was generated" in err


def test_scripts_become_executable(tmp_path):
    script = tmp_path / "scripts/run.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    for _ in range(2):
        assert post_gen_project.make_scripts_executable(tmp_path) == [script]
    assert stat.S_IMODE(script.stat().st_mode) == 0o755


def test_next_steps_start_where_the_project_was_written_and_create_the_repository_first():
    text = post_gen_project.next_steps(VALID, Path("/work/build/orders-api"))
    assert "cd /work/build/orders-api" in text and "make bootstrap" in text
    assert text.index("gh repo create acme/orders-api") < text.index("make bootstrap")


def test_staging_may_have_an_account_of_its_own_but_production_alone_has_one_account():
    assert pre_gen_project.validate({**VALID, "staging_account_id": "210987654321"}) == []
    (line,) = pre_gen_project.validate({**VALID, "environments": "production", "staging_account_id": "210987654321"})
    assert line.startswith("staging_account_id='210987654321': this render has no staging environment")
    assert "123456789012" in line


def test_next_steps_bootstrap_each_account_when_production_has_its_own():
    text = post_gen_project.next_steps({**VALID, "staging_account_id": "210987654321"}, Path("/work/orders-api"))
    assert text.index("make bootstrap ENV=production") < text.index("make bootstrap ENV=staging")
    assert "123456789012" in text and "210987654321" in text


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("database_instance_class", "db.x2g.large", "FAMILY one of"),
    ("database_instance_class", "t4g.micro", "db.FAMILY.SIZE"),
    ("database_instance_class", "db.m7g.micro", "the burstable (t) classes run micro to 2xlarge"),
    ("database_instance_class", "db.t4g.8xlarge", "has no size '8xlarge'"),
    ("database_allocated_storage", "19", "from 20 to 65536 GiB"),
    ("database_allocated_storage", "65537", "from 20 to 65536 GiB"),
    ("database_engine_version", "17.2", "no minor version here"),
    ("database_engine_version", "14", "one of 15, 16, 17, 18"),
    ("secret_names", "APP_API_KEY,APP_DATABASE_PASSWORD", "the task definition sets the APP_DATABASE_* settings"),
])
def test_database_inputs_are_checked_when_there_is_a_database(name, value, reason):
    """Each bad value is refused with a database, naming the input, the value and what is allowed; without one
    the database's inputs are not used, so they are not checked."""
    problems = pre_gen_project.validate({**VALID, "database": "postgres", name: value})
    assert len(problems) == 1 and problems[0].startswith(f"{name}={value!r}: ") and reason in problems[0], problems
    assert pre_gen_project.validate({**VALID, name: value}) == []


@pytest.mark.parametrize("value", ["db.t4g.micro", "db.t3.2xlarge", "db.m7g.large", "db.r8g.16xlarge",
                                   "db.m6id.xlarge"])
def test_database_instance_classes_rds_offers_pass(value):
    assert pre_gen_project.validate({**VALID, "database": "postgres", "database_instance_class": value}) == []
