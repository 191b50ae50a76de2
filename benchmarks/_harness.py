"""Shared pieces of the benchmarks: the simulated world in its own process, a cockpit in a
pseudo-terminal, and per-process CPU and memory from /proc (Linux).

Not a benchmark itself. Every benchmark prints one JSON line; these helpers keep them short.
"""

from __future__ import annotations

import compileall
import contextlib
import fcntl
import json
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.scenarios import CIFamily

REPO = Path(__file__).resolve().parents[1]
COLS, ROWS = 120, 40
COCKPIT_TITLE = b"release-cockpit"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def compiled() -> None:
    """Compile the cockpit's modules to bytecode first, as ``pip install`` does: with
    ``PYTHONDONTWRITEBYTECODE`` set (or a read-only checkout) an edited module would
    otherwise be compiled again at every start, and first paint would measure that."""
    for package in ("release_cockpit", "release_cockpit_demo"):
        compileall.compile_dir(REPO / "app" / package, quiet=1)


def cores() -> int:
    return os.cpu_count() or 1


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def emit(figures: dict[str, Any]) -> None:
    """The one JSON line a benchmark prints."""
    sys.stdout.write(json.dumps({**figures, "cores": cores()}) + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class World:
    """A ``release-cockpit demo-world`` process and a config file pointing at it."""

    process: subprocess.Popen[bytes]
    url: str
    config: Path


def bench_config(
    url: str, releases: int, interval: str | None = None, ci: str | None = None
) -> str:
    """The world's own config; ``interval`` (e.g. "1s") overrides every poll and signal;
    ``ci`` (github, gitlab, jenkins) is the CI system every line is built on."""
    text = demo_config_text(url, releases, ci=CIFamily(ci) if ci else None)
    if interval is None:
        return text
    document: dict[str, Any] = tomllib.loads(text)
    document["polling"]["interval"] = interval
    for backend in document["backends"].values():
        backend["interval"] = interval
    for service in document["services"].values():
        for rule in service.get("signals", []):
            rule["interval"] = interval
    return tomli_w.dumps(document)


@contextlib.contextmanager
def world(
    releases: int, *, extra: Sequence[str] = (), interval: str | None = None, ci: str | None = None
) -> Iterator[World]:
    """Serve the simulated world in its own process for the duration of the block (every
    line built on ``ci`` when given)."""
    port = free_port()
    argv = [sys.executable, "-m", "release_cockpit", "demo-world", "--releases", str(releases)]
    if ci:
        argv += ["--ci", ci]
    process = subprocess.Popen(
        [*argv, "--port", str(port), *extra],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="rc-bench-") as tmp:
        config = Path(tmp) / "cockpit.toml"
        config.write_text(bench_config(url, releases, interval, ci), encoding="utf-8")
        try:
            _wait_listening(process, port)
            yield World(process, url, config)
        finally:
            stop(process)


def _wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"demo-world exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise SystemExit("demo-world did not start listening within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Terminal:
    """A process whose terminal is a pseudo-terminal we read (the screen's bytes)."""

    process: subprocess.Popen[bytes]
    fd: int
    started: float

    def read(self, timeout: float) -> bytes:
        """Whatever the program wrote within ``timeout`` seconds (b"" if nothing)."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self.fd, 65536)
        except OSError:  # EIO: the program closed the terminal
            return b""

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> float | None:
        """Seconds since launch when ``needle`` first appeared on the screen, or None."""
        seen = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = (seen + self.read(deadline - time.monotonic()))[-65536:]
            if needle in seen:
                return time.monotonic() - self.started
        return None

    def count_bytes(self, seconds: float) -> int:
        """Bytes the program writes to the terminal during the next ``seconds``."""
        total = 0
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            total += len(self.read(left))
        return total

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)


_HOME: tempfile.TemporaryDirectory[str] | None = None


def private_dirs() -> dict[str, str]:
    """XDG base directories for this benchmark run alone (created on first use, removed at
    exit). The cockpits it starts share one audit store, log and cache, as a user's runs
    do, and never touch the machine user's own: a store left there by another version
    would be refused, and a cockpit without its store does less work than a user's."""
    global _HOME
    if _HOME is None:
        _HOME = tempfile.TemporaryDirectory(prefix="rc-bench-home-")
    root = Path(_HOME.name)
    names = ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
    return {name: str(root / name.split("_")[1].lower()) for name in names}


@contextlib.contextmanager
def terminal(argv: Sequence[str], cols: int = COLS, rows: int = ROWS) -> Iterator[Terminal]:
    """Run ``argv`` with a ``cols`` x ``rows`` pseudo-terminal as its terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {
        **os.environ,
        **private_dirs(),
        "TERM": "xterm-256color",
        "COLUMNS": str(cols),
        "LINES": str(rows),
    }
    env.pop("NO_COLOR", None)
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv),
        cwd=REPO,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield Terminal(process, master, started)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)


def cockpit_argv(config: Path) -> list[str]:
    return [sys.executable, "-m", "release_cockpit", "run", "--config", str(config)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 4)
