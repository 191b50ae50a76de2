"""Rows a screen reads from the cockpit's database: read off the event loop, never twice at once.

The audit log, the metrics and the detail's timeline come from the database, which another
cockpit may hold locked for seconds. A screen never waits for it: it asks for the rows in
a Textual worker (the engine runs the query on its database thread), renders what it has
meanwhile, and reads again on new data at most once per ``every`` seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from textual.screen import Screen

from release_cockpit.errors import CockpitError

T = TypeVar("T")


class StoredRows(Generic[T]):
    """The last rows read for one screen section, and why the last read failed, if it did."""

    def __init__(
        self,
        screen: Screen[Any],
        read: Callable[[], Awaitable[T]],
        empty: T,
        changed: Callable[[], None],
        *,
        every: timedelta = timedelta(seconds=2),
        name: str = "rows",
    ) -> None:
        self._screen = screen
        self._read = read
        self.rows: T = empty
        self.loaded = False
        self.problem = ""
        self._changed = changed
        self._every = every
        self._name = name
        self._read_at: datetime | None = None

    def reload(self, now: datetime | None = None) -> None:
        """Read again now (a read still running is cancelled: the newest question wins)."""
        self._read_at = now
        self._screen.run_worker(self._load(), exclusive=True, group=f"stored:{self._name}")

    def maybe_reload(self, now: datetime) -> None:
        """Read again if the last read is older than ``every`` (called on new data)."""
        if self._read_at is None or now - self._read_at >= self._every:
            self.reload(now)

    async def _load(self) -> None:
        try:
            self.rows = await self._read()
            self.problem = ""
        except CockpitError as exc:
            self.problem = f"{exc.title}: {exc.message}"
        self.loaded = True
        self._changed()
