"""Running real servers for the integration tier: finding them, ports, readiness, stopping.

Each server is a child process on 127.0.0.1, with its data and log in a pytest temp dir,
stopped by its pid (terminate, wait, kill). A server (or tool, or Python package) that is
not installed skips its tests locally, with the command that installs it, and fails them
under CI (``CI`` set), through ``unavailable``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

READY_TIMEOUT = 45.0
"""Seconds a server gets to answer its readiness URL; generous for a loaded 2-core CI box."""
STOP_TIMEOUT = 10.0


def under_ci() -> bool:
    """True when ``CI`` is set to anything but an empty, 0, false or no value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(what: str, install: str) -> NoReturn:
    """Skip (locally) or fail (under CI) a test whose server, tool or package is missing.

    The one place the rule lives: CI sets ``CI=true`` and must run every test, so a
    missing server there is a broken CI setup, not a reason to skip. ``install`` is the
    exact command that installs it, for the skip message.
    """
    message = f"{what} is not installed; install it with: {install}"
    if under_ci():
        pytest.fail(f"{message} (CI is set, so this test may not skip)", pytrace=False)
    pytest.skip(message)


def find_binary(names: Sequence[str], install: str) -> str:
    """The first of ``names`` on PATH, else ``unavailable``.

    Only PATH is searched, so hiding a server from PATH shows what a machine without it
    does (Debian installs these in /usr/bin, which every PATH has).
    """
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    unavailable(f"'{names[0]}'", install)


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1.

    Prometheus, Alertmanager and Buildbot cannot report the port they bound when given
    port 0, so bind one ourselves, release it, and hand the number over.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One child process with its log file; started once, stopped by pid."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.log_path = cwd / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, url: str, timeout: float = READY_TIMEOUT) -> None:
        """Poll ``url`` until it answers 200; fail with the log tail if it never does."""
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(
                        f"{self.name} exited with code {self.process.returncode} while "
                        f"starting:\n{self.log_tail()}",
                        pytrace=False,
                    )
                try:
                    response = client.get(url)
                    if response.status_code == 200:
                        return
                    last = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"{self.name} was not ready at {url} within {timeout:.0f}s (last: {last}):\n"
            f"{self.log_tail()}",
            pytrace=False,
        )

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it keeps its port, so connections are accepted
        by the kernel and never answered, the way a hung server behaves."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused process run again (SIGCONT; harmless when it is not paused)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Terminate by pid, wait, and kill if it does not exit in time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.resume()  # a paused process cannot handle SIGTERM
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def wait_until(check, what: str, timeout: float = 30.0, every: float = 0.2):
    """Call ``check`` until it returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    pytest.fail(
        f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})", pytrace=False
    )


async def eventually(check, what: str, within: float = 30.0, every: float = 0.25):
    """Await ``check()`` until it returns something truthy; fail naming ``what`` after
    ``within`` seconds."""
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    pytest.fail(f"timed out after {within:.0f}s waiting for {what} (last: {last!r})", pytrace=False)
