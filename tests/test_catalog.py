"""The rendered catalog-info.yaml is a Component that Backstage's catalog model accepts and that says what the
answers say, and TechDocs' mkdocs builds the rendered docs in strict mode, in every variant."""
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import find_tool, run
from tests.test_bake import VALID_EDGE_CASES

MKDOCS_HINT = "make .venv/.installed (mkdocs, mkdocs-techdocs-core, from uv.lock)"


def catalog_entry(backstage, catalog_info: Path) -> dict:
    (document,) = backstage.call("entity", file=str(catalog_info))["documents"]
    return document


_entries: dict[Path, dict] = {}


@pytest.fixture
def component(project, backstage) -> dict:
    """The catalog's reading of the project's catalog-info.yaml, once per render."""
    if project not in _entries:
        _entries[project] = catalog_entry(backstage, project / "catalog-info.yaml")
    return _entries[project]


def test_the_catalog_accepts_the_component(component, answers):
    assert "error" not in component, component["error"]
    assert component["owner"]["problems"] == []
    metadata, spec = component["entity"]["metadata"], component["entity"]["spec"]
    assert component["entity"]["kind"] == "Component"
    assert (spec["type"], spec["lifecycle"], spec["owner"]) == ("service", "production", answers["catalog_owner"])
    assert metadata["name"] == answers["project_slug"]
    assert (metadata["title"], metadata["description"]) == (answers["project_name"], answers["description"])


def test_the_component_points_at_its_repository_docs_and_consoles(component, project, answers):
    entity = component["entity"]
    repository = f"{answers['github_owner']}/{answers['github_repo']}"
    assert entity["metadata"]["annotations"] == {"github.com/project-slug": repository,
                                                 "backstage.io/techdocs-ref": "dir:."}
    region = answers["aws_region"]
    assert [link["url"] for link in entity["metadata"]["links"]] == [
        f"https://github.com/{repository}/deployments/{answers['_environment']}",
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}",
        f"https://github.com/{repository}/blob/main/docs/runbook.md",
    ]
    assert (project / "docs/runbook.md").is_file()


@pytest.mark.parametrize(("field", "value", "complaint"), [
    ("name", "Orders API", '"metadata.name" is not valid'),
    ("owner", "Platform Team", 'no entity can be named "Platform Team"'),
    ("owner", "component:orders-api", "an owner must be a Group or a User"),
    ("lifecycle", None, "must have required property 'lifecycle'"),
], ids=["name-with-a-space", "owner-free-text", "owner-of-another-kind", "no-lifecycle"])
def test_the_catalog_checks_would_catch_a_broken_component(bakery, backstage, tmp_path, field, value, complaint):
    entity = yaml.safe_load((bakery({}) / "catalog-info.yaml").read_text())
    section = entity["metadata"] if field == "name" else entity["spec"]
    section[field] = value
    if value is None:
        del section[field]
    broken = tmp_path / "catalog-info.yaml"
    broken.write_text(yaml.safe_dump(entity))
    document = catalog_entry(backstage, broken)
    assert complaint in document.get("error", "") + " ".join(document.get("owner", {}).get("problems", []))


def mkdocs_build(project: Path, site: Path):
    mkdocs = find_tool("mkdocs", MKDOCS_HINT)
    return run([mkdocs, "build", "--strict", "--site-dir", str(site)], cwd=project, ok=(0, 1))


def test_techdocs_builds_strictly_with_every_page(project, tmp_path):
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr[-4000:]
    config = yaml.safe_load((project / "mkdocs.yml").read_text())
    assert config["plugins"] == ["techdocs-core"]
    pages = [page for entry in config["nav"] for page in entry.values()]
    assert sorted(pages) == sorted(path.name for path in (project / "docs").glob("*.md"))
    assert (tmp_path / "site/techdocs_metadata.json").is_file()
    infrastructure = (tmp_path / "site/infrastructure/index.html").read_text()
    first_line = (project / "terraform/README.md").read_text().splitlines()[2]
    assert first_line in infrastructure


def test_techdocs_strict_build_fails_on_a_broken_link(bakery, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(bakery({}), project)
    with (project / "docs/index.md").open("a") as index:
        index.write("\nSee [the terraform README](../terraform/README.md).\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "../terraform/README.md" in result.stderr


def test_quotes_and_unicode_in_names_survive_the_yaml(bakery, backstage):
    (inputs,) = [case.values[0] for case in VALID_EDGE_CASES if case.id == "quotes-and-unicode"]
    project = bakery(inputs)
    metadata = catalog_entry(backstage, project / "catalog-info.yaml")["entity"]["metadata"]
    assert (metadata["title"], metadata["description"]) == (inputs["project_name"], inputs["description"])
    config = yaml.safe_load((project / "mkdocs.yml").read_text())
    assert (config["site_name"], config["site_description"]) == (inputs["project_name"], inputs["description"])
