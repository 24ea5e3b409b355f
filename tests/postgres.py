"""A throwaway PostgreSQL server for the tests of database renders, from Debian's `postgresql` package
(scripts/install-system-deps.sh): initdb into a temporary directory, listening on 127.0.0.1 (a free port) and
a socket in that directory, password authentication, waits bounded, stopped and deleted by the fixture.

PostgreSQL refuses to run as root; as root, the server runs as the `postgres` system user the package creates.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # the superuser initdb creates, and the system user of Debian's package
START_TIMEOUT_SECONDS = 30


def server_binaries() -> Path | None:
    """The directory of initdb and pg_ctl: PG_BIN, else the newest Debian major, else pg_ctl on PATH."""
    candidates = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else []
    candidates += sorted(DEBIAN_BINARIES.glob("*/bin"), key=lambda path: int(path.parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((path for path in candidates if (path / "initdb").exists() and (path / "pg_ctl").exists()), None)


def run_as_server_user() -> list[str]:
    """The prefix that runs a server command as a user PostgreSQL accepts."""
    return ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    binaries: Path
    directory: Path
    port: int
    password: str

    @property
    def environment(self) -> dict[str, str]:
        """The APP_DATABASE_* settings with which a rendered project reaches the server."""
        return {"APP_DATABASE_HOST": "127.0.0.1", "APP_DATABASE_PORT": str(self.port),
                "APP_DATABASE_USER": SERVER_USER, "APP_DATABASE_PASSWORD": self.password}

    def pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run_as_server_user(), str(self.binaries / "pg_ctl"),
                               f"--pgdata={self.directory / 'data'}", *arguments],
                              capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS + 10, check=False)

    def stop(self) -> None:
        try:
            self.pg_ctl("--mode=immediate", "--wait", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start(binaries: Path) -> Server:
    """A new server in a new directory; raises RuntimeError with the server's log when it does not start."""
    # Not under pytest's base directory: that one is root's alone (0700), and the server runs as postgres.
    directory = Path(tempfile.mkdtemp(prefix="template-postgres-"))
    password = secrets.token_hex(16)
    (directory / "password").write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(directory, SERVER_USER)
        shutil.chown(directory / "password", SERVER_USER)
    server = Server(binaries, directory, free_port(), password)
    initdb = subprocess.run([*run_as_server_user(), str(binaries / "initdb"), f"--pgdata={directory / 'data'}",
                             f"--username={SERVER_USER}", f"--pwfile={directory / 'password'}",
                             "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--locale=C"],
                            capture_output=True, text=True, timeout=120, check=False)
    if initdb.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {initdb.stderr[-2000:]}")
    options = f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories='{directory}'"
    started = server.pg_ctl(f"--log={directory / 'server.log'}", "--wait", f"--timeout={START_TIMEOUT_SECONDS}",
                            "-o", options, "start")
    if started.returncode != 0:
        log = (directory / "server.log").read_text() if (directory / "server.log").exists() else started.stderr
        server.stop()
        raise RuntimeError(f"the PostgreSQL server did not start: {log[-2000:]}")
    return server
