"""The emulated AWS account as a process: the rendered project's own emulator (moto, with its patches for
where moto differs from AWS), with every call recorded, on 127.0.0.1 only.

    python -m tests.emulator.server --record calls.jsonl --port-file port.txt

It writes the port to --port-file once it accepts connections, and stops on SIGTERM or SIGINT. The
patches live in one module, `{{cookiecutter.project_slug}}/scripts/aws_emulator.py`, which rendered
projects run for their own emulated apply; the suite loads that same file.
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import signal
import threading
from pathlib import Path
from types import ModuleType

from tests.emulator import RENDERED_SCRIPTS
from tests.emulator.recording import Recorder

EMULATOR_SOURCE = RENDERED_SCRIPTS / "aws_emulator.py"


@functools.cache
def rendered_emulator() -> ModuleType:
    """The rendered project's emulator module, loaded from the template (it contains no template syntax)."""
    spec = importlib.util.spec_from_file_location("aws_emulator", EMULATOR_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", type=Path, required=True, help="JSON lines file of every call")
    parser.add_argument("--port-file", type=Path, required=True, help="written with the port once listening")
    args = parser.parse_args()

    emulator = rendered_emulator()
    emulator.apply_gaps()
    server, thread = emulator.serve(Recorder(emulator.make_app(), args.record))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    args.port_file.write_text(str(server.server_port))
    stop.wait()
    server.shutdown()
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
