"""A small cockpit world for fault tests: one faulty backend among healthy peers.

Two release lines share every kind of source: ``victim`` takes one kind (the adapter
under test) from the ``faulty`` backend and the rest from healthy peers; ``bystander``
takes everything from healthy peers. The engine runs on a fake clock, so backoff and
staleness cost no real time, while every request is real HTTP on loopback.

Timeouts are the one thing the fake clock cannot move: httpx's read timeout and the
engine's poll deadline run on the event loop's real clock. So the faulty backend keeps a
generous timeout while it answers (a loaded machine must never time out a good request),
and ``Drive.set_fault`` cuts it to a fraction of a second only while the backend hangs or
drips, when waiting it out is all a poll can do.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
import tomli_w

from release_cockpit.adapters.registry import adapter_kinds, create
from release_cockpit.config import Config, parse_config
from release_cockpit.domain import CockpitSnapshot, Release, SourceStatus
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters, settings_for
from tests.support.clock import FakeClock
from tests.support.fault_backends import SECRET_ENV, HappyBackend, default_for_kind
from tests.support.fault_server import Behaviour, Fault, FaultServer

FAULTY = "faulty"
FAULTY_HOST = "faulty-backend.invalid"
"""The faulty backend's host name: it resolves to loopback only while the server is not
playing a DNS failure (``.invalid`` never resolves for real, RFC 6761)."""
VICTIM = "victim"
BYSTANDER = "bystander"
KINDS = ("ci", "deploy", "health", "alerts", "flags")
INTERVAL = timedelta(seconds=1)
"""The faulty backend's poll interval."""
PEER_INTERVAL = "2s"
"""The healthy peers poll half as often: they only have to show that they keep updating,
and every poll of theirs is real HTTP. Staleness becomes 3 x 2 s for every source."""
FAULTY_TIMEOUT = "1500ms"
"""Short, so hanging and dripping rows stay fast (the engine's poll deadline is 3x this),
yet long enough that a healthy first request (a new connection, a name lookup) does not
time out while the whole suite loads both cores (500 ms did, in CI)."""
CUT_READ_TIMEOUT = 0.2
"""While the faulty backend hangs, its requests give up after this many seconds without an
answer: the row still sees httpx's own read timeout, only sooner than FAULTY_TIMEOUT."""
CUT_POLL_DEADLINE = 1.0
"""While it drips (every byte well inside the read timeout), its polls are cut off after
this many seconds instead of 3 x FAULTY_TIMEOUT: the engine's own poll deadline, sooner."""
WAIT_SECONDS = 15.0
"""Bound on every real-time wait for polls to finish."""


def peer_name(kind: str) -> str:
    return f"ok-{kind}"


def _section(kind: str, entry: HappyBackend, backend: str) -> tuple[str, Any]:
    keys = {"backend": backend, **entry.section}
    if kind == "health":
        return "signals", [keys]
    if kind == "flags":
        return "flags", [keys]
    return kind, keys


def _service(backends: Mapping[str, tuple[str, HappyBackend]]) -> dict[str, Any]:
    service: dict[str, Any] = {"environment": "production"}
    for kind, (name, entry) in backends.items():
        key, value = _section(kind, entry, name)
        service[key] = value
    return service


def _backend(entry: HappyBackend, url: str, interval: str, **extra: Any) -> dict[str, Any]:
    return {"type": entry.type, "url": url, "interval": interval, **extra, **entry.options}


def matrix_config(
    entry: HappyBackend, faulty_url: str, peer_urls: Mapping[str, str], **faulty_keys: Any
) -> Config:
    """The config of the fault world: ``entry`` is the faulty backend's type."""
    peers = {kind: default_for_kind(kind) for kind in KINDS}
    backends = {FAULTY: _backend(entry, faulty_url, "1s", timeout=FAULTY_TIMEOUT, **faulty_keys)}
    for kind, peer in peers.items():
        backends[peer_name(kind)] = _backend(peer, peer_urls[kind], PEER_INTERVAL, timeout="5s")
    healthy = {kind: (peer_name(kind), peer) for kind, peer in peers.items()}
    victim = {**healthy, entry.kind: (FAULTY, entry)}
    document = {
        "polling": {"interval": "1s", "stale_after": "5s", "max_backoff": "2m"},
        "backends": backends,
        "services": {VICTIM: _service(victim), BYSTANDER: _service(healthy)},
    }
    return parse_config(tomli_w.dumps(document), "<fault-world>", kinds=adapter_kinds())


class FaultyLink(httpx.AsyncBaseTransport):
    """The faulty backend's connection pool, whose read timeout a row can cut short.

    Requests go through a real httpx transport; ``read_timeout`` (when set) replaces the
    read part of each request's timeout, the same knob httpx's own ``Timeout`` sets.
    """

    def __init__(self) -> None:
        # Plain HTTP on loopback: no CA bundle to load for every row's engine.
        self._pool = httpx.AsyncHTTPTransport(verify=False)
        self.read_timeout: float | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.read_timeout is not None:
            request.extensions["timeout"] = {
                **request.extensions.get("timeout", {}),
                "read": self.read_timeout,
            }
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        await self._pool.aclose()


class FaultWorldEngine(Engine):
    """The real engine on a fake clock; the faulty backend's requests go through ``link``."""

    def __init__(self, config: Config, env: Mapping[str, str]) -> None:
        self.link = FaultyLink()
        env = {**SECRET_ENV, **env}
        adapters = build_adapters(config, env)
        if FAULTY in config.backends:
            adapters[FAULTY] = create(settings_for(config, FAULTY, env), transport=self.link)
        super().__init__(config, adapters, clock=FakeClock())


def build_engine(config: Config, env: Mapping[str, str] | None = None) -> FaultWorldEngine:
    return FaultWorldEngine(config, env or {})


class Resolver:
    """Resolves host names to loopback for chosen servers, like a local DNS zone.

    A name resolves while its server is not playing UNRESOLVABLE; then the real resolver
    is asked, and it fails, because ``.invalid`` names never resolve.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.zone: dict[str, FaultServer] = {}

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        server = self.zone.get(host.decode() if isinstance(host, bytes) else str(host))
        if server is not None and not (
            server.fault is not None and server.fault.behaviour is Behaviour.UNRESOLVABLE
        ):
            return self.real("127.0.0.1", port, *args, **kwargs)
        return self.real(host, port, *args, **kwargs)


def install_resolver(monkeypatch: Any) -> Resolver:
    resolver = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


async def wait_until(condition: Callable[[], bool], what: str, limit: float = WAIT_SECONDS) -> None:
    """Wait in real time (bounded) for ``condition``; the engine's I/O is real."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit:g}s waiting for {what}")
        await asyncio.sleep(0.001)


class Drive:
    """Moves the fake clock and waits for the real polls it triggers to finish."""

    def __init__(self, engine: FaultWorldEngine) -> None:
        self.engine = engine
        clock = engine.clock
        assert isinstance(clock, FakeClock)
        self.clock = clock
        self._poll_deadline = engine.loops[FAULTY].timeout if FAULTY in engine.loops else 0.0

    def set_fault(self, server: FaultServer, fault: Fault | None) -> None:
        """Switch the faulty backend to ``fault`` (None: healthy again).

        A backend that hangs can only fail by a read timeout, and one that drips only by
        the poll deadline, both in real time: while one of those is on, that wait is cut
        to CUT_READ_TIMEOUT or CUT_POLL_DEADLINE. Healthy answers, including the first
        after recovery, get the configured timeout and deadline back.
        """
        server.set_fault(fault)
        behaviour = fault.behaviour if fault is not None else None
        self.engine.link.read_timeout = CUT_READ_TIMEOUT if behaviour is Behaviour.HANG else None
        self.engine.loops[FAULTY].timeout = (
            CUT_POLL_DEADLINE if behaviour is Behaviour.DRIP else self._poll_deadline
        )

    def idle(self) -> bool:
        """True when every poll loop is waiting for its next turn (none is polling)."""
        loops = self.engine.loops.values()
        return not any(loop.in_flight for loop in loops) and self.clock.sleeping >= len(loops)

    async def settle(self) -> None:
        await wait_until(self.idle, "every poll loop to finish its poll")

    async def advance(self, seconds: float) -> None:
        """Move time on, at most one peer interval at a time, letting polls finish.

        The polls' I/O takes real time; jumping a minute at once would let a poll that
        started early finish "late", which no real clock does.
        """
        step = timedelta(seconds=2).total_seconds()
        while seconds > 0:
            chunk = min(seconds, step)
            await self.clock.advance(chunk)
            await self.settle()
            seconds -= chunk

    async def advance_to(self, moment: datetime) -> None:
        seconds = (moment - self.clock.now()).total_seconds()
        await self.advance(max(seconds, 0.0) + 0.001)

    async def published_after(self, moment: datetime, limit: datetime) -> None:
        """Move time on in small steps until a snapshot taken after ``moment`` is out.

        Snapshots are published when polls finish, so this waits for the next poll of any
        source after ``moment`` (a peer polls at least every PEER_INTERVAL); ``limit``
        bounds how far time may move.
        """
        step = timedelta(milliseconds=250)
        while self.snapshot.taken_at <= moment:
            target = min(max(self.clock.now(), moment) + step, limit)
            assert target > self.clock.now(), f"no snapshot after {moment} before {limit}"
            await self.advance((target - self.clock.now()).total_seconds())

    async def poll(self, name: str) -> SourceStatus:
        """Let ``name`` poll once (time moves to its next poll) and return its status."""
        loop = self.engine.loops[name]
        before = loop.polls
        record = self.engine.store.sources[name]
        assert record.next_poll_at is not None
        await self.advance_to(record.next_poll_at)
        # The loop goes to sleep a moment after it reports, so its wake-up can lie a
        # step of the fake clock later than the next_poll_at it reported.
        for _ in range(20):
            if loop.polls > before:
                break
            await self.advance(0.01)
        await wait_until(lambda: loop.polls > before, f"{name} to poll")
        await self.settle()
        return self.source(name)

    @property
    def snapshot(self) -> CockpitSnapshot:
        snapshot = self.engine.snapshot
        assert snapshot is not None
        return snapshot

    def source(self, name: str) -> SourceStatus:
        return next(s for s in self.snapshot.sources if s.name == name)

    def release(self, key: str) -> Release:
        release = self.snapshot.release(key)
        assert release is not None
        return release

    def next_delay(self, name: str) -> float:
        """Seconds between the source's last poll and its next one."""
        record = self.engine.store.sources[name]
        assert record.next_poll_at is not None
        assert record.last_attempt_at is not None
        return (record.next_poll_at - record.last_attempt_at).total_seconds()

    def loops_alive(self) -> bool:
        tasks = {t.get_name(): t for t in asyncio.all_tasks()}
        return all(
            f"poll:{name}" in tasks and not tasks[f"poll:{name}"].done()
            for name in self.engine.loops
        )
