"""A faithful stand-in for the official python:<version>-slim-trixie image, which no registry serves here.

The official image is Debian trixie with CPython built into /usr/local. The stand-in is Debian trixie from its
own archive (debootstrap, minbase variant: the same user database tools, groupadd and useradd among them) with
trixie's own CPython 3.13 linked as /usr/local/bin/python3 and python, and pip on PATH from a virtual
environment. It carries the official image's name, so the rendered Dockerfile builds unchanged. What differs is
in docs/testing.md: only 3.13 exists (trixie's Python), pip is not in the system site-packages, and the image
trusts this machine's CA bundle (PIP_CERT, SSL_CERT_FILE) so that builds reach PyPI through its proxy.

Where the real image can be pulled (the template's GitHub CI sets TEMPLATE_REAL_BASE_IMAGES=1), it is used."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import CACHE_DIR, file_lock, missing
from tests.container.engine import HOW_TO_GET, Engine

TRIXIE_PYTHON = "3.13"
MIRROR = "http://deb.debian.org/debian"
# Changing how the root filesystem is made changes ROOTFS (debootstrap runs again); changing how it is imported
# changes STAND_IN (the cached archive is imported again).
ROOTFS = "2026-12-06.1"
STAND_IN = "2026-12-06.2"
LABEL = "org.cookiecutter-fastapi-fargate.stand-in"
OFFICIAL_PATH = "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOST_CA = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
SETUP = f"""set -e
ln -sf /usr/bin/python{TRIXIE_PYTHON} /usr/local/bin/python3
ln -sf /usr/bin/python{TRIXIE_PYTHON} /usr/local/bin/python
python3 -m venv /usr/local/lib/pip
ln -sf /usr/local/lib/pip/bin/pip /usr/local/bin/pip
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*
"""


def official(version: str) -> str:
    return f"docker.io/library/python:{version}-slim-trixie"


def pinned(project: Path) -> tuple[str, str]:
    """(Python version, index digest) of the rendered Dockerfile's base image."""
    match = re.search(r"^FROM python:([0-9.]+)-slim-trixie@(sha256:[0-9a-f]{64}) AS build$",
                      (project / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile's build stage names python:<version>-slim-trixie@sha256:<digest>"
    return match[1], match[2]


def base_image(engine: Engine, project: Path, root_prefix: list[str]) -> str:
    """The base image of the rendered Dockerfile, in the engine's storage: the official image by the digest the
    Dockerfile pins where it can be pulled, else the stand-in under the official name."""
    version, digest = pinned(project)
    name = official(version)
    if os.environ.get("TEMPLATE_REAL_BASE_IMAGES") == "1":
        engine.run("pull", f"docker.io/library/python@{digest}", timeout=900)
        return f"docker.io/library/python@{digest}"
    if version != TRIXIE_PYTHON:
        raise ValueError(f"the stand-in has trixie's Python {TRIXIE_PYTHON} only, not {version}")
    with file_lock(CACHE_DIR / "stand-in.lock"):
        present = engine.run("image", "inspect", "--format", "{{ index .Labels \"" + LABEL + "\" }}", name,
                             check=False)
        if present.returncode != 0 or present.stdout.strip() != STAND_IN:
            archive = stand_in_archive(root_prefix)
            engine.run("import", "--change", f"LABEL {LABEL}={STAND_IN}",
                       # The official 3.13 image's PATH, /usr/local/bin twice included; it sets no LANG.
                       "--change", f"ENV PATH={OFFICIAL_PATH}",
                       "--change", "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
                       "--change", "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                       "--change", 'CMD ["python3"]', str(archive), name)
    return name


def built_on(project: Path, copy: Path) -> Path:
    """A copy of the project whose Dockerfile names the base image the engine has: with the official image,
    the Dockerfile as rendered (pinned by digest); with the stand-in, the same tag without the digest, which
    the stand-in cannot have."""
    shutil.copytree(project, copy)
    if os.environ.get("TEMPLATE_REAL_BASE_IMAGES") != "1":
        dockerfile = copy / "Dockerfile"
        text, count = re.subn(r"^(FROM python:[0-9.]+-slim-trixie)@sha256:[0-9a-f]{64}( AS \w+)$", r"\1\2",
                              dockerfile.read_text(), flags=re.MULTILINE)
        assert count == 2, "both stages name the pinned base image"
        dockerfile.write_text(text)
    return copy


def stand_in_archive(root_prefix: list[str]) -> Path:
    """The stand-in's root filesystem as a tar archive, made once per ROOTFS and kept in the suite's cache."""
    archive = CACHE_DIR / "base-images" / f"python-{TRIXIE_PYTHON}-slim-trixie-{ROOTFS}.tar"
    if archive.exists():
        return archive
    debootstrap = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if not debootstrap:
        missing("debootstrap", HOW_TO_GET)
    archive.parent.mkdir(parents=True, exist_ok=True)
    rootfs = archive.parent / f"rootfs-{ROOTFS}"
    subprocess.run([*root_prefix, "rm", "-rf", str(rootfs)], check=True)
    print(f"stand-in base image: debootstrap trixie into {rootfs} (about a minute)", flush=True)
    subprocess.run([*root_prefix, debootstrap, "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
                    "trixie", str(rootfs), MIRROR], check=True, capture_output=True, timeout=1800)
    subprocess.run([*root_prefix, "cp", str(HOST_CA), str(rootfs / "etc/ssl/certs/ca-certificates.crt")], check=True)
    subprocess.run([*root_prefix, "chroot", str(rootfs), "/bin/sh", "-c", SETUP], check=True, capture_output=True,
                   timeout=600)
    partial = archive.with_suffix(".partial")
    subprocess.run([*root_prefix, "tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True, timeout=600)
    subprocess.run([*root_prefix, "chown", f"{os.getuid()}:{os.getgid()}", str(partial)], check=True)
    partial.rename(archive)
    subprocess.run([*root_prefix, "rm", "-rf", str(rootfs)], check=True)
    return archive
