"""The offline Terraform toolchain script's own behaviour (the toolchain itself is what every Terraform
test here runs on)."""
import re
import shutil

import pytest

from tests.conftest import TEMPLATE_DIR, missing, run

pytestmark = pytest.mark.slow


def test_build_progress_never_counts_past_its_total_on_a_cold_cache(tmp_path):
    """`go build -v` names the standard library's packages too when it compiles them; the total must count
    them, or a cold build reports 2000/1793."""
    if not shutil.which("go"):
        missing("go", "install Go (https://go.dev/doc/install); the toolchain script builds with it")
    module = tmp_path / "module"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/progress\n\ngo 1.22\n")
    (module / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\t"net/url"\n)\n\n'
                                    'func main() { fmt.Println(url.QueryEscape("progress")) }\n')
    script = TEMPLATE_DIR / "scripts/terraform-toolchain.sh"
    result = run(["bash", "-c", f'source "{script}" && build_with_progress "{module}" . "{tmp_path}/out" "-s -w" cold'],
                 cwd=tmp_path, env={"TOOLCHAIN_HOME": str(tmp_path / "home"), "PROGRESS_EVERY": "1"})
    counts = [tuple(map(int, found)) for found in re.findall(r"cold: (\d+)/(\d+) packages", result.stderr)]
    assert len(counts) > 20, result.stderr  # a cold cache compiles the standard library
    assert all(built <= total for built, total in counts), counts[-5:]
