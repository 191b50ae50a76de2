"""A snapshot feed whose engine is built after the first frame, on a worker thread.

Importing the engine and the adapters (httpx and friends), opening the database and
building the adapters took most of the cockpit's start-up; none of it is needed to draw
the board's skeleton. ``DeferredFeed`` is handed a function that does all of that (the
CLI's ``open_session``); the app starts the feed once its first frame is on the screen,
the function runs on a thread (the event loop keeps answering keys), and then the
engine starts on the loop. A failure there (a missing secret) closes the app and is
raised again by ``run`` for the CLI to print, as if it had happened before the start.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.engine.controls import Controls
    from release_cockpit.engine.feed import RecordReader, SnapshotFeed, Unsubscribe
    from release_cockpit.errors import CockpitError


@dataclass
class OpenSession:
    """What ``open_session`` returns: the running parts, and how to close them."""

    feed: SnapshotFeed
    controls: Controls | None = None
    records: RecordReader | None = None
    warnings: Sequence[CockpitError] = ()
    close: Callable[[], None] = field(default=lambda: None)


class DeferredFeed:
    """A ``SnapshotFeed`` that opens its engine when started (off the event loop)."""

    def __init__(self, open_session: Callable[[], OpenSession]) -> None:
        self._open = open_session
        self.session: OpenSession | None = None
        self.error: BaseException | None = None
        self._subscribers: list[Callable[[CockpitSnapshot], None]] = []
        self._unsubscribe: Unsubscribe | None = None
        self._stopped = False
        self.ready = asyncio.Event()

    @property
    def snapshot(self) -> CockpitSnapshot | None:
        return self.session.feed.snapshot if self.session is not None else None

    def subscribe(self, callback: Callable[[CockpitSnapshot], None]) -> Unsubscribe:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def _publish(self, snapshot: CockpitSnapshot) -> None:
        for callback in list(self._subscribers):
            callback(snapshot)

    def refresh(self, source: str | None = None) -> None:
        if self.session is not None:
            self.session.feed.refresh(source)

    async def start(self) -> None:
        """Open the session on a thread, then start its engine here (on the loop)."""
        if self.session is not None or self._stopped:
            return
        try:
            session = await asyncio.to_thread(self._open)
        except BaseException as exc:
            self.error = exc
            raise
        if self._stopped:  # the app closed while the session opened
            session.close()
            return
        self.session = session
        self._unsubscribe = session.feed.subscribe(self._publish)
        await session.feed.start()
        self.ready.set()

    async def stop(self) -> None:
        self._stopped = True
        session, self.session = self.session, None
        if session is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        try:
            await session.feed.stop()
        finally:
            session.close()
