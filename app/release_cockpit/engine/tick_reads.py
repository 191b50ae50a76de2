"""Reading manual checklist ticks from the audit database, off the event loop.

A version seen for the first time has its ticks in the database (ticked in an earlier
session, or by a teammate): the store asks for them (``Store.ticks_wanted``), and they
are read here on the database thread; the snapshot after the read shows them. A read that
fails leaves the ticks empty and is kept as the audit log's problem for the stores line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from release_cockpit.domain.checklist import Tick
from release_cockpit.engine.database import Database
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store import Store


class TickReads:
    """The tick reads in flight, and the last one's failure."""

    def __init__(
        self, store: Store, database: Database | None, on_read: Callable[[], None]
    ) -> None:
        self._store = store
        self._database = database
        self._on_read = on_read
        self._tasks: set[asyncio.Task[None]] = set()
        self.problem: StoreError | None = None
        """Why the audit database could not be read (None while reads succeed)."""

    @property
    def pending(self) -> bool:
        return bool(self._tasks)

    async def wait(self) -> None:
        """Wait for the reads in flight (their failures are already kept as ``problem``)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def read(self) -> None:
        """Read the manual checklist ticks of versions seen for the first time, on the
        database thread; the snapshot after the read shows them."""
        database = self._database
        wanted = self._store.ticks_wanted
        if not wanted or database is None or database.audit is None:
            return
        audit = database.audit
        batch = sorted(wanted)
        wanted.clear()

        def read() -> dict[tuple[str, str], dict[str, Tick]]:
            return {(key, version): audit.ticks(key, version) for key, version in batch}

        async def load() -> None:
            try:
                found = await database.call(read)
            except StoreError as exc:
                self.problem = exc
                found = {ident: {} for ident in batch}
            self._store.add_ticks(found)
            self._on_read()

        try:
            task = asyncio.get_running_loop().create_task(load(), name="engine:ticks")
        except RuntimeError:  # no loop (a synchronous caller): the next publish reads them
            wanted.update(batch)
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


__all__ = ["TickReads"]
