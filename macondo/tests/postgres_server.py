"""A PostgreSQL server of a test's own, on a free port, so the test can stop and start it
without touching the shared one. initdb refuses to run as root: as root it runs as the
`postgres` system user (Debian's packages create it)."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _binaries():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts)
    return found[-1].parent if found else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnPostgreSQL:
    def __init__(self):
        self.bin = _binaries()
        if self.bin is None:
            pytest.skip("PostgreSQL's server binaries are not installed under /usr/lib/postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="macondo-test-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, program, *args):
        subprocess.run(  # noqa: S603 - PostgreSQL's own binaries, arguments of our own
            [*self.as_user, self.bin / program, *map(str, args)],
            check=True,
            capture_output=True,
        )

    def start(self):
        # Every connection is logged: a test counts them in the server's own log.
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c log_connections=on"
        )
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def connections(self):
        """Connections the server has received since it was first started."""
        return self.log.read_text().count("connection received:")

    def settings(self):
        return {"HOST": "127.0.0.1", "PORT": str(self.port), "NAME": "postgres", "USER": "postgres"}

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
