"""Measure the rendered container image: its size, build time, start to the first 200 and SBOM; print a table.

    python benchmarks/image.py [--starts 5]

The image is the one the suite's container tests build (Python 3.13 on X86_64, on the stand-in base image of
tests/container/base_image.py), built with podman and started as ECS starts it (tests/container/task.py).
The SBOM is the image job's: the image saved as a Docker archive, then syft (the toolchain's, the version the
pipeline pins) on it. docs/benchmarks.md gives the budgets. The table is also written to
benchmarks/results/image.md.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cookiecutter.main import cookiecutter  # noqa: E402 - the repository root goes on sys.path first

from benchmarks.harness import BENCHMARKS_DIR, TEMPLATE_DIR  # noqa: E402
from tests.container.base_image import base_image, built_on  # noqa: E402
from tests.container.engine import find_engine  # noqa: E402
from tests.container.image import GIT_SHA, Built, build, first_200, running  # noqa: E402
from tests.scanner.sbom import packages, sbom_of  # noqa: E402
from tests.test_reliability import passwordless_sudo  # noqa: E402

INPUTS = {"python_version": "3.13", "cpu_architecture": "X86_64"}
BUDGETS = {"size_mib": 250.0, "first_200_s": 3.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    engine = find_engine(passwordless_sudo)
    with tempfile.TemporaryDirectory() as out:
        rendered = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=INPUTS, output_dir=out))
        print("base image ...", flush=True)
        base_image(engine, rendered, list(engine.root))
        project = built_on(rendered, Path(out) / "build" / rendered.name)
        tag = f"localhost/template-bench-{project.name}:{GIT_SHA[:12]}"
        builds = []
        for attempt, options in (("without the layer cache", ["--no-cache"]), ("again, from the layer cache", [])):
            print(f"build ({attempt}) ...", flush=True)
            started = time.monotonic()
            result = build(engine, project, tag, *options)
            if result.returncode != 0:
                print(result.stderr[-3000:], file=sys.stderr)
                return 1
            builds.append(time.monotonic() - started)
        built = Built(engine, project, tag)
        size_mib = engine.inspect("image", tag)["Size"] / 2**20
        starts = []
        for number in range(1, args.starts + 1):
            print(f"start {number}/{args.starts} ...", flush=True)
            started = time.monotonic()
            with running(built) as (_, port):
                waited = first_200(port)
                if waited is None:
                    print("the image never answered /health", file=sys.stderr)
                    return 1
                starts.append(time.monotonic() - started)
        syft = shutil.which("syft")
        if not syft:
            print('syft is not on PATH: run eval "$(scripts/terraform-toolchain.sh)" first', file=sys.stderr)
            return 1
        print("SBOM ...", flush=True)
        started = time.monotonic()
        sbom = sbom_of(engine, tag, syft, Path(out))
        sbom_seconds = time.monotonic() - started
        listed = {kind: len(packages(sbom, kind)) for kind in ("deb", "pypi")}
        sbom_kib = sbom.stat().st_size / 1024
        engine.run("rmi", "--force", tag, check=False)
    first = statistics.median(starts)
    rows = [
        "| measure | value | budget | verdict |",
        "|---|---|---|---|",
        f"| image size, MiB | {size_mib:.0f} | < {BUDGETS['size_mib']:.0f} | "
        f"{'met' if size_mib < BUDGETS['size_mib'] else 'MISSED'} |",
        f"| podman run to first 200 on /health, s (median of {len(starts)}) | {first:.2f} | "
        f"< {BUDGETS['first_200_s']:.1f} | {'met' if first < BUDGETS['first_200_s'] else 'MISSED'} |",
        f"| build, s (without the layer cache, the base image ready; then again from the layer cache) | "
        f"{builds[0]:.1f}, {builds[1]:.1f} | | |",
        f"| SBOM, s (podman save, then syft to SPDX JSON): {listed['deb']} Debian and {listed['pypi']} Python "
        f"packages, {sbom_kib:.0f} KiB | {sbom_seconds:.1f} | | |",
    ]
    table = "\n".join(rows)
    print(table)
    (BENCHMARKS_DIR / "results").mkdir(exist_ok=True)
    (BENCHMARKS_DIR / "results/image.md").write_text(table + "\n")
    return 0 if size_mib < BUDGETS["size_mib"] and first < BUDGETS["first_200_s"] else 1


if __name__ == "__main__":
    sys.exit(main())
