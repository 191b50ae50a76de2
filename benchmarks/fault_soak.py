"""Fault-injection soak: the engine against a hostile world and a disk that fills and frees.

A script, not a test. It serves the simulated world (``release-cockpit demo-world``) in a
subprocess and puts a hostile proxy in front of it, on loopback. Every ``--period`` seconds
the proxy picks one backend path of the world (``/github``, ``/prometheus``,
``/alertmanager``, ``/k8s``) and one fault and serves that backend that way for the period:

- refused connections, answers slower than the timeout, a body that drips forever;
- 500 with an HTML page, 429 with ``Retry-After``, an HTML login page with 200;
- truncated JSON, JSON nested 100,000 deep, the wrong shape, a 40 MiB body;
- lone surrogates (``\\ud800``, a legal JSON escape) in every string of the answer;
- a redirect to another host.

Meanwhile the audit and history database lives in a file whose process may write only a
few kilobytes more every other ``--disk-period`` (``RLIMIT_FSIZE``: the kernel answers
``EFBIG`` exactly as a full disk answers ``ENOSPC``), and an action (pause or resume of a
rollout) is attempted every few seconds through the real audited path.

It prints one JSON line:

- ``snapshots_per_minute``: never zero (one backend's data never freezes the rest);
- ``rss_mb_by_minute``: bounded;
- ``actions``: attempted, sent, refused (with why), and ``audit_lost``: sent actions whose
  audit record is missing at the end (must be 0), ``audit_unfinished``: sent actions whose
  end record could not be written while the disk was full (shown as "outcome unknown");
- ``tracebacks``: exceptions logged with a traceback or escaping a task (must be 0);
- ``faults``: the schedule that ran.

Usage::

    python -m benchmarks.fault_soak                  # 10 minutes, 50 releases
    python -m benchmarks.fault_soak --minutes 1 --period 5 --disk-period 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import http.server
import itertools
import json
import logging
import os
import resource
import signal
import socket
import socketserver
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from benchmarks.soak import free_port, rss_mb, start_world, stop_world
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import Config, parse_config
from release_cockpit.domain import Action
from release_cockpit.engine.database import Database, open_database
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import CockpitError
from release_cockpit_demo.demo_config import demo_config_text

BACKENDS = ("/github", "/prometheus", "/alertmanager", "/k8s")
FAULTS = (
    "ok",
    "refuse",
    "slow",
    "drip",
    "html-500",
    "rate-limited",
    "html-200",
    "truncated",
    "deep",
    "wrong-shape",
    "huge",
    "surrogates",
    "redirect",
)


@dataclass
class Schedule:
    """The fault the proxy serves now: (backend path, fault), changed every period."""

    period: float
    started: float = field(default_factory=time.monotonic)
    plan: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pairs = [(b, f) for f in FAULTS if f != "ok" for b in BACKENDS]
        # Interleave calm periods so recovery is exercised after every fault.
        self.plan = [p for pair in pairs for p in (pair, ("", "ok"))]

    def now(self) -> tuple[str, str]:
        index = int((time.monotonic() - self.started) // self.period)
        return self.plan[index % len(self.plan)]


class HostileProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the world, except for the backend the schedule is hurting now."""

    world = ""
    schedule: Schedule
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the benchmark prints one JSON line."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _forward(self) -> tuple[int, dict[str, str], bytes]:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        request = urllib.request.Request(
            self.world + self.path, data=body, method=self.command, headers=dict(self.headers)
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        target, fault = self.schedule.now()
        if fault == "ok" or not self.path.startswith(target):
            status, headers, body = self._forward()
            self._answer(status, body, headers)
            return
        if fault == "refuse":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "slow":
            time.sleep(12)
            status, headers, body = self._forward()
            self._answer(status, body, headers)
        elif fault == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(60):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            self.close_connection = True
        elif fault == "html-500":
            self._answer(500, b"<html><body>Internal Server Error</body></html>")
        elif fault == "rate-limited":
            self._answer(429, b'{"message": "slow down"}', {"Retry-After": "3"})
        elif fault == "html-200":
            self._answer(200, b"<html><body>Please log in</body></html>")
        elif fault == "truncated":
            status, headers, body = self._forward()
            self._answer(status, body[: len(body) // 2], headers)
        elif fault == "deep":
            self._answer(200, b"[" * 100_000 + b"]" * 100_000)
        elif fault == "wrong-shape":
            self._answer(200, b'{"data": 42, "items": "none", "workflow_runs": {}}')
        elif fault == "huge":
            self._answer(200, b'{"pad": "' + b"x" * (40 * 1024 * 1024) + b'"}')
        elif fault == "surrogates":
            status, headers, body = self._forward()
            self._answer(status, body.replace(b'":"', b'":"\\ud800'), headers)
        elif fault == "redirect":
            self._answer(302, b"", {"Location": f"http://127.0.0.2:9{self.path}"})


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy_errors = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The proxy's own broken pipes (the cockpit hung up on a fault) are counted, not
        printed: they are the hostile side's, not the cockpit's."""
        type(self).proxy_errors += 1


@dataclass
class Disk:
    """A database disk that is full every other period (RLIMIT_FSIZE of this process)."""

    path: Path
    period: float
    full: bool = False
    started: float = field(default_factory=time.monotonic)

    def update(self) -> None:
        want_full = int((time.monotonic() - self.started) // self.period) % 2 == 1
        if want_full == self.full:
            return
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if want_full:
            sizes = [p.stat().st_size for p in self.path.parent.glob(self.path.name + "*")]
            resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes, default=0) + 8192, hard))
        else:
            resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
        self.full = want_full


class Tracebacks(logging.Handler):
    """Counts every logged exception and every exception that escapes a task or thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.last: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.note(record.getMessage())

    def note(self, what: str) -> None:
        self.count += 1
        self.last = [*self.last[-4:], what[:300]]


def hostile_config(proxy: str, releases: int) -> Config:
    document: dict[str, Any] = tomllib.loads(demo_config_text(proxy, releases))
    document["polling"]["timeout"] = "5s"
    return parse_config(tomli_w.dumps(document), "<fault-soak>", kinds=adapter_kinds())


async def act(engine: Engine, stats: Counter[str], sent: list[int]) -> None:
    """One pause or resume on some rollout, through the real audited path."""
    snapshot = engine.snapshot
    if snapshot is None:
        return
    for release in snapshot.releases:
        for action in (Action.PAUSE, Action.RESUME):
            if not snapshot.available(release.key, action):
                continue
            stats["attempted"] += 1
            try:
                plan = engine.controls.check(release.key, action)
                outcome = await engine.controls.run(plan, typed_name=plan.service)
            except CockpitError as refused:
                stats[f"refused: {getattr(refused, 'rule', '') or type(refused).__name__}"] += 1
                return
            stats["sent"] += 1
            stats["succeeded" if outcome.ok else "failed at the backend"] += 1
            sent.append(outcome.audit_id)
            return


async def soak(config: Config, database: Database, disk: Disk, seconds: float) -> dict[str, Any]:
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: tracebacks.note(str(context.get("message"))))
    threading.excepthook = lambda hook: tracebacks.note(repr(hook.exc_value))
    engine = Engine(config, build_adapters(config, os.environ), database=database)
    published: list[float] = []
    engine.subscribe(lambda _: published.append(time.monotonic()))
    actions: Counter[str] = Counter()
    sent: list[int] = []
    await engine.start()
    started = time.monotonic()
    rss: list[float] = []
    for tick in itertools.count():
        if time.monotonic() - started >= seconds:
            break
        disk.update()
        if tick % 5 == 0:
            await act(engine, actions, sent)
        if int(time.monotonic() - started) // 60 >= len(rss):
            gc.collect()
            rss.append(rss_mb())
        await asyncio.sleep(1.0)
    await engine.stop()
    disk.period = float("inf")
    disk.full = True
    disk.update()  # the disk is freed for the final count
    records = await engine.controls.stored.entries(10_000)
    by_id = {entry.id: entry for entry in records}
    minutes = max(1, int(seconds // 60))
    per_minute = [
        sum(1 for at in published if started + 60 * m <= at < started + 60 * (m + 1))
        for m in range(minutes)
    ]
    return {
        "minutes": round(seconds / 60, 2),
        "releases": len(config.services),
        "snapshots_per_minute": per_minute,
        "rss_mb_by_minute": rss,
        "actions": dict(actions),
        "audit_lost": sum(1 for record in sent if record not in by_id),
        "audit_unfinished": sum(
            1 for record in sent if record in by_id and by_id[record].finished_at is None
        ),
        "tracebacks": tracebacks.count,
        "last_tracebacks": tracebacks.last,
        "source_states_at_end": {
            s.name: s.state.value for s in (engine.snapshot.sources if engine.snapshot else ())
        },
        "cores": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to soak")
    parser.add_argument("--releases", type=int, default=50, help="release lines in the world")
    parser.add_argument("--period", type=float, default=15.0, help="seconds per fault")
    parser.add_argument("--disk-period", type=float, default=60.0, help="seconds full / free")
    args = parser.parse_args()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as ENOSPC
    world, url = start_world(args.releases)
    HostileProxy.world = url
    HostileProxy.schedule = Schedule(args.period)
    port = free_port()
    server = ThreadingServer(("127.0.0.1", port), HostileProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="fault-soak-") as tmp:
            path = Path(tmp) / "cockpit.db"
            database = open_database(path, retention=None)
            disk = Disk(path, args.disk_period)
            config = hostile_config(f"http://127.0.0.1:{port}", args.releases)
            result = asyncio.run(soak(config, database, disk, args.minutes * 60))
            result["faults"] = sorted({f for _, f in HostileProxy.schedule.plan})
            result["proxy_errors"] = ThreadingServer.proxy_errors
    finally:
        server.shutdown()
        stop_world(world)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
