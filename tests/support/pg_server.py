"""A throwaway PostgreSQL server for tests and benches: initdb + pg_ctl in a temporary directory, on a free port.

`TEST_DATABASE_URL` (what `.ci/run` exports after starting its own server) is used instead when set: then nothing is
started here. PostgreSQL refuses to run as root, so as root its binaries run as the `postgres` user.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

ENV_URL = "TEST_DATABASE_URL"


def server_binaries() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian's layout, then PATH), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: [int(x) for x in
                   Path(p).parts[-3].split(".") if x.isdigit()])
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One server; `url(name)` addresses a database on it, `create_database` makes one (optionally from a template)."""

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url
        self._dir: Path | None = None
        self._bin: Path | None = None
        self.port = 0

    @property
    def admin_url(self) -> str:
        assert self._base_url is not None, "server not started"
        return self._base_url

    def url(self, database: str) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.admin_url)
        info["dbname"] = database
        user = info.get("user", "postgres")
        password = f":{info['password']}" if info.get("password") else ""
        return f"postgresql://{user}{password}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{database}"

    def start(self) -> None:
        if self._base_url is not None:
            return  # a server someone else started (CI)
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
        self._bin = binaries
        self._dir = Path(tempfile.mkdtemp(prefix="milestone-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres")
        self._run("initdb", "-D", str(self._dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        # fsync off: a test server's data is thrown away; never advice for a real one.
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-l", str(self._dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300", "start")
        self._base_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self._dir is None:
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self._dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def pause(self) -> None:
        """Stop the server, keeping its data (a database that went away); `resume` starts it again."""
        assert self._dir is not None, "only a server started here can be stopped"
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        assert self._dir is not None
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-l", str(self._dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, tool: str, *args: str) -> None:
        assert self._bin is not None
        command = [str(self._bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/")
