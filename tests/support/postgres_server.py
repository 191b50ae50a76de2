"""A real PostgreSQL for the tests: Debian's ``postgresql`` package, one cluster per run.

``initdb`` makes a cluster in a fresh temporary directory and ``postgres`` serves it on a
free 127.0.0.1 port (no Unix socket, fsync off: a throwaway cluster), with password
(SCRAM) logins as on a real server, so the cockpit's password handling is exercised. Both
refuse to run as root, so a root test run (CI) runs them as the package's ``postgres``
user (or ``nobody``), owning the directory. The server is stopped by its pid with SIGINT
(PostgreSQL's "fast" shutdown: it disconnects clients instead of waiting for them).

The binaries are found on PATH, else in Debian's versioned directory
(``/usr/lib/postgresql/<major>/bin``, which is not on PATH). Missing ones skip the tests
locally with the install command and fail them under CI (``servers.unavailable``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from tests.support.servers import free_port, unavailable

INSTALL = "sudo apt-get install postgresql"
SUPERUSER = "cockpit_admin"
PASSWORD = "test-only-" + uuid.uuid4().hex[:12]
"""The superuser's password for this run (the cluster lives only as long as the run)."""
START_TIMEOUT = 60.0


def find_postgres() -> Path:
    """The directory holding ``initdb`` and ``postgres``, or skip/fail (``unavailable``)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    unavailable("PostgreSQL ('initdb' and 'postgres')", INSTALL)


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: this user, or (as root) an unprivileged one."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    unavailable("an unprivileged user to run PostgreSQL as (postgres or nobody)", INSTALL)


@dataclass(slots=True)
class PostgresServer:
    """One running cluster; ``url(db)`` names a database in it (no password: see env)."""

    bin_dir: Path
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment variable the cockpit reads the password from in the tests."""
        return {"TEST_PG_PASSWORD": PASSWORD}

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.home / "postgres.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def connect(self, database: str = "postgres", user: str = SUPERUSER, password: str = ""):
        import psycopg

        return psycopg.connect(
            self.url(database, user), password=password or PASSWORD, autocommit=True
        )

    def create_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)


class _RunAs(TypedDict, total=False):
    """The subprocess keywords that drop root to the package's ``postgres`` user."""

    user: int
    group: int
    extra_groups: list[int]


def _as(user: pwd.struct_passwd | None) -> _RunAs:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def start_postgres() -> PostgresServer:
    """initdb a cluster in a new temporary directory and start it; wait until it answers."""
    bin_dir = find_postgres()
    user = _server_user()
    home = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    data = home / "data"
    pwfile = home / "pwfile"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if user is not None:
        for path in (home, pwfile):
            os.chown(path, user.pw_uid, user.pw_gid)
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    init = subprocess.run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        cwd=home,
        env=env,
        capture_output=True,
        check=False,
        **_as(user),
    )
    if init.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.decode(errors='replace')[-2000:]}")
    server = PostgresServer(bin_dir, home, free_port())
    log = (home / "postgres.log").open("wb")
    if user is not None:
        os.chown(home / "postgres.log", user.pw_uid, user.pw_gid)
    server.process = subprocess.Popen(
        [
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(server.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=300",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        cwd=home,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        **_as(user),
    )
    log.close()
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"postgres exited while starting:\n{tail}")
        try:
            with server.connect():
                return
        except psycopg.OperationalError as exc:
            last = str(exc).strip()
        time.sleep(0.1)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(f"postgres did not answer within {START_TIMEOUT:.0f}s ({last}):\n{tail}")


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
