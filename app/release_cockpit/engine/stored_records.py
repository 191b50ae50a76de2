"""The audit log and the release history as the views read them, and the answers they keep.

Every call runs on the database thread (``Database.call``), never on the event loop. Without
a database (or one whose audit log or history could not be opened) reads return nothing and
answers are not asked for: the cockpit still runs, and says why its stores are missing.
"""

from __future__ import annotations

from datetime import datetime

from release_cockpit.domain.audit import AuditEntry
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent
from release_cockpit.domain.human import Answer
from release_cockpit.domain.insights import HistoryBundle
from release_cockpit.engine.database import Database


class StoredRecords:
    """Reads of the audit log and history (and answers kept with their release)."""

    def __init__(self, database: Database | None, in_flight: set[int]) -> None:
        """``in_flight`` is the controls' own set of audit records whose call is running:
        shared, so the audit log shows them as in flight, not as "outcome unknown"."""
        self.database = database
        self._in_flight = in_flight

    async def timeline(self, key: str, version: str) -> tuple[TimelineEvent, ...]:
        """The recorded timeline of one release (empty without a history store).

        Raises:
            StoreError: the history could not be read.
        """
        database = self.database
        if database is None or database.history is None:
            return ()
        return await database.call(database.history.events, key, version)

    async def records(self, since: datetime) -> list[ReleaseRecord]:
        """Release history since ``since``, for the metrics screen.

        Raises:
            StoreError: the history could not be read.
        """
        database = self.database
        if database is None or database.history is None:
            return []
        return await database.call(database.history.records, since)

    async def bundle(self, since: datetime) -> HistoryBundle:
        """Records, answers and stage spans since ``since``, for the metrics screen.

        Raises:
            StoreError: the history could not be read.
        """
        database = self.database
        if database is None or database.history is None:
            return HistoryBundle()
        return await database.call(database.history.bundle, since)

    @property
    def who(self) -> str:
        """The person acting, as the audit log names them ("" without an audit log)."""
        database = self.database
        return database.audit.who if database is not None and database.audit else ""

    async def answered(self, key: str, version: str) -> bool:
        """Whether this person answered for this release already (in any session).

        Raises:
            StoreError: the history could not be read.
        """
        database = self.database
        if database is None or database.history is None:
            return True  # nowhere to keep an answer: never ask
        return await database.call(database.history.answered, key, version, self.who)

    async def answer(self, answer: Answer) -> None:
        """Keep an answer with its release.

        Raises:
            StoreError: the history could not be written.
        """
        database = self.database
        if database is None or database.history is None:
            return
        await database.call(database.history.save_answer, answer)

    async def entries(self, limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first (empty when it cannot be opened).

        Raises:
            StoreError: the audit log could not be read.
        """
        database = self.database
        audit = database.audit if database is not None else None
        if database is None or audit is None:
            return []
        return await database.call(audit.entries, limit=limit, in_flight=set(self._in_flight))


__all__ = ["StoredRecords"]
