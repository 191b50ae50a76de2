"""Shared polls: cockpits on one PostgreSQL database elect one poller per backend.

Twenty cockpits on release day must not poll every backend twenty times (Buildkite allows
200 REST requests a minute per organisation, GitHub 5,000 an hour per token). Per *scope*
(one backend, as this config polls it: cockpits with another config for it poll apart),
the cockpit holding a session-level advisory lock polls, on a connection of its own
(https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS). It writes
each poll's outcome (``poll_codec``) into ``poll_results`` and sends its id with
``NOTIFY cockpit_poll``; the others ``LISTEN``, read the row and apply it to their own
store as if they had polled (https://www.postgresql.org/docs/current/sql-notify.html).

Takeover: a holder that exits or dies loses its connection, so PostgreSQL drops its lock
at once and the next follower's try (every ``TICK`` seconds) wins. A holder that *hangs*
keeps its connection; it renews a lease row every tick, and once the lease is older than
``LEASE`` a follower ends the holder's connection (``pg_terminate_backend``, allowed for
the same role) and takes over. Each takeover bumps the lease's *term*, and a result is
only inserted under the term that wrote it, so a holder that wakes up late cannot write.

A newcomer first asks the holder for a *baseline* (``NOTIFY cockpit_refresh``): the
holder's whole state for that backend (runs, rollouts, alerts, signal histories), then
follows the incremental results. While the database cannot be reached the cockpit polls
every backend itself and says so; it rejoins when the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from release_cockpit.engine.poll_codec import MalformedShare, decode, encode
from release_cockpit.engine.poll_loop import PollOutcome
from release_cockpit.engine.postgres_file import PostgresTarget, describe, psycopg_modules

TICK = 1.0
"""Seconds between lock tries (followers) and lease renewals (holders)."""
LEASE = 3.0
"""A lease not renewed for this long (past the holder's interval) is a hung holder."""
TIMEOUT = 5.0
"""Any one database call longer than this counts as the database being unreachable."""
RECONNECT = 5.0
"""Seconds between attempts to reach the database again while polling alone."""
KEEP_RESULTS = 300
"""Results kept per scope (older ones are deleted by the holder)."""
BASELINE_WAIT = 10.0
"""Seconds a newcomer waits for a baseline before applying plain results anyway."""

POLL_CHANNEL = "cockpit_poll"
REFRESH_CHANNEL = "cockpit_refresh"
INTENT_CHANNEL = "cockpit_intents"

log = logging.getLogger(__name__)


class Role(Enum):
    LEADING = "leading"  # this cockpit polls and shares
    FOLLOWING = "following"  # another cockpit polls; this one applies its results
    ALONE = "alone"  # the database cannot be reached: polling on its own


@dataclass(frozen=True, slots=True)
class Sharing:
    """How one backend is polled now, for the sources screen."""

    role: Role
    holder: str = ""
    """Who polls (``alice@bastion-1``) when following; this cockpit's name when leading."""
    polled_at: datetime | None = None
    """When the holder's last result was taken (following)."""
    problem: str = ""
    """Why this cockpit polls alone."""

    def text(self, now: datetime) -> str:
        if self.role is Role.ALONE:
            return f"polling alone: {self.problem}"
        if self.role is Role.LEADING:
            return "polled here for the team"
        if self.polled_at is None:
            return f"polled by {self.holder}"
        age = max(int((now - self.polled_at).total_seconds()), 0)
        return f"polled by {self.holder}, {age}s ago"


def scope_of(source: str, signature: str) -> str:
    """A short, stable name for what one cockpit polls of one backend."""
    return hashlib.sha256(f"{source}\n{signature}".encode()).hexdigest()[:32]


class PollCoordinator:
    """Elects, shares and follows; the engine starts and stops its own loops on ``on_role``."""

    def __init__(
        self,
        target: PostgresTarget,
        scopes: Mapping[str, str],
        intervals: Mapping[str, float],
        name: str,
        *,
        on_role: Callable[[str, Role], None],
        on_outcome: Callable[[PollOutcome], None],
        on_baseline_wanted: Callable[[str], PollOutcome | None],
        on_refresh: Callable[[str], None],
        on_intents: Callable[[], None] = lambda: None,
        on_status: Callable[[], None] = lambda: None,
    ) -> None:
        """``scopes`` maps each backend to its signature (``scope_of`` hashes it)."""
        self.target = target
        self.name = name
        self.scope = {source: scope_of(source, sig) for source, sig in scopes.items()}
        self.source_of = {scope: source for source, scope in self.scope.items()}
        self.intervals = dict(intervals)
        self._on_role = on_role
        self._on_outcome = on_outcome
        self._on_baseline_wanted = on_baseline_wanted
        self._on_refresh = on_refresh
        self._on_intents = on_intents
        self._on_status = on_status
        self.sharing: dict[str, Sharing] = {}
        self._terms: dict[str, int] = {}
        self._last_id: dict[str, int] = {}
        self._waiting_baseline: dict[str, float] = {}
        self._conn: Any = None
        self._listener: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._shares: set[asyncio.Task[None]] = set()
        self._problem = ""
        self._stopping = False
        self.takeovers = 0

    # -- what the engine asks -------------------------------------------------------------

    def role(self, source: str) -> Role:
        sharing = self.sharing.get(source)
        return sharing.role if sharing is not None else Role.ALONE

    def share(self, outcome: PollOutcome) -> None:
        """This cockpit polled ``outcome.source``: write it for the others (never blocks)."""
        if self.role(outcome.source) is not Role.LEADING:
            return
        task = asyncio.get_running_loop().create_task(self._share(outcome, baseline=False))
        self._shares.add(task)
        task.add_done_callback(self._shares.discard)

    def request_refresh(self, source: str) -> None:
        """Ask the holder of ``source`` to poll now (``r`` on a follower)."""
        scope = self.scope.get(source)
        if scope is not None and self.role(source) is Role.FOLLOWING:
            self._spawn(self._notify(REFRESH_CHANNEL, f"now:{scope}"))

    def intents_changed(self) -> None:
        """This cockpit claimed or released a target: the others re-read the intents."""
        if self._conn is not None:
            self._spawn(self._notify(INTENT_CHANNEL, self.name))

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and take part; while the database is unreachable, poll alone."""
        if not await self._connect():
            self._go_alone(self._problem)
        else:
            await self._elect()
        self._tasks.append(asyncio.create_task(self._ticker(), name="team:tick"))

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._shares:
            await asyncio.gather(*self._shares, return_exceptions=True)
        await self._close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._shares.add(task)
        task.add_done_callback(self._shares.discard)

    async def _connect(self) -> bool:
        psycopg, _ = psycopg_modules()
        try:
            async with asyncio.timeout(TIMEOUT * 2):
                kwargs = self.target.kwargs("release-cockpit poller")
                self._conn = await psycopg.AsyncConnection.connect(
                    self.target.url, autocommit=True, **kwargs
                )
                self._listener = await psycopg.AsyncConnection.connect(
                    self.target.url, autocommit=True, **kwargs
                )
                for channel in (POLL_CHANNEL, REFRESH_CHANNEL, INTENT_CHANNEL):
                    await self._listener.execute(f"LISTEN {channel}".encode())
        except (psycopg.Error, OSError, TimeoutError) as exc:
            self._problem = self._why(exc)
            await self._close()
            return False
        self._problem = ""
        self._tasks.append(asyncio.create_task(self._listen(), name="team:listen"))
        return True

    def _why(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"team database {self.target.shown} did not answer within {TIMEOUT:g}s"
        message, _ = describe(exc, self.target)
        return f"team database unreachable ({message})"

    async def _close(self) -> None:
        for conn in (self._conn, self._listener):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._conn = self._listener = None

    def _set(self, source: str, sharing: Sharing) -> None:
        before = self.sharing.get(source)
        self.sharing[source] = sharing
        if before is None or before.role is not sharing.role:
            self._on_role(source, sharing.role)
        self._on_status()

    def _go_alone(self, problem: str) -> None:
        for source in self.scope:
            self._set(source, Sharing(Role.ALONE, problem=problem))
        self._terms.clear()

    # -- the tick: elect, renew, watch ----------------------------------------------------

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            if self._conn is None:
                await asyncio.sleep(RECONNECT - TICK)
                if await self._connect():
                    await self._elect()
                continue
            try:
                await self._elect()
            except Exception as exc:  # psycopg errors, timeouts: the database went away
                log.warning("team database failed; polling alone: %s", exc)
                problem = self._why(exc) if not isinstance(exc, MalformedShare) else str(exc)
                await self._close()
                self._go_alone(problem)

    async def _db(self, sql: str, *values: Any) -> list[tuple[Any, ...]]:
        async with asyncio.timeout(TIMEOUT):
            cursor = await self._conn.execute(sql.encode(), values)
            return list(await cursor.fetchall()) if cursor.description is not None else []

    async def _elect(self) -> None:
        """Renew what this cockpit holds; try to take what it does not."""
        for source, scope in self.scope.items():
            if source in self._terms:
                renewed = await self._db(
                    "UPDATE poll_leases SET renewed_at = now()::text, interval_s = %s"
                    " WHERE scope = %s AND term = %s RETURNING term",
                    self.intervals.get(source, 5.0),
                    scope,
                    self._terms[source],
                )
                if not renewed:  # someone decided this holder hung and took over
                    self._terms.pop(source)
                    with contextlib.suppress(Exception):
                        await self._db("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", scope)
                    self._follow(source)
                continue
            [(got,)] = await self._db("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", scope)
            if got:
                await self._lead(source, scope)
                continue
            if self.role(source) is not Role.FOLLOWING:
                self._follow(source)
            await self._watch_lease(source, scope)
            waited = self._waiting_baseline.get(source)
            if waited is not None and asyncio.get_running_loop().time() - waited > BASELINE_WAIT:
                self._waiting_baseline.pop(source, None)  # no baseline came: plain results

    async def _lead(self, source: str, scope: str) -> None:
        [(term,)] = await self._db(
            "INSERT INTO poll_leases (scope, source, term, holder, backend_pid, renewed_at,"
            " interval_s) VALUES (%s, %s, 1, %s, pg_backend_pid(), now()::text, %s)"
            " ON CONFLICT (scope) DO UPDATE SET term = poll_leases.term + 1,"
            " holder = excluded.holder, backend_pid = excluded.backend_pid,"
            " renewed_at = excluded.renewed_at, interval_s = excluded.interval_s"
            " RETURNING term",
            scope,
            source,
            self.name,
            self.intervals.get(source, 5.0),
        )
        if self.role(source) is Role.FOLLOWING:
            self.takeovers += 1
        self._terms[source] = int(term)
        self._waiting_baseline.pop(source, None)
        self._set(source, Sharing(Role.LEADING, holder=self.name))

    def _follow(self, source: str) -> None:
        scope = self.scope[source]
        self._waiting_baseline[source] = asyncio.get_running_loop().time()
        self._last_id.pop(source, None)
        self._set(source, Sharing(Role.FOLLOWING))
        self._spawn(self._notify(REFRESH_CHANNEL, f"baseline:{scope}"))

    async def _watch_lease(self, source: str, scope: str) -> None:
        rows = await self._db(
            "SELECT holder, backend_pid, interval_s,"
            " extract(epoch FROM now() - renewed_at::timestamptz) FROM poll_leases"
            " WHERE scope = %s",
            scope,
        )
        if not rows:
            return
        holder, pid, interval, age = rows[0]
        current = self.sharing.get(source)
        if current is not None and current.holder != holder:
            self._set(source, Sharing(Role.FOLLOWING, holder, current.polled_at))
        if float(age) > float(interval) + LEASE:
            log.warning("poller %s of %s hung %.0fs: taking over", holder, source, age)
            with contextlib.suppress(Exception):
                await self._db("SELECT pg_terminate_backend(%s)", pid)

    # -- sharing and following ------------------------------------------------------------

    async def _notify(self, channel: str, payload: str) -> None:
        with contextlib.suppress(Exception):
            await self._db("SELECT pg_notify(%s, %s)", channel, payload)

    async def _share(self, outcome: PollOutcome, *, baseline: bool) -> None:
        source = outcome.source
        scope, term = self.scope.get(source), self._terms.get(source)
        if scope is None or term is None or self._conn is None:
            return
        try:
            rows = await self._db(
                "INSERT INTO poll_results (scope, term, holder, polled_at, body)"
                " SELECT %s, %s, %s, %s, %s WHERE EXISTS"
                " (SELECT 1 FROM poll_leases WHERE scope = %s AND term = %s) RETURNING id",
                scope,
                term,
                self.name,
                datetime.now(UTC).isoformat(),
                encode(outcome, baseline=baseline),
                scope,
                term,
            )
            if rows:
                ident = int(rows[0][0])
                await self._db("SELECT pg_notify(%s, %s)", POLL_CHANNEL, f"{scope}:{ident}")
                if ident % 50 == 0:
                    await self._db(
                        "DELETE FROM poll_results WHERE scope = %s AND id < %s",
                        scope,
                        ident - KEEP_RESULTS,
                    )
        except Exception as exc:  # the tick notices a dead database; a share may just fail
            log.info("sharing %s failed: %s", source, exc)

    async def _listen(self) -> None:
        listener = self._listener
        try:
            async for note in listener.notifies():
                await self._heard(note.channel, note.payload)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("team notifications stopped: %s", exc)

    async def _heard(self, channel: str, payload: str) -> None:
        if channel == INTENT_CHANNEL:
            if payload != self.name:
                self._on_intents()
            return
        kind, _, rest = payload.partition(":")
        if channel == REFRESH_CHANNEL:
            source = self.source_of.get(rest)
            if source is None or self.role(source) is not Role.LEADING:
                return
            if kind == "baseline":
                outcome = self._on_baseline_wanted(source)
                if outcome is not None:
                    await self._share(outcome, baseline=True)
            else:
                self._on_refresh(source)
            return
        source = self.source_of.get(kind)
        if channel == POLL_CHANNEL and source is not None and self.role(source) is Role.FOLLOWING:
            with contextlib.suppress(Exception):
                await self._catch_up(source, kind)

    async def _catch_up(self, source: str, scope: str) -> None:
        """Apply every result of ``scope`` newer than the last one applied, in order."""
        after = self._last_id.get(source)
        if after is None:
            rows = await self._db(
                "SELECT id, holder, polled_at, body FROM poll_results WHERE scope = %s"
                " ORDER BY id DESC LIMIT 1",
                scope,
            )
        else:
            rows = await self._db(
                "SELECT id, holder, polled_at, body FROM poll_results WHERE scope = %s"
                " AND id > %s ORDER BY id LIMIT 100",
                scope,
                after,
            )
        for ident, holder, polled_at, body in rows:
            self._last_id[source] = int(ident)
            try:
                outcome, baseline = decode(body)
            except MalformedShare as exc:
                log.warning("result %s of %s is malformed: %s", ident, source, exc)
                continue
            if source in self._waiting_baseline and not baseline:
                continue  # the holder's whole state comes first
            if baseline and source not in self._waiting_baseline:
                continue  # a baseline for a newcomer: this cockpit has the state already
            self._waiting_baseline.pop(source, None)
            when = datetime.fromisoformat(polled_at)
            self.sharing[source] = Sharing(Role.FOLLOWING, holder, when)
            self._on_outcome(outcome)
