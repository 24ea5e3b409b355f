"""The real grype (the version the rendered scan-action installs), run offline: its database is written for
the test by tests/scanner/grypedb from a list of vulnerabilities, never downloaded or updated; update checks
are off and any HTTP(S) request would go to a closed port on 127.0.0.1. What it proves: the findings and the
JSON report the rendered vulnerability gate reads are grype's own, for the packages syft found in the image."""
from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLOSED_PORT = "http://127.0.0.1:9"
OFFLINE = {"GRYPE_DB_AUTO_UPDATE": "false", "GRYPE_CHECK_FOR_APP_UPDATE": "false", "GRYPE_DB_VALIDATE_AGE": "false",
           "HTTPS_PROXY": CLOSED_PORT, "HTTP_PROXY": CLOSED_PORT, "https_proxy": CLOSED_PORT,
           "http_proxy": CLOSED_PORT, "NO_PROXY": "", "no_proxy": ""}


@dataclass(frozen=True)
class Vulnerability:
    """One entry of the database: `affected` is a grype version constraint ("" for every version)."""
    id: str
    severity: str
    package: str
    ecosystem: str  # "deb" (Debian 13) or "python"
    affected: str = ""
    fix_version: str = ""
    fix_state: str = "not-fixed"
    fix_date: str = ""
    aliases: list[str] = field(default_factory=list)


def database(grypedb: str, directory: Path, vulnerabilities: list[Vulnerability]) -> Path:
    subprocess.run([grypedb, str(directory)], input=json.dumps([asdict(item) for item in vulnerabilities]),
                   text=True, check=True, timeout=120, capture_output=True)
    return directory


def scan(grype: str, sbom: Path, database_dir: Path, report: Path, config: Path, cwd: Path) -> dict:
    """`grype -c CONFIG sbom:SBOM -o json` in `cwd`, as scan-action runs it with its `config` input (and without
    --fail-on), offline; the parsed report."""
    result = subprocess.run([grype, "--config", str(config), f"sbom:{sbom}", "--output", "json", "--file",
                             str(report)], cwd=cwd, text=True, capture_output=True, timeout=300, check=False,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(database_dir), **OFFLINE,
                                 "GRYPE_DB_CACHE_DIR": str(database_dir)})
    assert result.returncode == 0, result.stdout + result.stderr
    scanned = json.loads(report.read_text())
    assert scanned["descriptor"]["db"]["status"]["valid"], scanned["descriptor"]["db"]
    return scanned
