"""Documentation stays true to the code: every input documented, every relative link resolving."""
import json
import re
from pathlib import Path

from tests.conftest import TEMPLATE_DIR

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def relative_links(markdown: Path) -> list[str]:
    return [target for target in LINK.findall(markdown.read_text()) if "://" not in target]


def broken_links(root: Path) -> list[str]:
    return [f"{page.relative_to(root)} -> {target}"
            for page in sorted(root.rglob("*.md")) if ".venv" not in page.parts and "build" not in page.parts
            for target in relative_links(page) if not (page.parent / target).exists()]


def test_inputs_reference_documents_every_input():
    inputs = [key for key in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()) if not key.startswith("__")]
    reference = (TEMPLATE_DIR / "docs/inputs.md").read_text()
    assert [name for name in inputs if f"`{name}`" not in reference and name != "_copy_without_render"] == []


def test_template_docs_links_resolve():
    pages = [TEMPLATE_DIR / "README.md", *(TEMPLATE_DIR / "docs").glob("*.md")]
    assert [f"{page.name} -> {target}" for page in pages for target in relative_links(page)
            if not (page.parent / target).exists()] == []


def test_rendered_docs_links_resolve(project):
    assert broken_links(project) == []


DOC_ANCHOR = re.compile(r"(docs/[a-z-]+\.md)#([a-z0-9-]+)")


def headings(markdown: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation but '-' and '_' dropped, spaces as '-'."""
    return {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            for line in markdown.read_text().splitlines() if line.startswith("#")}


def test_every_anchor_the_scripts_and_workflow_print_exists(project):
    """The places a failing job or script points at (docs/runbook.md#an-apply-failed, ...) are headings."""
    sources = [*(project / "scripts").glob("*.sh"), *(project / ".github/workflows").glob("*.yml"),
               *(project / "terraform").glob("*.tf")]
    found = {(source.name, page, anchor) for source in sources
             for page, anchor in DOC_ANCHOR.findall(source.read_text())}
    assert found, "no documentation anchors found: the pattern no longer matches how they are written"
    assert [item for item in sorted(found) if item[2] not in headings(project / item[1])] == []


def test_rendered_readme_walks_from_clone_to_deploy(project):
    readme = (project / "README.md").read_text()
    for step in ("git clone", "make install", "make test", "make run", "make bootstrap", "Environments", "Push"):
        assert step in readme, step
