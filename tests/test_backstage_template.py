"""template.yaml: Backstage's catalog accepts it; its form asks cookiecutter.json's inputs with their prompts,
defaults and choices and refuses what the pre-generation hook refuses wherever JSON Schema can say so; and
the real fetch:cookiecutter action, given the form's answers, renders the same bytes as cookiecutter."""
import json
import os
import stat
from pathlib import Path

import pytest

from hooks import pre_gen_project
from tests.conftest import TEMPLATE_DIR, VARIANTS, find_tool
from tests.test_bake import BAD_CHOICES, BAD_INPUTS, VALID_EDGE_CASES, rendered_files
from tests.test_workflows import load_workflow, triggers

TEMPLATE_FILE = TEMPLATE_DIR / "template.yaml"
COOKIECUTTER = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
INPUTS = [name for name in COOKIECUTTER if not name.startswith("_")]
CONSTANTS = {name: value for name, value in COOKIECUTTER.items()
             if name.startswith("_") and not name.startswith("__") and name != "_copy_without_render"}
DERIVED = {name for name in INPUTS if "{{" in str(COOKIECUTTER[name])}
# publish:github needs the repository name before cookiecutter runs, so the form asks for the slug.
ASKED_THOUGH_DERIVED = {"project_slug"}

# What the hook refuses that JSON Schema cannot express (it compares answers with each other, or needs
# arithmetic on an address): the form accepts these, the hook on the command line and Terraform's variable
# validations in the pipeline refuse them (docs/backstage.md).
BEYOND_JSON_SCHEMA = {
    ("availability_zones", "us-east-1a,us-west-2a"): "zones of another region than aws_region",
    ("availability_zones", "us-east-1a,us-east-1a"): "a zone listed twice",
    ("vpc_cidr", "10.0.0.1/16"): "host bits set",
    ("max_capacity", "1"): "below min_capacity",
    ("aws_plan_role_arn", "arn:aws:iam::210987654321:role/orders-api-plan"): "another account than the deploy role",
}


def fields(template: dict) -> dict[str, dict]:
    """Every form field, in the order the form asks them."""
    return {name: schema for page in template["spec"]["parameters"] for name, schema in page["properties"].items()}


def required(template: dict) -> set[str]:
    return {name for page in template["spec"]["parameters"] for name in page.get("required", [])}


def step(template: dict, step_id: str) -> dict:
    (found,) = [candidate for candidate in template["spec"]["steps"] if candidate["id"] == step_id]
    return found


def typed(schema: dict, value: str):
    """An answer as the form holds it: numbers in number fields, text elsewhere."""
    if schema["type"] != "integer":
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def form_data(template: dict, answers: dict, slug: str = "orders-api") -> dict:
    """What the form submits: its defaults, the given answers, and the slug it always asks for."""
    schemas = fields(template)
    data = {name: schema["default"] for name, schema in schemas.items() if "default" in schema}
    data.update({name: typed(schemas[name], value) for name, value in answers.items()})
    data.setdefault("project_slug", slug)
    return data


def form_errors(backstage, cases: dict[str, dict]) -> dict[str, list[str]]:
    return backstage.call("form", file=str(TEMPLATE_FILE), cases=cases)["errors"]


@pytest.fixture(scope="module")
def template(backstage) -> dict:
    (document,) = backstage.call("load", file=str(TEMPLATE_FILE))["documents"]
    return document


def test_the_catalog_accepts_the_template(backstage):
    (document,) = backstage.call("entity", file=str(TEMPLATE_FILE))["documents"]
    assert "error" not in document, document["error"]
    entity = document["entity"]
    assert (entity["apiVersion"], entity["kind"]) == ("scaffolder.backstage.io/v1beta3", "Template")
    assert document["owner"]["problems"] == []


def test_the_form_asks_every_input_in_order_with_its_prompt(template):
    schemas = fields(template)
    assert list(schemas) == INPUTS
    assert {name: schema["description"] for name, schema in schemas.items()} == {
        name: COOKIECUTTER["__prompts__"][name] for name in INPUTS}
    assert [name for name, schema in schemas.items() if not schema.get("title")] == []


def test_the_form_has_cookiecutters_defaults_and_choices(template):
    for name, schema in fields(template).items():
        default = COOKIECUTTER[name]
        if isinstance(default, list):
            assert (schema["enum"], schema["default"]) == (default, default[0]), name
        elif name in DERIVED:
            assert "default" not in schema, f"{name}: a derived default is left to cookiecutter"
            assert schema.get("ui:help", "").startswith("Leave empty") or name in ASKED_THOUGH_DERIVED, name
        else:
            assert str(schema["default"]) == default, name


def test_the_form_offers_exactly_the_values_the_hook_accepts(template):
    schemas = fields(template)
    for name, choices in pre_gen_project.CHOICES.items():
        assert schemas[name]["enum"] == list(choices), name
    assert schemas["aws_region"]["enum"] == list(pre_gen_project.AWS_REGIONS)
    assert schemas["task_cpu"]["enum"] == list(pre_gen_project.FARGATE_MEMORY_BY_CPU)
    assert schemas["log_retention_days"]["enum"] == list(pre_gen_project.LOG_RETENTION_DAYS)


def test_only_inputs_with_a_fixed_default_and_the_slug_are_required(template):
    fixed = {name for name in INPUTS if name not in DERIVED and COOKIECUTTER[name] != ""}
    assert required(template) == fixed | ASKED_THOUGH_DERIVED


def test_the_fetch_step_hands_cookiecutter_every_input_and_constant(template):
    """Required answers pass as they are; an optional one left empty falls back to cookiecutter.json's
    default, a derived one to its expression, which cookiecutter then renders as on the command line."""
    fetch = step(template, "fetch")
    assert fetch["action"] == "fetch:cookiecutter"
    expected = {}
    for name in INPUTS:
        fallback = "" if name in required(template) else f" or {json.dumps(COOKIECUTTER[name])}"
        expected[name] = f"${{{{ parameters.{name}{fallback} }}}}"
    assert list(fetch["input"]["values"].items()) == [*expected.items(), *CONSTANTS.items()]
    assert fetch["input"]["copyWithoutRender"] == COOKIECUTTER["_copy_without_render"]
    (project_dir,) = [path for path in TEMPLATE_DIR.iterdir() if path.name.startswith("{{cookiecutter.")]
    assert fetch["input"]["url"] == f"./{project_dir.name}"


def test_publish_and_register_follow_the_fetch(template, bakery):
    assert [entry["action"] for entry in template["spec"]["steps"]] == [
        "fetch:cookiecutter", "publish:github", "catalog:register"]
    register = step(template, "register")["input"]
    assert register == {"repoContentsUrl": "${{ steps['publish'].output.repoContentsUrl }}",
                        "catalogInfoPath": "/catalog-info.yaml"}
    assert (bakery({}) / register["catalogInfoPath"].lstrip("/")).is_file()


def test_the_form_accepts_every_variant_and_edge_case(backstage, template):
    cases = {f"case {number}": form_data(template, param.values[0])
             for number, param in enumerate([*VARIANTS, *VALID_EDGE_CASES])}
    assert {name: errors for name, errors in form_errors(backstage, cases).items() if errors} == {}


def test_the_form_refuses_what_the_hook_refuses(backstage, template):
    cases = {}
    for name, value in [*BAD_INPUTS, *BAD_CHOICES]:
        answers = {name: value, "min_capacity": "2"} if name == "max_capacity" else {name: value}
        cases[f"{name}={value}"] = form_data(template, answers)
    errors = form_errors(backstage, cases)
    accepted = {case for case, problems in errors.items() if not problems}
    assert accepted == {f"{name}={value}" for name, value in BEYOND_JSON_SCHEMA}
    for name, value in [*BAD_INPUTS, *BAD_CHOICES]:
        if (name, value) not in BEYOND_JSON_SCHEMA:
            problems = errors[f"{name}={value}"]
            assert any(f"/{name}" in problem for problem in problems), (name, problems)


def test_the_form_takes_exactly_fargates_task_sizes(backstage, template):
    sizes = {(cpu, memory) for cpu in pre_gen_project.FARGATE_MEMORY_BY_CPU for memory in range(256, 131072, 256)}
    cases = {f"{cpu}/{memory}": form_data(template, {"task_cpu": str(cpu), "task_memory": str(memory)})
             for cpu, memory in sorted(sizes)}
    accepted = {case for case, problems in form_errors(backstage, cases).items() if not problems}
    assert accepted == {f"{cpu}/{memory}" for cpu, memories in pre_gen_project.FARGATE_MEMORY_BY_CPU.items()
                        for memory in memories}


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(path.relative_to(root)): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
            for path in rendered_files(root)}


PORTAL_CASES = [*VARIANTS, *[case for case in VALID_EDGE_CASES if case.id == "quotes-and-unicode"]]


@pytest.mark.parametrize("answers", PORTAL_CASES)
def test_fetch_cookiecutter_renders_what_cookiecutter_renders(backstage, template, bakery, answers, tmp_path):
    """The template's steps, rendered from the form's answers by the scaffolder's templating engine; the
    fetch step run by the fetch:cookiecutter action itself, with cookiecutter on PATH as the scaffolder
    backend would have it."""
    cli_project, cli_answers = bakery(answers), bakery.answers(answers)
    data = form_data(template, answers, slug=cli_answers["project_slug"])
    assert form_errors(backstage, {"answers": data}) == {"answers": []}
    cookiecutter = Path(find_tool("cookiecutter", "make .venv/.installed (from uv.lock)"))
    config = tmp_path / "cookiecutterrc.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\nreplay_dir: {tmp_path / 'replay'}\n")
    workspace, scratch = tmp_path / "workspace", tmp_path / "scratch"
    workspace.mkdir()
    scratch.mkdir()
    result = backstage.call("steps", file=str(TEMPLATE_FILE), parameters=data, workspace=str(workspace),
                            scratch=str(scratch),
                            env={"PATH": f"{cookiecutter.parent}:{os.environ['PATH']}",
                                 "COOKIECUTTER_CONFIG": str(config)})
    assert tree(workspace) == tree(cli_project)
    publish = result["inputs"]["publish"]
    assert publish["repoUrl"] == f"github.com?owner={cli_answers['github_owner']}&repo={cli_answers['github_repo']}"
    assert publish["description"] == cli_answers["description"]
    assert [publish["defaultBranch"]] == triggers(load_workflow(cli_project))["push"]["branches"]
