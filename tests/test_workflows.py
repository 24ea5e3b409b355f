"""The rendered GitHub Actions: linted, parsed and asserted; shell checked; the template's own CI too."""
import hashlib
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import TEMPLATE_DIR, load_hcl, own_accounts, run, toolchain_versions
from tests.emulator.artifacts import download_steps, uploaded_by
from tests.emulator.github_script import run_github_script

WORKFLOW = ".github/workflows/ci-cd.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def load_workflow(project: Path, name: str = "ci-cd.yml") -> dict:
    return yaml.safe_load((project / ".github/workflows" / name).read_text())


def triggers(workflow: dict) -> dict:
    return workflow[True]  # PyYAML reads the bare key `on` as the boolean True


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(f"{action}@")]


def environments(jobs: dict) -> list[str]:
    """The environments of the rendered workflow, in release order (one release-NAME job each)."""
    return [name.removeprefix("release-") for name in jobs if name.startswith("release-")]


def releases(jobs: dict) -> list[dict]:
    return [jobs[f"release-{environment}"] for environment in environments(jobs)]


def plans(jobs: dict) -> list[dict]:
    return [jobs[f"plan-{environment}"] for environment in environments(jobs)]


def test_actionlint_passes(project, actionlint, shellcheck):
    # actionlint runs shellcheck on every `run:` block when shellcheck is on PATH.
    path = f"{Path(shellcheck).parent}:{Path(actionlint).parent}"
    run([actionlint, "-shellcheck", shellcheck, WORKFLOW], cwd=project, env={"PATH": f"{path}:/usr/bin:/bin"})


def test_zizmor_reports_nothing(project, zizmor):
    run([zizmor, "--offline", "--persona", "pedantic", "--no-progress", ".github"], cwd=project)


def test_project_scripts_pass_shellcheck(project, shellcheck):
    scripts = sorted(str(path.relative_to(project)) for path in (project / "scripts").glob("*.sh"))
    assert scripts
    run([shellcheck, "--severity", "style", *scripts], cwd=project)


def test_every_run_block_passes_shellcheck(project, shellcheck, tmp_path):
    blocks = [step["run"] for job in load_workflow(project)["jobs"].values() for step in job["steps"] if "run" in step]
    assert blocks
    for number, block in enumerate(blocks):
        script = tmp_path / f"run-{number}.sh"
        # GitHub substitutes ${{ }} before the shell runs; stand in a plain word for each.
        script.write_text("#!/usr/bin/env bash\nset -e\n" + GITHUB_EXPRESSION.sub("EXPRESSION", block))
        run([shellcheck, "--severity", "style", str(script)], cwd=tmp_path)


def test_github_expressions_survive_rendering(project, answers):
    """Every expression the template writes verbatim (in its raw blocks) is in the rendered workflow (those of
    the database's steps in database renders); those it writes per environment are whole; no Jinja is left."""
    source = (TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / WORKFLOW).read_text()
    if answers["database"] != "postgres":
        source = re.sub(r'\{%- if cookiecutter\.database == "postgres" %\}.*?\{%- endif %\}', "", source, flags=re.S)
    rendered = (project / WORKFLOW).read_text()
    # ({{ "${{" }} opens an expression the template writes per environment.)
    verbatim = {expression for expression in GITHUB_EXPRESSION.findall(source) if not expression.startswith('${{"')}
    assert len(verbatim) > 20 and verbatim <= set(GITHUB_EXPRESSION.findall(rendered))
    assert rendered.count("${{") == rendered.count("}}") == len(GITHUB_EXPRESSION.findall(rendered))
    assert "{%" not in rendered and "{{ " not in rendered.replace("${{ ", "")
    for expression in ("${{ github.sha }}", "${{ steps.render.outputs.task-definition }}",
                       "${{ vars.AWS_REGION || env.DEFAULT_AWS_REGION }}"):
        assert expression in rendered


def test_triggers_are_pull_requests_and_main_only(project):
    workflow = load_workflow(project)
    assert triggers(workflow) == {"pull_request": None, "workflow_dispatch": None, "push": {
        "branches": ["main"], "paths-ignore": ["docs/**", "**.md", "mkdocs.yml", "catalog-info.yaml"]}}
    assert "pull_request_target" not in (project / WORKFLOW).read_text()


def test_jobs_run_in_order_lint_first(project, answers):
    """Every environment is planned after the checks; the first environment's release needs the image, each
    later one the release before it: production never runs a commit an earlier environment did not pass."""
    jobs = load_workflow(project)["jobs"]
    needs = {name: sorted([job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []))
             for name, job in jobs.items()}
    order = answers["environments"].split(",")
    assert environments(jobs) == order and order[-1] == "production"
    checks = ["image", "terraform-checks", "terraform-emulated", "test"]
    assert needs == {
        "lint": [],
        "test": ["lint"],
        "terraform-checks": ["lint"],
        "terraform-emulated": ["lint"],
        "image": ["lint"],
        **{f"plan-{environment}": checks for environment in order},
        "plan-comment": sorted(f"plan-{environment}" for environment in order),
        "fork-notice": checks,
        **{f"release-{environment}": sorted([f"plan-{environment}",
                                             f"release-{order[index - 1]}" if index else "image"])
           for index, environment in enumerate(order)},
    }
    for index, environment in enumerate(order[1:], 1):
        assert f"needs.release-{order[index - 1]}.result == 'success'" in jobs[f"release-{environment}"]["if"]


def test_permissions_are_minimal_per_job(project):
    workflow = load_workflow(project)
    assert workflow["permissions"] == {}
    granted = {name: job["permissions"] for name, job in workflow["jobs"].items()}
    order = environments(workflow["jobs"])
    assert {name for name, perms in granted.items() if perms.get("id-token") == "write"} == {
        f"{kind}-{environment}" for kind in ("plan", "release") for environment in order}
    # The token that writes the PR comment never shares a job with the branch's Terraform.
    assert {name for name, perms in granted.items() if "pull-requests" in perms} == {"plan-comment"}
    assert granted["plan-comment"] == {"pull-requests": "write"}
    comment_steps = workflow["jobs"]["plan-comment"]["steps"]
    uses = [step["uses"].split("@")[0] for step in comment_steps]
    assert uses == ["actions/download-artifact"] * len(order) + ["actions/github-script"]
    assert all(value in ("read", "write") and key in ("contents", "id-token", "pull-requests", "actions",
                                                      "attestations")
               for perms in granted.values() for key, value in perms.items())
    # Attestations are written by the release that pushes (the first), after the gate, and by no other job.
    assert {name for name, perms in granted.items() if "attestations" in perms} == {f"release-{order[0]}"}
    # actions: read, for production's protection rules, in its release job only and never write.
    assert {name: perms["actions"] for name, perms in granted.items() if "actions" in perms} == {
        "release-production": "read"}
    assert all(perms.get("contents", "read") == "read" for perms in granted.values())


def test_every_job_has_a_timeout(project):
    assert all(isinstance(job.get("timeout-minutes"), int) for job in load_workflow(project)["jobs"].values())


def test_plan_runs_on_pull_requests_and_apply_only_on_main(project):
    jobs = load_workflow(project)["jobs"]
    for plan in plans(jobs):
        assert "github.event.pull_request.head.repo.full_name == github.repository" in plan["if"]
        assert "environment" not in plan  # a plan names no environment: its role trusts pull requests and main
    assert "github.event.pull_request.head.repo.full_name != github.repository" in jobs["fork-notice"]["if"]
    for release in releases(jobs):
        assert "github.event_name != 'pull_request'" in release["if"]
        assert "github.ref == 'refs/heads/main'" in release["if"]
    # One job per environment: a release needs one approval per environment that requires one.
    assert [name for name, job in jobs.items() if "environment" in job] == [
        f"release-{environment}" for environment in environments(jobs)]
    assert [job["environment"]["name"] for job in releases(jobs)] == environments(jobs)


def test_main_never_cancels_a_release_and_says_the_newest_pending_run_wins(project):
    workflow = load_workflow(project)
    assert workflow["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert "queue" not in workflow["concurrency"]  # one pending run per group: the newest push wins
    comment = (project / WORKFLOW).read_text().split("concurrency:")[0].rsplit("\n\n", 1)[-1]
    assert "replaced by a newer push" in comment and "in order" not in comment


def test_plan_is_saved_kept_one_day_replaced_on_rerun_and_applied_as_is(project):
    jobs = load_workflow(project)["jobs"]
    for environment in environments(jobs):
        tfvars = "prod.tfvars" if environment == "production" else f"{environment}.tfvars"
        backend = "backend.hcl" if environment == "production" else f"{environment}.backend.hcl"
        plan, release = jobs[f"plan-{environment}"], jobs[f"release-{environment}"]
        (upload,) = [step for step in steps_using(plan, "actions/upload-artifact")
                     if "terraform/tfplan" in step["with"]["path"]]
        assert upload["with"]["name"] == f"terraform-plan-{environment}-${{{{ github.sha }}}}"
        assert upload["with"]["retention-days"] == 1
        assert upload["with"]["overwrite"] is True, "Re-run all jobs must be able to upload the new plan"
        assert "terraform/.terraform.lock.hcl" in upload["with"]["path"] and upload["with"]["include-hidden-files"]
        commands = [step.get("run") for step in plan["steps"]]
        assert f"terraform -chdir=terraform init -backend-config={backend}" in commands
        assert f"scripts/terraform-plan.sh terraform {tfvars}" in commands
        (download,) = [step for step in steps_using(release, "actions/download-artifact")
                       if step["with"]["name"].startswith("terraform-plan-")]
        assert download["with"]["name"] == upload["with"]["name"]
        (apply,) = [step for step in release["steps"] if "scripts/terraform-apply.sh" in step.get("run", "")]
        assert apply["run"].split("\n")[:2] == [f"terraform -chdir=terraform init -backend-config={backend}",
                                                f'scripts/terraform-apply.sh terraform {tfvars} "$REVIEWED_DIGEST"']
        assert apply["env"]["REVIEWED_DIGEST"] == f"${{{{ needs.plan-{environment}.outputs.digest }}}}"
        (outputs,) = [step for step in release["steps"] if "stack-outputs.sh" in step.get("run", "")]
        assert outputs["run"] == f'scripts/stack-outputs.sh terraform {backend} >> "$GITHUB_OUTPUT"'
    text = (project / WORKFLOW).read_text()
    assert "for the apply job only" not in text and "anyone who can read this" in text
    assert "apply -input=false -auto-approve tfplan" in (project / "scripts/terraform-apply.sh").read_text()
    plan_script = (project / "scripts/terraform-plan.sh").read_text()
    assert "-lock=false" in plan_script and "-out=tfplan" in plan_script


def test_the_plan_comment_names_the_commit_the_reviewer_sees_and_the_environment(project):
    jobs = load_workflow(project)["jobs"]
    for environment in environments(jobs):
        (step,) = [step for step in jobs[f"plan-{environment}"]["steps"] if step.get("id") == "plan"]
        assert step["env"] == {"HEAD_SHA": "${{ github.event.pull_request.head.sha || github.sha }}",
                               "PLAN_ENVIRONMENT": environment}
    assert "${HEAD_SHA:-" in (project / "scripts/terraform-plan.sh").read_text()


def test_the_release_pushes_before_it_applies_and_deploys_after(project):
    """The first environment pushes and attests; a later one checks the digest it was passed; each applies,
    deploys and waits; an environment before production is checked over HTTP last."""
    jobs = load_workflow(project)["jobs"]
    for index, environment in enumerate(environments(jobs)):
        steps = jobs[f"release-{environment}"]["steps"]
        markers = (["release-approval.sh production"] if environment == "production" else []) + [
            "configure-aws-credentials", "release-order.sh"]
        markers += (["push-image.sh", "Attest the image's build provenance", "Attest the image's SBOM",
                     "tag-initial-image.sh"] if index == 0 else ["image-digest.sh"])
        markers += ["terraform-apply.sh", "stack-outputs.sh", "amazon-ecs-deploy-task-definition",
                    "verify-deployment.sh"] + (["check-service.sh"] if environment != "production" else [])
        order = [next(index for index, step in enumerate(steps) if marker in json.dumps(step)) for marker in markers]
        assert order == sorted(order), environment
        others = {"push-image.sh", "tag-initial-image.sh", "image-digest.sh", "check-service.sh",
                  "release-approval.sh"} - {marker.split()[0] for marker in markers}
        assert not [marker for marker in others if marker in json.dumps(steps)], environment


def test_a_failed_sign_in_prints_the_jobs_own_oidc_subject(project):
    """Compared with the bootstrap's trusted_subjects, it says why AssumeRoleWithWebIdentity was refused."""
    jobs = load_workflow(project)["jobs"]
    for job in plans(jobs) + releases(jobs):
        (hint,) = [step for step in job["steps"] if "steps.aws.outcome == 'failure'" in step.get("if", "")]
        assert "scripts/oidc-subject.sh" in hint["run"] and job["permissions"]["id-token"] == "write"


def test_the_release_checks_out_the_history_its_order_check_reads(project, answers):
    """scripts/release-order.sh asks git whether this commit contains what the environment runs."""
    jobs = load_workflow(project)["jobs"]
    for environment in environments(jobs):
        release = jobs[f"release-{environment}"]
        (checkout,) = steps_using(release, "actions/checkout")
        assert checkout["with"]["fetch-depth"] == 0
        name = answers["project_slug"] + ("" if environment == "production" else f"-{environment}")
        assert release["env"]["ECS_CLUSTER"] == release["env"]["ECS_SERVICE"] == name


def test_plan_comment_is_updated_by_marker_and_truncated(project):
    jobs = load_workflow(project)["jobs"]
    (script_step,) = steps_using(jobs["plan-comment"], "actions/github-script")
    # One comment, a section per environment in release order.
    assert script_step["env"]["PLAN_COMMENT_FILES"].split() == [
        f"comments/plan-comment-{environment}/plan-comment.md" for environment in environments(jobs)]
    script = script_step["with"]["script"]
    assert "<!-- terraform-plan -->" in script and "updateComment" in script
    plan_script = (project / "scripts/terraform-plan.sh").read_text()
    assert 'marker="<!-- terraform-plan -->"' in plan_script
    limit = int(re.search(r"^comment_limit=(\d+)", plan_script, re.MULTILINE)[1])
    assert limit < 65536


def test_terraform_wrapper_is_off(project):
    for job in load_workflow(project)["jobs"].values():
        for step in steps_using(job, "hashicorp/setup-terraform"):
            assert step["with"]["terraform_wrapper"] is False


def test_image_is_tagged_with_the_commit_sha_and_deployed_by_digest(project):
    """The first environment pushes the image tagged with the commit; every environment deploys its digest,
    the one the first pushed, passed from release to release as a job output."""
    jobs = load_workflow(project)["jobs"]
    order = environments(jobs)
    first = jobs[f"release-{order[0]}"]
    push = next(step for step in first["steps"] if "push-image.sh" in step.get("run", ""))
    assert push["env"]["IMAGE"].endswith(":${{ github.sha }}")
    for index, environment in enumerate(order):
        release = jobs[f"release-{environment}"]
        digest = "steps.push.outputs.digest" if index == 0 else "steps.image.outputs.digest"
        # The service's task definition, and with a database the migration task's: both with that digest.
        render, *migration = steps_using(release, "aws-actions/amazon-ecs-render-task-definition")
        assert [item.get("id") for item in migration] == (["render-migration"] if migration else [])
        for step in (render, *migration):
            assert step["with"]["image"] == (
                f"${{{{ steps.ecr.outputs.registry }}}}/${{{{ env.ECR_REPOSITORY }}}}@${{{{ {digest} }}}}")
        assert render["with"]["environment-variables"] == "APP_IMAGE_TAG=${{ github.sha }}"
        assert release["outputs"] == {"image-digest": f"${{{{ {digest} }}}}"}
        if index:
            (check,) = [step for step in release["steps"] if step.get("id") == "image"]
            assert check["env"] == {"DIGEST": f"${{{{ needs.release-{order[index - 1]}.outputs.image-digest }}}}"}
            assert check["run"] == (
                'scripts/image-digest.sh "$ECR_REPOSITORY" "$DIGEST" "$GITHUB_SHA" >> "$GITHUB_OUTPUT"')


def test_with_a_database_every_release_migrates_before_it_deploys(project, answers):
    """The migration step runs after the apply (the migration task definition is the stack's) and before the
    deploy step, with the rendered migration task definition and the stack's network; without a database there
    is no such step."""
    for release in releases(load_workflow(project)["jobs"]):
        names = [step.get("id") or step.get("name", "") for step in release["steps"]]
        migrate = [index for index, step in enumerate(release["steps"])
                   if step.get("run", "").startswith("scripts/run-migration.sh")]
        if answers["database"] != "postgres":
            assert migrate == [] and "render-migration" not in names
            continue
        (index,) = migrate
        step = release["steps"][index]
        assert names.index("stack") < names.index("render-migration") < index < names.index("deploy")
        assert step["env"] == {
            "CLUSTER": "${{ steps.stack.outputs.cluster_name }}",
            "TASK_DEFINITION": "${{ steps.render-migration.outputs.task-definition }}",
            "CONTAINER": "${{ steps.stack.outputs.migration_container_name }}",
            "NETWORK": "${{ steps.stack.outputs.migration_network }}"}
        assert step["run"] == 'scripts/run-migration.sh "$CLUSTER" "$TASK_DEFINITION" "$CONTAINER" "$NETWORK"'
        assert not step.get("continue-on-error") and "if" not in step


@pytest.mark.parametrize("index", [0, -1], ids=["first", "production"])
def test_the_release_waits_for_the_rollout_and_fails_on_rollback(project, index):
    deploy = releases(load_workflow(project)["jobs"])[index]
    (step,) = steps_using(deploy, "aws-actions/amazon-ecs-deploy-task-definition")
    # The action's own wait needs every task running: a failing first release would sit out its timeout.
    assert step["with"]["wait-for-service-stability"] is False
    (verify,) = [item for item in deploy["steps"] if item.get("run", "").startswith("scripts/verify-deployment.sh")]
    assert shlex.split(verify["run"])[-1] == "$TIMEOUT"
    assert verify["env"]["TIMEOUT"] == "${{ steps.stack.outputs.deployment_timeout_seconds }}"
    assert verify["env"]["SMOKE_PER_MINUTE"] == "${{ steps.stack.outputs.smoke_requests_per_minute }}"
    assert verify["env"]["SMOKE_URL"].startswith("${{ steps.stack.outputs.service_url }}/")
    # The longest wait the stack can ask for: 20 minutes, plus a canary's two bakes at their maximum.
    canary = 'deployment_strategy = "canary"' in (project / "terraform/locals.tf").read_text()
    variables = load_hcl(project / "terraform/variables.tf")["variable"]
    bakes = ("canary_bake_minutes", "deployment_bake_minutes")
    caps = [re.search(rf"var\.{name} <= (\d+)", variable[name]["validation"][0]["condition"])
            for variable in variables for name in bakes if name in variable]
    longest_wait = 1200 + (60 * sum(int(cap[1]) for cap in caps) if canary else 0)
    (credentials,) = steps_using(deploy, "aws-actions/configure-aws-credentials")
    session = credentials["with"]["role-duration-seconds"]
    assert deploy["timeout-minutes"] * 60 >= longest_wait + 20 * 60  # the build, push and apply too
    assert session >= deploy["timeout-minutes"] * 60
    (role,) = [item["aws_iam_role"]["deploy"] for item in load_hcl(project / "terraform/bootstrap/oidc.tf")["resource"]
               if "deploy" in item.get("aws_iam_role", {})]
    assert role["max_session_duration"] >= session


def test_the_release_links_the_service_and_its_dashboard(project):
    for deploy in releases(load_workflow(project)["jobs"]):
        (summary,) = [item for item in deploy["steps"] if "GITHUB_STEP_SUMMARY" in item.get("run", "")]
        assert summary["if"] == "always() && steps.stack.outcome == 'success'"
        assert summary["env"]["DASHBOARD_URL"] == "${{ steps.stack.outputs.dashboard_url }}"
        assert summary["env"]["ENVIRONMENT"] == deploy["environment"]["name"]
        assert "$DASHBOARD_URL" in summary["run"] and "$SERVICE_URL" in summary["run"]
        assert deploy["environment"]["url"] == "${{ steps.stack.outputs.service_url }}"


def test_an_environment_before_production_is_checked_over_http_before_the_next_starts(project):
    jobs = load_workflow(project)["jobs"]
    for environment in environments(jobs)[:-1]:
        (check,) = [step for step in jobs[f"release-{environment}"]["steps"]
                    if "check-service.sh" in step.get("run", "")]
        assert check["run"] == f'scripts/check-service.sh "$SERVICE_URL" "$GITHUB_SHA" {environment}'
        assert check["env"] == {"SERVICE_URL": "${{ steps.stack.outputs.service_url }}"} and "if" not in check


def test_aws_jobs_explain_a_missing_bootstrap(project):
    jobs = load_workflow(project)["jobs"]
    for job in plans(jobs) + releases(jobs):
        steps = job["steps"]
        index = next(i for i, step in enumerate(steps) if step.get("id") == "aws")
        hint = steps[index + 1]
        assert hint["if"] == "failure() && steps.aws.outcome == 'failure'"
        assert "BOOTSTRAP_HINT" in hint["run"]
    hint = load_workflow(project)["env"]["BOOTSTRAP_HINT"]
    assert "make bootstrap" in hint and "jobs of main only" in hint and "trusted_subjects" in hint
    assert "OIDC subject, printed above" in hint and "docs/runbook.md, Bootstrap" in hint


def test_roles_and_region_come_from_inputs_with_variable_overrides(project, answers):
    """Production's roles are the template's inputs; another environment's are named as its bootstrap names
    them, each overridable by a repository variable of its own; each job signs in to its environment's."""
    workflow = load_workflow(project)
    env = workflow["env"]
    assert env["DEFAULT_AWS_REGION"] == answers["aws_region"]
    assert env["DEFAULT_AWS_DEPLOY_ROLE_ARN"] == answers["aws_oidc_role_arn"]
    assert env["DEFAULT_AWS_PLAN_ROLE_ARN"] == answers["aws_plan_role_arn"]
    drift = load_workflow(project, "drift.yml")["env"]
    assert drift["DEFAULT_AWS_PLAN_ROLE_ARN"] == answers["aws_plan_role_arn"]
    for environment in environments(workflow["jobs"]):
        prefix = "AWS" if environment == "production" else f"AWS_{environment.upper()}"
        if environment != "production":
            # Named as the environment's bootstrap names them, in the account it is applied in.
            names = load_hcl(project / f"terraform/bootstrap/{environment}.tfvars")
            account = f"arn:aws:iam::{names['aws_account_id']}:role"
            assert env[f"DEFAULT_{prefix}_DEPLOY_ROLE_ARN"] == f"{account}/{names['deploy_role_name']}"
            assert env[f"DEFAULT_{prefix}_PLAN_ROLE_ARN"] == drift[f"DEFAULT_{prefix}_PLAN_ROLE_ARN"] == (
                f"{account}/{names['plan_role_name']}")
        for kind in ("plan", "deploy"):
            (step,) = steps_using(workflow["jobs"][f"{'plan' if kind == 'plan' else 'release'}-{environment}"],
                                  "aws-actions/configure-aws-credentials")
            assert step["with"]["aws-region"] == "${{ vars.AWS_REGION || env.DEFAULT_AWS_REGION }}"
            assert step["with"]["role-to-assume"] == (
                f"${{{{ vars.{prefix}_{kind.upper()}_ROLE_ARN || env.DEFAULT_{prefix}_{kind.upper()}_ROLE_ARN }}}}")


def test_the_image_is_built_on_a_runner_of_the_tasks_cpu_architecture(project, answers):
    """The image job builds natively and runs the image; the release only pushes it, on any runner."""
    jobs = load_workflow(project)["jobs"]
    wanted = "ubuntu-24.04-arm" if answers["cpu_architecture"] == "ARM64" else "ubuntu-24.04"
    assert jobs["image"]["runs-on"] == wanted
    for release in releases(jobs):
        assert release["runs-on"] == "ubuntu-24.04"
        assert not [step for step in release["steps"] if "docker build" in step.get("run", "")]


def test_every_pull_request_builds_the_image_and_smoke_tests_it_before_the_plan(project):
    jobs = load_workflow(project)["jobs"]
    runs = [step["run"] for step in jobs["image"]["steps"] if "run" in step and "if" not in step]
    assert runs[:2] == ['make docker-build IMAGE="$ECR_REPOSITORY" GIT_SHA="$GITHUB_SHA"',
                        'scripts/smoke-image.sh "$ECR_REPOSITORY:$GITHUB_SHA" "$GITHUB_SHA"']
    assert "if" not in jobs["image"] and jobs["image"]["permissions"] == {"contents": "read"}
    assert all("image" in plan["needs"] for plan in plans(jobs)) and "image" in jobs["fork-notice"]["needs"]


def test_no_aws_keys_anywhere(project):
    text = "\n".join(path.read_text() for path in (project / ".github").rglob("*.yml"))
    assert not re.search(r"secrets\.\w*(ACCESS_KEY|SECRET_KEY|AWS_KEY|SECRET_ACCESS)", text, re.IGNORECASE)
    assert "aws-access-key-id" not in text and "aws-secret-access-key" not in text


def test_actions_pinned_checkout_without_credentials_no_event_in_scripts(project):
    workflow = load_workflow(project)
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            for code in (step.get("run", ""), step.get("with", {}).get("script", "")):
                assert "github.event." not in code
    text = (project / WORKFLOW).read_text()
    assert all(re.search(r" # v\d+\.\d+\.\d+$", line) for line in text.splitlines() if "uses: " in line)


def test_jobs_that_publish_use_no_cache(project):
    jobs = load_workflow(project)["jobs"]
    assert not [step for release in releases(jobs) for step in release["steps"] if "cache" in step.get("with", {})]


def test_every_python_version_follows_the_dockerfile(project, answers):
    """Dependabot updates the base image; CI reads its Python version from it, never from a copy."""
    text = (project / WORKFLOW).read_text()
    assert "PYTHON_VERSION" not in text and "ARG PYTHON_VERSION" not in (project / "Dockerfile").read_text()
    lint = load_workflow(project)["jobs"]["lint"]
    extract = next(step["run"] for step in lint["steps"] if step.get("id") == "python")
    command = extract.split("$(", 1)[1].rsplit(")", 1)[0]
    version = run(["bash", "-c", command], cwd=project).stdout.strip()
    assert version == answers["python_version"]
    for job in load_workflow(project)["jobs"].values():
        for step in steps_using(job, "actions/setup-python"):
            assert step["with"]["python-version"] == "${{ steps.python.outputs.version }}"


def test_dependabot_covers_every_ecosystem_with_a_cooldown(project):
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"uv", "github-actions", "docker", "terraform"}
    assert all(update["cooldown"]["default-days"] >= 7 for update in config["updates"])
    assert "{{" not in (project / ".github/dependabot.yml").read_text()


def test_template_ci_runs_the_readme_command(actionlint, zizmor):
    workflow = yaml.safe_load((TEMPLATE_DIR / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == "bash .ci/run"
    assert "make test" in (TEMPLATE_DIR / ".ci/run").read_text()
    assert "make test" in (TEMPLATE_DIR / "README.md").read_text()
    (terraform,) = [step for step in steps if step.get("uses", "").startswith("hashicorp/setup-terraform@")]
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    assert terraform["with"]["terraform_version"] == context["_terraform_version"]
    run([actionlint, ".github/workflows/ci.yml"], cwd=TEMPLATE_DIR)
    run([zizmor, "--offline", "--persona", "pedantic", "--no-progress", ".github"], cwd=TEMPLATE_DIR)


@pytest.mark.parametrize("command", ["make -n tf-validate", "make -n tf-test", "make -n tf-emulated",
                                     "make -n bootstrap", "make -n bootstrap ENV=production",
                                     "make -n bootstrap-state-to-s3", "make -n destroy", "make -n tf-lock"])
def test_make_targets_the_workflow_calls_exist(project, answers, command):
    if command == "make -n bootstrap" and own_accounts(answers):
        # Production in an account of its own: one account at a time, and make says how.
        refused = subprocess.run(shlex.split(command), cwd=project, capture_output=True, text=True, check=False)
        assert refused.returncode == 2 and "make bootstrap ENV=production" in refused.stderr, refused.stderr
        return
    run(shlex.split(command), cwd=project)


def test_template_dependabot_sees_every_lock_file_of_the_suite():
    """The template's own Python locks (uv's, and pip's for uv itself), actions and each npm lock under tests/."""
    config = yaml.safe_load((TEMPLATE_DIR / ".github/dependabot.yml").read_text())
    covered = {(update["package-ecosystem"], directory) for update in config["updates"]
               for directory in update.get("directories", [update.get("directory")])}
    locks = {("npm", f"/{lock.parent.relative_to(TEMPLATE_DIR)}") for lock in (TEMPLATE_DIR / "tests").glob(
        "*/package-lock.json")}
    assert locks and locks <= covered
    assert {("uv", "/"), ("uv", "/tools/checkov"), ("pip", "/"), ("github-actions", "/")} <= covered
    assert all(update["cooldown"]["default-days"] >= 7 for update in config["updates"])


def test_the_image_job_gates_every_image_on_its_sboms_vulnerabilities(project):
    """syft lists the saved image's packages, grype scans that list without failing on its own, and the
    rendered gate decides with the rendered policy: on pull requests and on main alike, in a job without AWS
    credentials or a write token."""
    image = load_workflow(project)["jobs"]["image"]
    steps = image["steps"]
    (sbom,) = steps_using(image, "anchore/sbom-action")
    (scan,) = steps_using(image, "anchore/scan-action")
    (gate,) = [step for step in steps if "vulnerability-gate.py" in step.get("run", "")]
    assert sbom["with"]["image"] == "docker-archive:${{ runner.temp }}/image.tar"
    assert sbom["with"]["format"] == "spdx-json" and sbom["with"]["upload-artifact"] is False
    toolchain = toolchain_versions()
    assert sbom["with"]["syft-version"] == toolchain["SYFT_VERSION"], "the pipeline runs the syft the suite tests"
    assert scan["with"] == {"sbom": sbom["with"]["output-file"], "fail-build": False, "output-format": "json",
                            "grype-version": toolchain["GRYPE_VERSION"], "severity-cutoff": "critical",
                            "config": "security/grype.yaml"}
    assert (project / "security/grype.yaml").is_file()
    grypedb = (TEMPLATE_DIR / "tests/scanner/grypedb/go.mod").read_text()
    assert f"github.com/anchore/grype {toolchain['GRYPE_VERSION']}\n" in grypedb, "the test database's schema"
    assert gate["env"]["REPORT"] == "${{ steps.scan.outputs.json }}" and "if" not in gate
    assert gate["run"] == 'python3 scripts/vulnerability-gate.py "$REPORT" security/vulnerabilities.toml'
    assert (project / "security/vulnerabilities.toml").is_file()
    assert steps.index(sbom) < steps.index(scan) < steps.index(gate)
    assert image["permissions"] == {"contents": "read"}


def test_the_release_pushes_the_gated_image_checked_by_its_sha256_and_attests_the_pushed_digest(project):
    """The image is saved, uploaded and hashed before any third-party action runs, the SBOM hashed right after
    it is made; the release checks both sums before it signs in to AWS, and attests only a digest it pushed."""
    jobs = load_workflow(project)["jobs"]
    steps = jobs["image"]["steps"]
    (saved,) = [step for step in steps if step.get("id") == "saved"]
    (upload,) = [step for step in steps_using(jobs["image"], "actions/upload-artifact")
                 if step["with"]["name"].startswith("image-")]
    third_party = [index for index, step in enumerate(steps) if step.get("uses", "").startswith("anchore/")]
    (hashed,) = [step for step in steps if step.get("id") == "sbom"]
    assert steps.index(saved) < steps.index(upload) < min(third_party) < steps.index(hashed) < max(third_party)
    assert "sha256sum" in saved["run"] and "sha256sum" in hashed["run"]
    assert jobs["image"]["outputs"] == {"image-sha256": "${{ steps.saved.outputs.sha256 }}",
                                        "sbom-sha256": "${{ steps.sbom.outputs.sha256 }}"}
    release = releases(jobs)[0]
    rsteps = release["steps"]
    (check,) = [step for step in rsteps if "sha256sum --check --strict" in step.get("run", "")]
    assert check["env"] == {"IMAGE_SHA256": "${{ needs.image.outputs.image-sha256 }}",
                            "SBOM_SHA256": "${{ needs.image.outputs.sbom-sha256 }}"}
    (sign_in,) = steps_using(release, "aws-actions/configure-aws-credentials")
    (push,) = [step for step in rsteps if step.get("id") == "push"]
    assert rsteps.index(check) < rsteps.index(sign_in) < rsteps.index(push)
    assert "needs.image.result == 'success'" in release["if"]
    attest = steps_using(release, "actions/attest")
    assert [step["with"]["subject-digest"] for step in attest] == ["${{ steps.push.outputs.digest }}"] * 2
    assert ["sbom-path" in step["with"] for step in attest] == [False, True]
    assert release["env"]["ATTEST"] == "${{ !github.event.repository.private || vars.ATTESTATIONS == 'true' }}"
    assert all(step["if"] == "steps.push.outputs.pushed == 'true' && env.ATTEST == 'true'"
               and "push-to-registry" not in step["with"] for step in attest)
    assert release["permissions"]["attestations"] == "write"


@pytest.mark.parametrize("tampered", [None, "image.tar", "sbom.spdx.json"])
def test_the_release_refuses_an_artifact_the_image_job_did_not_make(project, tmp_path, tampered):
    """The release's check step run as GitHub runs it (bash -e), on artifacts with and without a changed byte."""
    (check,) = [step for step in releases(load_workflow(project)["jobs"])[0]["steps"]
                if "sha256sum --check --strict" in step.get("run", "")]
    sums = {}
    for name in ("image.tar", "sbom.spdx.json"):
        (tmp_path / name).write_bytes(name.encode() * 1000)
        sums[name] = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    if tampered:
        (tmp_path / tampered).write_bytes(b"x" + (tmp_path / tampered).read_bytes()[1:])
    result = subprocess.run(["bash", "-e", "-c", check["run"]], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, env={"PATH": "/usr/bin:/bin", "IMAGE_SHA256": sums["image.tar"],
                                             "SBOM_SHA256": sums["sbom.spdx.json"]}, check=False)
    assert result.returncode == (1 if tampered else 0), result.stdout + result.stderr
    assert ("::error title=Not the gated image::" in result.stdout) == bool(tampered)


DRIFT = ".github/workflows/drift.yml"


def drift_report(project: Path, directory: Path, results: dict[str, tuple[str, str]],
                 issues: list[dict]) -> list[list]:
    """The drift workflow's report step, run with each environment's (plan outcome, drift) as its jobs'
    outputs and a plan file for each drifting one; the Octokit calls it made."""
    (step,) = steps_using(yaml.safe_load((project / DRIFT).read_text())["jobs"]["report"], "actions/github-script")
    values = {"github.server_url": "https://github.com", "github.repository": "acme/orders-api", "github.run_id": "7"}
    jobs = yaml.safe_load((project / DRIFT).read_text())["jobs"]
    artifacts = {}
    for environment, (outcome, drift) in results.items():
        values |= {f"needs.plan-{environment}.outputs.outcome": outcome,
                   f"needs.plan-{environment}.outputs.drift": drift}
        if outcome == "success":  # the plan job's upload step runs only after its plan succeeded
            artifacts |= uploaded_by(jobs[f"plan-{environment}"], {"terraform/plan-comment.md": (
                f"<!-- terraform-plan -->\n### Terraform plan of {environment}\n"
                + ("Plan: 0 to add, 1 to change" if drift == "true" else "No changes."))})
    download_steps(jobs["report"], artifacts, directory, values)
    env = {name: GITHUB_EXPRESSION.sub(lambda match: values[match[0][3:-2].strip()], value)
           for name, value in step["env"].items()}
    return run_github_script({**step, "env": env}, directory, issues)


def drift_issue(number: int, environment: str, author: str = "Bot") -> dict:
    return {"number": number, "state": "open", "user": {"type": author},
            "body": f"<!-- terraform-drift:{environment} -->\nAWS no longer matches main"}


def test_drift_opens_one_issue_per_drifting_environment_and_closes_it_when_gone(bakery, tmp_path):
    project = bakery({})
    calls = drift_report(project, tmp_path, {"staging": ("success", "true"), "production": ("success", "false")},
                         [drift_issue(4, "production")])
    writes = [(name, args) for name, args in calls if name != "listForRepo"]
    (created,) = [args for name, args in writes if name == "create"]
    assert created["title"] == "Drift in staging" and "<!-- terraform-drift:staging -->" in created["body"]
    assert "Plan: 0 to add, 1 to change" in created["body"] and "/actions/runs/7" in created["body"]
    assert [name for name, _ in writes] == ["create", "createComment", "update"]
    assert writes[2][1] == {"owner": "acme", "repo": "orders-api", "issue_number": 4, "state": "closed",
                            "state_reason": "completed"}


def test_drift_updates_its_open_issue_and_leaves_one_whose_plan_failed(bakery, tmp_path):
    project = bakery({})
    calls = drift_report(project, tmp_path, {"staging": ("success", "true"), "production": ("failure", "")},
                         [drift_issue(9, "staging"), drift_issue(10, "production"),
                          drift_issue(11, "staging", author="User")])
    writes = [(name, args) for name, args in calls if name != "listForRepo"]
    assert [(name, args.get("issue_number")) for name, args in writes if name != "warning"] == [("update", 9)]
    assert "state" not in writes[0][1] and "Plan: 0 to add" in writes[0][1]["body"]
    assert [args for name, args in writes if name == "warning"] == [
        "The drift plan of production did not succeed; its issue is left as it was."]


def test_drift_of_production_alone_opens_its_issue(bakery, tmp_path):
    """One environment: its one artifact must still be found where the report reads it."""
    calls = drift_report(bakery({"environments": "production"}), tmp_path, {"production": ("success", "true")}, [])
    (created,) = [args for name, args in calls if name == "create"]
    assert created["title"] == "Drift in production" and "Plan: 0 to add, 1 to change" in created["body"]


def test_drift_plans_each_environment_with_its_plan_role_and_writes_nothing_to_aws(project, answers):
    workflow = yaml.safe_load((project / DRIFT).read_text())
    environments = answers["environments"].split(",")
    assert triggers(workflow) == {"schedule": [{"cron": "23 6 * * 1-5"}], "workflow_dispatch": None}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert list(jobs) == [f"plan-{environment}" for environment in environments] + ["report"]
    for environment in environments:
        job = jobs[f"plan-{environment}"]
        assert job["permissions"] == {"contents": "read", "id-token": "write"} and "environment" not in job
        prefix = "AWS" if environment == "production" else f"AWS_{environment.upper()}"
        (sign_in,) = steps_using(job, "aws-actions/configure-aws-credentials")
        assert sign_in["with"]["role-to-assume"] == (
            f"${{{{ vars.{prefix}_PLAN_ROLE_ARN || env.DEFAULT_{prefix}_PLAN_ROLE_ARN }}}}")
        tfvars = "prod.tfvars" if environment == "production" else f"{environment}.tfvars"
        assert f"scripts/terraform-plan.sh terraform {tfvars}" in [step.get("run") for step in job["steps"]]
    assert jobs["report"]["permissions"] == {"issues": "write"}
    assert [step["uses"].split("@")[0] for step in jobs["report"]["steps"]] == [
        "actions/download-artifact"] * len(environments) + ["actions/github-script"]
    ci = load_workflow(project)["env"]
    assert {key: value for key, value in workflow["env"].items() if "PLAN_ROLE" in key or "REGION" in key} == {
        key: value for key, value in ci.items() if "PLAN_ROLE" in key or "REGION" in key}


@pytest.mark.parametrize("overrides", [{}, {"environments": "production"}], ids=["defaults", "production-alone"])
def test_the_plan_comment_is_one_comment_with_every_environments_plan_in_release_order(bakery, tmp_path,
                                                                                       overrides):
    """The plan jobs' comment files, stored and downloaded as the pinned artifact actions lay them out
    (tests/emulator/artifacts.py), then the comment step."""
    project = bakery(overrides)
    jobs = load_workflow(project)["jobs"]
    order = environments(jobs)
    artifacts = {}
    for environment in order:
        artifacts |= uploaded_by(jobs[f"plan-{environment}"], {
            "terraform/plan-comment.md": f"<!-- terraform-plan -->\n### Terraform plan of {environment}"})
    download_steps(jobs["plan-comment"], artifacts, tmp_path)
    (step,) = steps_using(jobs["plan-comment"], "actions/github-script")
    context = {"repo": {"owner": "acme", "repo": "orders-api"}, "payload": {"pull_request": {"number": 7}}}
    first = run_github_script(step, tmp_path, context=context)
    (created,) = [args for name, args in first if name == "createComment"]
    positions = [created["body"].index(f"plan of {environment}") for environment in order]
    assert positions == sorted(positions), created["body"]
    again = run_github_script(step, tmp_path, comments=[{"id": 3, "user": {"type": "Bot"}, "body": created["body"]}],
                              context=context)
    assert [(name, args.get("comment_id")) for name, args in again if name != "listComments"] == [("updateComment", 3)]
