"""An emulated AWS account for the template's tests: moto in server mode on loopback, a recording of every
call made to it, and the patches for what moto does not do the way AWS does.

The rendered project's emulator and its strict layer live in `{{cookiecutter.project_slug}}/scripts`; that
folder goes on the import path here, so `aws_strict` imports as it does in a rendered project."""
import sys
from pathlib import Path

RENDERED_SCRIPTS = Path(__file__).resolve().parents[2] / "{{cookiecutter.project_slug}}" / "scripts"
if str(RENDERED_SCRIPTS) not in sys.path:
    sys.path.insert(0, str(RENDERED_SCRIPTS))
