"""Action intents: one action at a time per target, across every cockpit on one store.

Before an action is sent, the cockpit claims its target in ``action_intents``, under a
transaction-level lock on that target (PostgreSQL: ``pg_advisory_xact_lock``; SQLite: the
file's write lock), so two people confirming in the same second cannot both win: the
second reads the first's row and is refused with who, what and since when. The claim is
dropped when the action ends; one left behind by a cockpit that died expires after the
action timeout plus a margin, so a crash never locks a rollout for good.

A stalled holder that comes back after its claim expired still cannot apply a stale
action: the backend call carries the backend's own guard (Kubernetes ``resourceVersion``,
a JSON patch ``test``) where one exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from release_cockpit.domain.intent import Intent
from release_cockpit.engine.db_schema import Tx
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store_file import StoreFile

Caller = Callable[..., Awaitable[Any]]
"""``Database.call``: runs a blocking store call on the database thread."""

MARGIN = timedelta(seconds=30)
"""How long past the action timeout a claim outlives a cockpit that died holding it."""

_COLUMNS = "target, action, service, who, host, started_at, expires_at, token"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _intent(row: tuple[Any, ...]) -> Intent:
    return Intent(
        target=row[0],
        action=row[1],
        service=row[2],
        who=row[3],
        host=row[4],
        started_at=datetime.fromisoformat(row[5]),
        expires_at=datetime.fromisoformat(row[6]),
        token=row[7],
    )


class IntentStore:
    """Claims and releases targets in the shared store (calls block: database thread)."""

    def __init__(
        self,
        file: StoreFile,
        *,
        who: str,
        user: str,
        host: str,
        pid: int,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._file = file
        self.who = who
        self.user = user
        self.host = host
        self.pid = pid
        self._clock = clock or (lambda: datetime.now(UTC))

    def claim(
        self, target: str, action: str, service: str, lasts: timedelta
    ) -> tuple[Intent | None, Intent | None]:
        """(this claim, None), or (None, the live claim someone else holds).

        Raises:
            StoreError: the store could not be read or written (nothing is claimed).
        """
        now = self._clock()
        claim = Intent(
            target,
            action,
            service,
            self.who,
            self.host,
            now,
            now + lasts + MARGIN,
            uuid.uuid4().hex,
        )

        def work(tx: Tx) -> Intent | None:
            rows = tx.execute(
                f"SELECT {_COLUMNS}, os_user, pid FROM action_intents WHERE target = ?", (target,)
            )
            if rows:
                held = _intent(rows[0])
                # This very cockpit's own claim (a retry after its last action settled).
                own = (held.who, held.host, rows[0][8], rows[0][9]) == (
                    self.who,
                    self.host,
                    self.user,
                    self.pid,
                )
                if held.expires_at > now and not own:
                    return held
                tx.execute("DELETE FROM action_intents WHERE target = ?", (target,))
            tx.execute(
                f"INSERT INTO action_intents ({_COLUMNS}, os_user, pid)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    target,
                    action,
                    service,
                    self.who,
                    self.host,
                    _iso(claim.started_at),
                    _iso(claim.expires_at),
                    claim.token,
                    self.user,
                    self.pid,
                ),
            )
            return None

        holder = self._file.transact(work, lock=f"intent:{target}")
        return (None, holder) if holder is not None else (claim, None)

    def attach(self, intent: Intent, audit_id: int) -> None:
        """Name the audit start record the claim covers (other cockpits then show that
        record as in flight, not as "outcome unknown")."""
        self._file.write(
            [
                (
                    "UPDATE action_intents SET audit_id = ? WHERE target = ? AND token = ?",
                    (audit_id, intent.target, intent.token),
                )
            ]
        )

    def release(self, intent: Intent) -> None:
        """Drop the claim (only this one: a later claim on the target stays)."""
        self._file.write(
            [
                (
                    "DELETE FROM action_intents WHERE target = ? AND token = ?",
                    (intent.target, intent.token),
                )
            ]
        )

    def live(self) -> dict[str, Intent]:
        """Every claim not yet expired, by target."""
        rows = self._file.read(
            f"SELECT {_COLUMNS} FROM action_intents WHERE expires_at > ?", (_iso(self._clock()),)
        )
        return {row[0]: _intent(row) for row in rows}


class Claims:
    """The action path's side of intents, on the event loop: claims go through the
    database thread; ``others`` caches everyone's live claims so the UI's check (before
    the confirmation) can already say who is acting, without a query."""

    def __init__(
        self, store: IntentStore | None, call: Caller, on_change: Callable[[], object]
    ) -> None:
        self._store = store
        self._call = call
        self._on_change = on_change
        self.others: dict[str, Intent] = {}
        self._mine: set[str] = set()
        self._later: set[asyncio.Task[None]] = set()

    def holder(self, target: str, now: datetime) -> Intent | None:
        """Someone else's live claim on ``target``, as last seen (None: free, or mine)."""
        held = self.others.get(target)
        if held is None or held.expires_at <= now or held.token in self._mine:
            return None
        return held

    async def refresh(self) -> None:
        """Re-read everyone's live claims (on a notification, or now and then)."""
        if self._store is None:
            return
        self.others = await self._call(self._store.live)

    async def claim(
        self, target: str, action: str, service: str, lasts: timedelta
    ) -> tuple[Intent | None, Intent | None]:
        """(mine, None) or (None, the holder's). Without a store, nothing to share: a
        claim that always succeeds (the one-per-release rule in memory still applies).

        Raises:
            StoreError: the claim could not be written (the caller must not act).
        """
        if self._store is None:
            return None, None
        mine, holder = await self._call(self._store.claim, target, action, service, lasts)
        if mine is not None:
            self._mine.add(mine.token)
            self._on_change()
        return mine, holder

    async def attach(self, intent: Intent | None, audit_id: int) -> None:
        if self._store is not None and intent is not None:
            with contextlib.suppress(StoreError):
                await self._call(self._store.attach, intent, audit_id)

    async def release(self, intent: Intent | None, after: float = 0.0) -> None:
        """Drop the claim (``after`` seconds from now: a sent action keeps its target until
        everyone's next poll can show its effect, so nobody acts on the state before it);
        one that cannot be dropped expires by itself."""
        if self._store is None or intent is None:
            return
        if after > 0:
            task = asyncio.get_running_loop().create_task(self._release_later(intent, after))
            self._later.add(task)
            task.add_done_callback(self._later.discard)
            return
        with contextlib.suppress(StoreError):
            await self._call(self._store.release, intent)
        self._mine.discard(intent.token)
        self._on_change()

    async def _release_later(self, intent: Intent, after: float) -> None:
        await asyncio.sleep(after)
        await self.release(intent)

    async def close(self) -> None:
        """Release what waits to be released (the cockpit is stopping)."""
        for task in list(self._later):
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
