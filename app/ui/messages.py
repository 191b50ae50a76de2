"""App-wide Textual messages that carry engine output into the UI."""

from __future__ import annotations

from textual.message import Message

from app.domain import CockpitSnapshot


class SnapshotUpdated(Message):
    """A new snapshot was published. A newer one replaces an older one still in the queue,
    so a busy UI skips straight to the latest picture instead of falling behind."""

    def __init__(self, snapshot: CockpitSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotUpdated)


class ReleaseSelected(Message):
    """Someone chose a release on the board (enter); the app opens its detail screen."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
