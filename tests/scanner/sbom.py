"""The SBOM the rendered image job makes: the image saved as a Docker archive, then syft's SPDX JSON of that
archive (the pipeline's sbom-action runs the same syft version on the same kind of archive)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.container.engine import Engine


def sbom_of(engine: Engine, image: str, syft: str, directory: Path) -> Path:
    archive, document = directory / "image.tar", directory / "sbom.spdx.json"
    engine.run("save", "--format", "docker-archive", "--output", str(archive), image)
    subprocess.run([syft, "scan", f"docker-archive:{archive}", "--quiet", "--output", f"spdx-json={document}"],
                   check=True, timeout=900, env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"})
    return document


def packages(document: Path, kind: str) -> dict[str, str]:
    """name -> version of each package the SPDX document identifies with a package URL of that type."""
    found = {}
    for package in json.loads(document.read_text())["packages"]:
        for reference in package.get("externalRefs", []):
            if reference["referenceType"] == "purl" and reference["referenceLocator"].startswith(f"pkg:{kind}/"):
                found[package["name"]] = package["versionInfo"]
    return found
