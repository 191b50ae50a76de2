"""The engine's face towards views: snapshots out, intents in.

Views (the TUI, `status --json`, benchmarks) depend on this protocol, not on the engine's
insides, so tests can drive a view with a fixed feed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from release_cockpit.domain import CockpitSnapshot
from release_cockpit.domain.audit import AuditEntry
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent
from release_cockpit.domain.insights import HistoryBundle

Unsubscribe = Callable[[], None]


class SnapshotFeed(Protocol):
    """A source of immutable snapshots that can be asked to poll now."""

    @property
    def snapshot(self) -> CockpitSnapshot | None:
        """The latest snapshot, or None before the engine has built one."""

    def subscribe(self, callback: Callable[[CockpitSnapshot], None]) -> Unsubscribe:
        """Call ``callback`` with every new snapshot, on the engine's event loop."""

    def refresh(self, source: str | None = None) -> None:
        """Poll one source (or all) now instead of waiting for the interval."""

    async def start(self) -> None:
        """Start polling; returns at once (polls run as tasks on the running loop)."""

    async def stop(self) -> None:
        """Stop polling and close every backend connection."""


class RecordReader(Protocol):
    """The stored side views read: the audit log and the history, read off the event loop.

    Every method may raise ``StoreError`` (a damaged or locked database); views show it."""

    async def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first."""

    async def timeline(self, key: str, version: str) -> tuple[TimelineEvent, ...]:
        """One release's recorded timeline, oldest first."""

    async def history_records(self, since: datetime) -> list[ReleaseRecord]:
        """Releases recorded since ``since``."""

    async def history_bundle(self, since: datetime) -> HistoryBundle:
        """Records, answers and stage spans since ``since`` (the metrics screen)."""
